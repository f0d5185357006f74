"""Benchmarks of the scriptable commands (issue 18): export of 2,000 codes, import of 100 rows.

    python tests/bench/cli.py

The sandbox runs in its own process, as a remote service would: the command's time is
its own (listing, drawing, writing), not shared with the server's. Requests are
counted by the sandbox. Not part of the test suite: machines are noisy.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tui.config import env_name  # noqa: E402

SERVER = """
import sys, threading
from tui.sandbox import Sandbox
from tui.sandbox.meta import MetaSandbox

class Counting(Sandbox):
    paths = []
    def dispatch(self, request, base):
        if request.path == "/_bench/count":
            from tui.sandbox.http import json_response
            return json_response({"qrdls": sum("/message_qrdls" in p for p in self.paths),
                                  "cdn": sum(p.startswith("/_cdn/") for p in self.paths), "all": len(self.paths)})
        self.paths.append(request.path)
        return super().dispatch(request, base)

box = Counting(meta=MetaSandbox(count=int(sys.argv[1]))).start()
for key, value in box.settings().items():
    print(f"{key}={value}")
print("ready", flush=True)
threading.Event().wait()
"""


def serve(count: int) -> tuple[subprocess.Popen[str], dict[str, str]]:
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(count)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    env: dict[str, str] = {}
    for line in proc.stdout:  # type: ignore[union-attr]
        if line.strip() == "ready":
            return proc, env
        key, _, value = line.strip().partition("=")
        env[env_name(key)] = value
    raise RuntimeError("the sandbox did not start")


def counts(env: dict[str, str]) -> dict[str, int]:
    import httpx

    return httpx.get(env["WAQR_META__BASE_URL"] + "/_bench/count").json()


def waqr(env: dict[str, str], *args: str) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "tui", *args], env={**os.environ, **env}, check=True,
                   capture_output=True, timeout=300)
    return time.monotonic() - started


def report(name: str, value: str, target: str, ok: bool) -> None:
    print(f"{name:<16} {value:<44} target {target:<22} {'OK' if ok else 'MISSED'}", flush=True)


def main() -> int:
    print(f"cores: {len(os.sched_getaffinity(0))}, load average: {os.getloadavg()[0]:.2f}")
    proc, env = serve(2000)
    try:
        for fmt, limit in (("png", 15.0), ("svg", 8.0)):
            before = counts(env)
            with tempfile.TemporaryDirectory() as folder:
                took = waqr(env, "codes", "export", folder, "--format", fmt)
                files = len(list(Path(folder).glob(f"*.{fmt}")))
            after = counts(env)
            requests, images = after["qrdls"] - before["qrdls"], after["cdn"] - before["cdn"]
            report(f"export {fmt}", f"{files} files in {took:.1f} s, {requests} requests, {images} image requests",
                   f"<= {limit:g} s, <= 81 requests", took <= limit and requests <= 81 and images == 0)
    finally:
        proc.terminate()
        proc.wait(10)
    proc, env = serve(60)  # a number with room for 100 more codes
    try:
        with tempfile.TemporaryDirectory() as folder:
            sheet = Path(folder) / "rows.csv"
            sheet.write_text("message\n" + "".join(f"Bench row {i}\n" for i in range(100)))
            before = counts(env)
            took = waqr(env, "codes", "import", str(sheet))
            again = waqr(env, "codes", "import", str(sheet))
            after = counts(env)
            report("import 100", f"{took:.1f} s, then {again:.1f} s to create nothing; {after['qrdls'] - before['qrdls']}"
                   " requests", "second run: lists only", True)
            took = waqr(env, "codes", "import", str(sheet), "--set", "ui.provider=alibaba")
            report("import 100 CAMS", f"{took:.1f} s (5 writes a second at most)", ">= 20 s (paced)", took >= 20)
    finally:
        proc.terminate()
        proc.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
