"""`waqr link --plain`: QR on stdout each time it changes, exit codes."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.qrcheck import decode, decode_lines
from tui.config import Settings, load_settings
from tui.plain import EXIT_FAILED, EXIT_LINKED, link_plain
from tui.qr.render import DARK, LIGHT
from tui.sandbox import Sandbox


def qr_blocks(output: str) -> list[list[str]]:
    """The QR drawings in plain output: runs of lines between time-stamped lines."""
    blocks, current = [], []
    for line in output.splitlines():
        if line.startswith("["):
            if current:
                blocks.append(current)
            current = []
        else:
            current.append(line)
    if current:
        blocks.append(current)
    return blocks


SGR = re.compile(r"\x1b\[([0-9;]*)m")


def runs(line: str, default: tuple[str, str]) -> list[tuple[str, str, str]]:
    """A line of output as (text, fg, bg) runs, the way a terminal with `default` colours shows it."""
    fg, bg = default
    found, at = [], 0
    for match in SGR.finditer(line):
        if match.start() > at:
            found.append((line[at : match.start()], fg, bg))
        codes = [int(c) for c in match.group(1).split(";") if c] or [0]
        if codes == [0]:
            fg, bg = default
        elif codes[:2] == [38, 2] and codes[5:7] == [48, 2]:
            fg = "#" + "".join(f"{c:02x}" for c in codes[2:5])
            bg = "#" + "".join(f"{c:02x}" for c in codes[7:10])
        at = match.end()
    if at < len(line):
        found.append((line[at:], fg, bg))
    return found


def decode_plain(lines: list[str], terminal: tuple[str, str] = (DARK, LIGHT)) -> list[str]:
    """Decode printed QR lines as a terminal with these default (fg, bg) colours shows them."""
    return decode_lines([runs(line, terminal) for line in lines])


async def test_prints_each_new_qr_and_exits_0_once_linked(settings: Settings, sandbox: Sandbox) -> None:
    out, err = io.StringIO(), io.StringIO()

    def phone() -> None:
        time.sleep(1.5)
        sandbox.green.advance(20)
        time.sleep(1.5)
        sandbox.green.scan()

    threading.Thread(target=phone, daemon=True).start()
    code = await asyncio.wait_for(link_plain(settings, out, err), 15)
    assert code == EXIT_LINKED
    text = out.getvalue()
    blocks = qr_blocks(text)
    assert len(blocks) == 2 and "linked to +79001234567" in text.splitlines()[-1]
    decoded = [decode_plain(b) for b in blocks]
    assert all(len(d) == 1 and d[0].startswith("2@") for d in decoded) and decoded[0] != decoded[1]
    # written to a file, the QR carries its own colours: on a dark terminal it scans the same (not inverted)
    assert [decode_plain(b, terminal=(LIGHT, DARK)) for b in blocks] == decoded
    assert all(SGR.sub("", line).strip(" ▀▄█") == "" for block in blocks for line in block)


async def test_no_color_prints_dark_modules_as_glyphs(settings: Settings, sandbox: Sandbox,
                                                      monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    out, err = io.StringIO(), io.StringIO()
    threading.Timer(1.5, sandbox.green.scan).start()
    png = tmp_path / "qr.png"
    assert await asyncio.wait_for(link_plain(settings, out, err, png=png), 15) == EXIT_LINKED
    text = out.getvalue()
    assert "\x1b" not in text
    (block,) = qr_blocks(text)
    (decoded,) = decode_plain(block)  # '█' is dark: for a light background (documented)
    assert decoded.startswith("2@")
    assert decode(Image.open(png)) == [decoded] and stat.S_IMODE(png.stat().st_mode) == 0o600


async def test_service_text_is_printed_plain(settings: Settings, sandbox: Sandbox) -> None:
    hostile = "Bad \x1b]52;c;cm0gLXJmIH4=\x07 [bold]x[/] \u202eevil\nforged line"
    with httpx.Client() as http:
        http.post(f"{sandbox.url}/_sandbox/green/{sandbox.settings()['green.id_instance']}/qr-error",
                  json={"message": hostile})
    out, err = io.StringIO(), io.StringIO()
    threading.Timer(2.5, sandbox.green.scan).start()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(link_plain(settings, out, err), 6)
    said = err.getvalue()
    assert "Bad ␛]52;c;cm0gLXJmIH4=␇ [bold]x[/] <U+202E>evil↵forged line" in said
    assert not any(ch in said for ch in "\x1b\x07\u202e") and all(line.startswith("[") for line in said.splitlines())


def test_a_qr_too_long_to_draw_is_one_line() -> None:
    from tui.plain import draw

    said = draw("https://wa.me/message/" + "A" * 3000, io.StringIO())
    assert isinstance(said, str) and "3022 characters" in said and "\n" not in said


async def test_wrong_token_exits_non_zero_with_one_line(sandbox: Sandbox) -> None:
    settings = load_settings(overrides={**sandbox.settings(), "green.api_token_instance": "wrong-token-xyz"})
    out, err = io.StringIO(), io.StringIO()
    code = await asyncio.wait_for(link_plain(settings, out, err), 10)
    assert code == EXIT_FAILED
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1 and "token was refused" in lines[0] and "wrong-token-xyz" not in err.getvalue()


def test_ctrl_c_exits_non_zero_with_a_reason(sandbox: Sandbox) -> None:
    env = {**os.environ, **{f"WAQR_{k.replace('.', '__').upper()}": v for k, v in sandbox.settings().items()}}
    proc = subprocess.Popen([sys.executable, "-m", "tui", "link", "--plain"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    first = proc.stdout.readline()  # type: ignore[union-attr]
    assert "Linked devices" in first
    proc.send_signal(subprocess.signal.SIGINT)
    _out, err = proc.communicate(timeout=10)
    assert proc.returncode == 130 and err.strip().splitlines()[-1] == "waqr: interrupted before the device was linked"


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_small_terminal_gets_the_size_needed_not_a_cropped_qr(monkeypatch) -> None:
    import os as _os

    from tui.plain import draw

    monkeypatch.setattr("shutil.get_terminal_size", lambda: _os.terminal_size((30, 12)))
    said = draw("2@" + "A" * 230, FakeTty())
    assert isinstance(said, str) and "30×12" in said and "needs at least" in said
    monkeypatch.setattr("shutil.get_terminal_size", lambda: _os.terminal_size((80, 24)))
    drawn = draw("2@" + "A" * 230, FakeTty())
    assert not isinstance(drawn, str) and drawn.height <= 22 and drawn.width <= 80
    assert decode_lines(drawn.lines) == ["2@" + "A" * 230]
