"""The command line, run as a user would (a subprocess, or a pty, where it matters)."""

from __future__ import annotations

import fcntl
import logging
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import httpx
import pytest
from textual.app import App

from tui import __version__, logs
from tui.api.redact import Redactor
from tui.cli import guarded, main, run_app

SECRET = "tok-SECRET-123456"


def run(*args: str, timeout: float = 30, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **env})


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


def test_version_and_help_everywhere(capsys: pytest.CaptureFixture[str]) -> None:
    commands = (["link"], ["codes"], ["codes", "list"], ["codes", "export"], ["codes", "import"], ["instances"])
    for args in ([], ["sandbox"], *commands):
        with pytest.raises(SystemExit) as done:
            main([*args, "--version"])
        assert done.value.code == 0 and f"waqr {__version__}" in capsys.readouterr().out
    for args in ([], *commands):
        for where in ("after", "before"):
            argv = [*args, "--help"] if where == "after" or not args else ["--help", *args]
            with pytest.raises(SystemExit) as done:
                main(argv)
            assert done.value.code == 0
            out = capsys.readouterr().out
            assert "usage: waqr" in out and all(o in out for o in ("--config", "--env-file", "--profile", "--demo"))


def test_sandbox_help_lists_only_what_it_honours(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["sandbox", "--help"])
    out = capsys.readouterr().out
    assert "--port" in out and "--instances" in out and not any(o in out for o in ("--theme", "--qr-style", "--config", "--set"))


def test_codes_help_explains_each_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["codes", "--help"])
    out = capsys.readouterr().out
    for sub in ("list", "get", "create", "edit", "delete", "export", "import"):
        assert f"\n  {sub} " in out
    assert "exit 4" in out and "--sheet" in out and "--dry-run" in out and "--yes" in out


def test_usage_errors_are_one_line_exit_2() -> None:
    result = run("sandbox", "--port", "99999")
    assert result.returncode == 2 and "99999 is not a port number" in one_line(result.stderr)
    result = run("sandbox", "--instances", "0")
    assert result.returncode == 2 and "from 1 to 10000" in one_line(result.stderr)
    for args in (["codes"], ["codes", "get"], ["codes", "list", "--json", "--csv"], ["link", "--png", "x.png"],
                 ["--nope"]):
        with pytest.raises(SystemExit) as done:
            code = main(args)
            raise SystemExit(code)
        assert done.value.code == 2


def test_missing_settings_exit_2_without_traceback() -> None:
    result = run()
    assert result.returncode == 2 and "WAQR_META__ACCESS_TOKEN" in one_line(result.stderr)
    result = run("link")
    assert result.returncode == 2 and "WAQR_GREEN__ID_INSTANCE" in one_line(result.stderr)
    result = run("link", "--plain")
    assert result.returncode == 2 and "green.id_instance" in one_line(result.stderr)
    result = run("codes", "list")
    assert result.returncode == 2 and "meta.phone_number_id (WAQR_META__PHONE_NUMBER_ID)" in one_line(result.stderr)


def test_malformed_or_unknown_setting_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--set", "ui.qr_style=round"]) == 2
    assert "ui.qr_style (WAQR_UI__QR_STYLE)" in one_line(capsys.readouterr().err)
    assert main(["--set", "nonsense"]) == 2
    capsys.readouterr()
    assert main(["codes", "list", "--set", "ui.nope=1"]) == 2
    assert "unknown setting ui.nope" in one_line(capsys.readouterr().err)
    assert main(["instances", "--profile", "acme"]) == 2
    assert "unknown profile 'acme'" in one_line(capsys.readouterr().err)


def test_env_file_is_read_only_when_named(isolated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (isolated / ".env").write_text("WAQR_UI__QR_STYLE=round\n")
    env_file = isolated / "waqr.env"
    env_file.write_text("WAQR_UI__QR_STYLE=round\n")
    # the folder's .env is never read: the run fails on the missing account, not on the bad style
    assert main(["codes", "list"]) == 2 and "ui.qr_style" not in capsys.readouterr().err
    assert main(["codes", "list", "--env-file", str(env_file)]) == 2
    assert "ui.qr_style (WAQR_UI__QR_STYLE)" in capsys.readouterr().err


def test_sandbox_command_serves_on_the_given_port() -> None:
    with httpx.Client() as probe:
        proc = subprocess.Popen([sys.executable, "-m", "tui", "sandbox", "--port", "0"], stdout=subprocess.PIPE,
                                text=True)
        try:
            first = proc.stdout.readline()  # type: ignore[union-attr]
            assert "waqr sandbox on http://127.0.0.1:" in first
            url = first.split(" on ")[1].split()[0]
            deadline = time.monotonic() + 10
            while True:
                try:
                    answer = probe.get(f"{url}/waInstance7105000001/getStateInstance/wrong")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline
                    time.sleep(0.1)
            assert answer.status_code == 401
        finally:
            proc.terminate()
            proc.wait(10)


def read_until(fd: int, wanted: bytes, deadline: float, seen: bytearray) -> bool:
    """Read the pty into `seen` until `wanted` shows (True) or EOF / the deadline (False)."""
    while wanted not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select([fd], [], [], min(left, 0.2))
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                return False
            if not chunk:
                return False
            seen += chunk
    return True


def test_sigterm_restores_the_terminal() -> None:
    pid, fd = pty.fork()
    if pid == 0:  # the child: waqr --demo on the pty
        os.environ.update(TERM="xterm-256color", COLUMNS="100", LINES="30")
        os.execv(sys.executable, [sys.executable, "-m", "tui", "--demo"])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    seen = bytearray()
    try:
        assert read_until(fd, b"\x1b[?1049h", time.monotonic() + 20, seen), bytes(seen[-300:])
        assert read_until(fd, b"Message QR codes", time.monotonic() + 20, seen)
        os.kill(pid, signal.SIGTERM)
        read_until(fd, b"never comes", time.monotonic() + 15, seen)
        _, status = os.waitpid(pid, 0)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.close(fd)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 130
    tail = bytes(seen[seen.rfind(b"\x1b[?1049h"):])
    assert b"\x1b[?1049l" in tail  # alternate screen off
    if b"\x1b[?1000h" in seen:
        assert b"\x1b[?1000l" in bytes(seen[seen.rfind(b"\x1b[?1000h"):])  # mouse reporting off
    assert b"Traceback" not in seen


class Exploding(App[None]):
    """An app whose handler fails with a secret in its locals and its message."""

    def on_mount(self) -> None:
        headers = {"Authorization": f"Bearer {SECRET}"}
        raise RuntimeError(f"request failed with {headers}\n\x1b]52;c;eA==\x07")


def test_an_unexpected_error_in_the_app_is_one_redacted_line(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    log_path = logs.setup("WARNING", [SECRET], tmp_path / "log" / "waqr.log")
    app = guarded(Exploding, Redactor([SECRET]), log_path)()
    assert run_app(app, headless=True) == 1
    err = capfd.readouterr().err
    line = one_line(err)
    assert line.startswith("waqr: unexpected error (RuntimeError: request failed with") and str(log_path) in line
    assert SECRET not in err and "\x1b]52" not in err and "headers = " not in err
    logging.getLogger("waqr").handlers[0].flush()
    text = log_path.read_text()
    assert "Traceback" in text and "on_mount" in text and SECRET not in text and "\x1b" not in text


def test_an_unexpected_error_outside_the_app_is_one_line(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    def explode(*args: object, **kwargs: object) -> int:
        raise KeyError(SECRET)

    monkeypatch.setenv("WAQR_META__ACCESS_TOKEN", SECRET)
    monkeypatch.setattr("tui.cli.run_command", explode)
    assert main(["codes", "list"]) == 1
    err = capsys.readouterr().err
    assert "unexpected error (KeyError: '***')" in one_line(err) and SECRET not in err
