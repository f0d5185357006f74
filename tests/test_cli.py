"""The command line, run as a user would (a subprocess where it matters)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from tui import __version__
from tui.cli import main


def run(*args: str, timeout: float = 30, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui", *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **env})


def test_version_and_help_everywhere(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["--version"], ["link", "--version"], ["sandbox", "--version"]):
        with pytest.raises(SystemExit) as done:
            main(args)
        assert done.value.code == 0
        assert f"waqr {__version__}" in capsys.readouterr().out
    for args in (["--help"], ["link", "--help"], ["sandbox", "--help"]):
        with pytest.raises(SystemExit):
            main(args)
        out = capsys.readouterr().out
        assert "usage: waqr" in out and "--config" in out


def test_missing_settings_exit_2_without_traceback() -> None:
    result = run()
    assert result.returncode == 2
    assert "WAQR_META__ACCESS_TOKEN" in result.stderr and "Traceback" not in result.stderr
    result = run("link")
    assert result.returncode == 2 and "WAQR_GREEN__ID_INSTANCE" in result.stderr


def test_malformed_setting_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--set", "ui.qr_style=round"]) == 2
    err = capsys.readouterr().err
    assert "ui.qr_style (WAQR_UI__QR_STYLE)" in err
    assert main(["--set", "nonsense"]) == 2


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


def test_plain_mode_needs_green_settings() -> None:
    result = run("link", "--plain")
    assert result.returncode == 2 and "green.id_instance" in result.stderr
