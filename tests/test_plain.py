"""`waqr link --plain`: QR on stdout each time it changes, exit codes."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import threading
import time

from tests.qrcheck import decode_lines
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


def decode_plain(lines: list[str]) -> list[str]:
    # plain output: '█' and the other block glyphs are dark on a light page
    return decode_lines([[(line, DARK, LIGHT)] for line in lines])


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
    assert "\x1b[" not in text  # not a terminal: no escape codes
    blocks = qr_blocks(text)
    assert len(blocks) == 2 and "linked to +79001234567" in text.splitlines()[-1]
    decoded = [decode_plain(b) for b in blocks]
    assert all(len(d) == 1 and d[0].startswith("2@") for d in decoded) and decoded[0] != decoded[1]


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
