"""waqr benchmarks: prints every figure of the performance targets, with its baseline.

    python tests/bench/run.py            # full: about 14 minutes (10 of them the memory soak)
    python tests/bench/run.py --quick    # about 3 minutes, shorter windows

Not part of the test suite: these are measurements, and the machines are noisy, so
where a target is relative the baseline is measured in the same run.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tui.config import env_name  # noqa: E402
from tui.sandbox import Sandbox  # noqa: E402

HERE = Path(__file__).parent
BARE = Path(__file__).with_name("bare_app.py")
COLS, ROWS = 80, 24
results: list[tuple[str, str, str, bool]] = []


def report(name: str, value: str, target: str, ok: bool) -> None:
    results.append((name, value, target, ok))
    print(f"{name:<14} {value:<58} target {target:<26} {'OK' if ok else 'MISSED'}", flush=True)


class PtyApp:
    """A program in a pseudo-terminal of COLS x ROWS; collects what it writes."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.started = time.monotonic()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, close_fds=True,
                                     env={**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor",
                                          **(env or {})}, start_new_session=True)
        os.close(slave)
        self.master = master
        self.output = bytearray()
        self.marks: list[tuple[float, int]] = []

    def pump(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            ready, _, _ = select.select([self.master], [], [], min(left, 0.05))
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    return
                self.output += chunk
                self.marks.append((time.monotonic(), len(self.output)))

    def wait_for(self, needle: bytes, timeout: float = 30) -> float:
        end = time.monotonic() + timeout
        while needle not in self.output:
            if time.monotonic() > end:
                raise TimeoutError(f"{needle!r} not seen; got {bytes(self.output[-300:])!r}")
            self.pump(0.01)
        return time.monotonic() - self.started

    def bytes_between(self, start: float, end: float) -> int:
        before = max((n for t, n in self.marks if t <= start), default=0)
        upto = max((n for t, n in self.marks if t <= end), default=0)
        return upto - before

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # gone already (it crashed, or exited)
        os.close(self.master)


def bench_startup(runs: int) -> None:
    """Process start to the first frame of `waqr --demo`, against the floor of issue 16 (a bare
    Textual app that validates one pydantic-settings model first, `floor_app.py`) and a bare
    Textual app, measured in the same run, interleaved; and Posting, where it can run here.
    """
    import compileall

    # `pip install` writes bytecode for the package; an editable checkout under
    # PYTHONDONTWRITEBYTECODE (as on CI) would otherwise compile waqr's modules on every start.
    compileall.compile_dir(ROOT / "tui", quiet=1)
    compileall.compile_dir(HERE, quiet=1)
    waqr, floor, bare = [], [], []
    for _ in range(runs):  # interleaved, so that load on the machine hits all alike
        for argv, marker, out in (
            ([sys.executable, "-m", "tui", "--demo"], b"Message QR codes", waqr),
            ([sys.executable, str(HERE / "floor_app.py")], b"floor-baseline", floor),
            ([sys.executable, str(BARE)], b"bare-baseline", bare),
        ):
            app = PtyApp(argv, {"HOME": "/tmp/waqr-bench-home", "PYTHONPATH": str(ROOT)})
            try:
                out.append(app.wait_for(marker))
            finally:
                app.stop()
    w, f, b = statistics.median(waqr), statistics.median(floor), statistics.median(bare)
    report("start-up", f"waqr --demo {w * 1000:.0f} ms; floor {f * 1000:.0f} ms (x{w / f:.2f}); "
           f"bare Textual app {b * 1000:.0f} ms", "<= 1.3 x the floor", w <= 1.3 * f)
    posting = posting_startup(runs)
    if isinstance(posting, str):
        report("vs Posting", f"not measured: {posting}", "waqr ahead", False)
    else:
        report("vs Posting", f"Posting {posting * 1000:.0f} ms, waqr {w * 1000:.0f} ms", "waqr ahead", w < posting)


def posting_startup(runs: int) -> float | str:
    """Posting's first frame, from its own environment (it pins another Textual); or why not."""
    venv = Path(tempfile.gettempdir()) / "waqr-bench-posting"
    command = venv / "bin" / "posting"
    if not command.exists():
        made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True)
        if made.returncode == 0:
            subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "posting"], capture_output=True, timeout=600)
        if not command.exists():
            return "posting could not be installed"
    home = Path(tempfile.mkdtemp(prefix="waqr-bench-posting-home-"))
    times = []
    for _ in range(runs):
        app = PtyApp([str(command)], {"HOME": str(home)})
        try:
            times.append(app.wait_for(b"Posting", timeout=20))
        except TimeoutError:
            app.pump(0.2)
            code = app.proc.poll()
            return f"it drew nothing in 20 s (exit status {code}; a segmentation fault is -11)" if code \
                else "it drew nothing in 20 s"
        finally:
            app.stop()
    return statistics.median(times)


def settings_env(sandbox: Sandbox) -> dict[str, str]:
    return {env_name(k): v for k, v in sandbox.settings().items()} | {"HOME": "/tmp/waqr-bench-home"}


def bench_link_screen(window: float, cadence_window: float) -> None:
    """Quiet screen, idle CPU and cadence, from one `waqr link` in a pty against the sandbox."""
    with Sandbox() as sandbox:
        app = PtyApp([sys.executable, "-m", "tui", "link"], settings_env(sandbox))
        try:
            app.wait_for(b"Waiting for scan")
            polling_from = time.monotonic()
            # wait for the first rotation: from then on the countdown ticks every second
            app.wait_for(b"New QR in about", timeout=25)
            rotation_burst = app.bytes_between(app.marks[-1][0] - 1.0, app.marks[-1][0] + 0.01)
            app.pump(1.0)
            start, cpu0 = time.monotonic(), app.cpu_seconds()
            deadline = start + window
            while time.monotonic() < deadline:
                # the QR changes every 20 s: keep the window free of rotations by moving the clock back
                sandbox.green.offset -= 1.0 if sandbox.green.instance.seconds_left() < 3 else 0.0
                app.pump(0.5)
            end, cpu1 = time.monotonic(), app.cpu_seconds()
            quiet = app.bytes_between(start, end) / (end - start)
            report("quiet screen", f"{quiet:.0f} B/s with the QR unchanged; a QR repaint costs {rotation_burst} B "
                   f"(= {rotation_burst} B/s if repainted every poll)", "<= 300 B/s", quiet <= 300)
            share = (cpu1 - cpu0) / (end - start) * 100
            report("idle CPU", f"{share:.2f} % of one core ({(cpu1 - cpu0) / (end - start) * 60:.2f} s CPU/min)",
                   "<= 3 %", share <= 3)
            app.pump(max(0.0, polling_from + cadence_window - time.monotonic()))
            calls = [(s, e) for s, e, m in sandbox.green.log if m == "qr" and s >= polling_from]
        finally:
            app.stop()
    gaps = [b[0] - a[0] for a, b in zip(calls, calls[1:])]
    overlaps = sum(1 for a, b in zip(calls, calls[1:]) if b[0] < a[1])
    mean, spread = statistics.mean(gaps), statistics.pstdev(gaps)
    report("cadence", f"over {calls[-1][0] - calls[0][0]:.0f} s: mean {mean:.3f} s, sd {spread * 1000:.1f} ms, "
           f"min {min(gaps):.3f}, max {max(gaps):.3f}, {len(calls)} requests, {overlaps} overlapping", "1.00 +/- 0.05 s, 0 overlap",
           abs(mean - 1) <= 0.05 and max(abs(g - 1) for g in gaps) <= 0.05 and overlaps == 0)


def bench_render(runs: int) -> None:
    import random

    from tui.qr import encode as enc
    from tui.qr import render as ren
    from tui.qr.decode import decode_image
    from tui.qr.render import fit
    from tui.sandbox.green import pairing_string

    pngs = []
    for i in range(20):
        rng = random.Random(i)
        keys = tuple(__import__("base64").b64encode(rng.randbytes(32)).decode() for _ in range(3))
        pngs.append(enc.image_bytes(pairing_string(rng, keys), "png", scale=5, error="M"))  # as Green API sends
    times = []
    for i in range(runs):
        enc.encode.cache_clear()
        ren.render.cache_clear()
        t = time.perf_counter()
        text = decode_image(pngs[i % len(pngs)])
        matrix = enc.encode(text)
        ren.render(matrix, *fit(len(matrix), 36, 22))
        times.append(time.perf_counter() - t)
    med = statistics.median(times) * 1000
    report("render", f"decode+encode+render median {med:.2f} ms (p90 {sorted(times)[int(runs * .9)] * 1000:.2f})",
           "<= 5 ms median", med <= 5)


def bench_page_flip(flips: int) -> None:
    """From the `n` key written to the terminal to the next page's first bytes on it."""
    with Sandbox() as sandbox:
        app = PtyApp([sys.executable, "-m", "tui"], settings_env(sandbox))
        took = []
        try:
            app.wait_for("page 1 · 1–25".encode())
            for _ in range(flips):
                app.pump(0.7)  # the next page is fetched ahead meanwhile
                mark = len(app.output)
                t = time.monotonic()
                os.write(app.master, b"n")
                while "page 2 · 26–50".encode() not in app.output[mark:]:
                    app.pump(0.001)
                    if time.monotonic() - t > 5:
                        raise TimeoutError("page 2 not shown")
                took.append(time.monotonic() - t)
                mark = len(app.output)
                os.write(app.master, b"p")
                while "page 1 · 1–25".encode() not in app.output[mark:]:
                    app.pump(0.001)
        finally:
            app.stop()
    med = statistics.median(took) * 1000
    report("page flip", f"n to the next page on screen: median {med:.1f} ms, max {max(took) * 1000:.1f} ms",
           "<= 50 ms", med <= 50)


def bench_memory(seconds: float) -> None:
    with Sandbox() as sandbox:
        app = PtyApp([sys.executable, "-m", "tui", "link"], settings_env(sandbox))
        try:
            app.wait_for(b"Waiting for scan")
            app.pump(5)
            start_rss = app.rss_kib()
            began = time.monotonic()
            minutes = []
            while time.monotonic() < began + seconds:
                sandbox.green.advance(20)  # a new QR every second
                app.pump(1.0)
                if time.monotonic() - began >= 60 * (len(minutes) + 1):
                    minutes.append(app.rss_kib() / 1024)
            end_rss = app.rss_kib()
            print("               RSS each minute (MiB): " + " ".join(f"{m:.1f}" for m in minutes), flush=True)
            seen = app.output.count(b"New QR in about")
        finally:
            app.stop()
    growth = (end_rss - start_rss) / 1024
    report("memory", f"RSS {start_rss / 1024:.1f} -> {end_rss / 1024:.1f} MiB over {seconds / 60:.0f} min of a new QR "
           f"every second ({growth:+.2f} MiB; {seen} countdown frames)", "<= 5 MB growth", growth <= 5)


BENCHES = ("render", "page-flip", "start-up", "link", "memory")
"""`link` gives the quiet screen, idle CPU and cadence figures."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="shorter windows (about 3 minutes)")
    parser.add_argument("--only", action="append", choices=BENCHES, help="run only this one (repeatable)")
    args = parser.parse_args()
    quick = args.quick
    print(f"waqr benchmarks on {os.cpu_count()} cores, Python {sys.version.split()[0]}"
          f"{' (quick)' if quick else ''}\n", flush=True)
    runs = {
        "render": lambda: bench_render(200),
        "page-flip": lambda: bench_page_flip(5 if quick else 15),
        "start-up": lambda: bench_startup(3 if quick else 7),
        "link": lambda: bench_link_screen(12 if quick else 16, 25 if quick else 60),
        "memory": lambda: bench_memory(60 if quick else 600),
    }
    for name in BENCHES:
        if not args.only or name in args.only:
            runs[name]()
    missed = [name for name, _v, _t, ok in results if not ok]
    print(f"\n{len(results) - len(missed)} of {len(results)} targets met" + (f"; missed: {', '.join(missed)}" if missed else ""))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
