"""`waqr link --plain`: the linking QR on stdout, no full-screen UI.

What is printed, and why:
- The QR is drawn in the `half` style (or the one asked for) with explicit black-on-white
  colours (SGR 24-bit) on a terminal *and* when stdout is a file or a pipe: the bytes of
  `waqr link --plain > qr.txt` or `ssh host waqr link --plain` usually end on a terminal
  (`cat`, `tail -f`, `less -R`), whose theme may be dark; explicit colours scan on any
  theme, where bare `█` glyphs would show inverted on a dark one.
- Under `NO_COLOR` there are no colours: `█` is a dark module, for a light background.
- `--png FILE` also writes each new QR to FILE (replaced atomically), for anything that
  is not a terminal: a web page, a chat, an image viewer.
Every text from the service (errors, states, the phone) passes `tui.text.plain()`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from tui.api.errors import ApiError, AuthError
from tui.commands import FAILED, IDLE, INTERRUPTED, OK, error_line
from tui.config import Settings
from tui.linking import Linker, Poller, View
from tui.private_files import write_atomic
from tui.qr.encode import encode, image_bytes
from tui.qr.render import Rendered, fit, needed, render
from tui.text import plain

if TYPE_CHECKING:
    from tui.api.green import GreenClient

EXIT_LINKED, EXIT_FAILED, EXIT_IDLE, EXIT_INTERRUPTED = OK, FAILED, IDLE, INTERRUPTED


class Linked(Exception):
    pass


class Fatal(Exception):
    pass


def draw(text: str, out: TextIO, style: str = "auto") -> Rendered | str:
    """Render for this output: fit the terminal when it is one, else `half` with a full quiet zone.

    Where no QR can be drawn (no style fits the terminal, or the text is too long for
    any QR), one line saying why instead: never a cropped QR, never a traceback.
    """
    try:
        matrix = encode(text)
    except ValueError:  # segno's DataOverflowError
        return f"this QR cannot be drawn: its text has {len(text)} characters, more than a QR code holds"
    if not out.isatty():
        return render(matrix, "half" if style == "auto" else style, 4)
    cols, rows = shutil.get_terminal_size()
    chosen = fit(len(matrix), cols, rows - 2, style)
    if chosen is None:
        need_w, need_h = needed(len(matrix), style)
        return f"the terminal is {cols}×{rows}; this QR needs at least {need_w}×{need_h + 2}: enlarge it"
    return render(matrix, *chosen)


def save_png(text: str, path: Path) -> None:
    """The QR as a PNG at `path`, replaced atomically: a reader never sees half a file."""
    write_atomic(path, image_bytes(text, "png", error="L", scale=8))


async def link_plain(settings: Settings, out: TextIO | None = None, err: TextIO | None = None, *,
                     client: GreenClient | None = None, png: Path | None = None) -> int:
    """`out`/`err`: the process's streams at call time (not at import: tests replace them)."""
    out, err = out or sys.stdout, err or sys.stderr
    if client is None:
        from tui.services import build_green_client

        client = build_green_client(settings)
    linker = Linker(client)
    colour = "NO_COLOR" not in os.environ
    shown: list[str | None] = [None]

    def stamp() -> str:
        return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")

    def say(stream: TextIO, text: str) -> None:
        stream.write(f"[{stamp()}] {plain(text, line=True)}\n")
        stream.flush()

    def on_view(view: View) -> None:
        if view.kind == "linked":
            say(out, f"linked{' to +' + view.phone if view.phone else ''}")
            raise Linked
        if view.kind == "qr" and view.qr_text and view.qr_text != shown[0]:
            shown[0] = view.qr_text
            if png is not None:
                try:
                    save_png(view.qr_text, png)
                except (OSError, ValueError) as exc:
                    say(err, f"cannot write {png}: {getattr(exc, 'strerror', None) or exc}")
            qr = draw(view.qr_text, out, settings.ui.qr_style)
            if isinstance(qr, str):
                say(err, qr)
                return
            say(out, "scan with WhatsApp > Linked devices > Link a device")
            out.write((qr.ansi() if colour else qr.plain()) + "\n")
            out.flush()
        elif view.kind in ("error", "state"):
            say(err, f"{view.message} {view.advice}")

    def on_error(exc: Exception, delay: float) -> None:
        if isinstance(exc, AuthError):
            raise Fatal(error_line(exc))
        say(err, f"{error_line(exc)}; retrying in {delay:.0f} s")

    poller = Poller(linker, on_view, on_error, idle_limit=settings.ui.link_idle_minutes * 60)
    try:
        why = await poller.run()
        err.write(f"waqr: stopped: no scan for {settings.ui.link_idle_minutes:g} minutes ({why}); run again to resume\n")
        return EXIT_IDLE
    except Linked:
        return EXIT_LINKED
    except Fatal as exc:
        err.write(f"waqr: {plain(str(exc), line=True)}\n")
        return EXIT_FAILED
    except ApiError as exc:  # pragma: no cover - the poller handles these
        err.write(f"waqr: {plain(error_line(exc), line=True)}\n")
        return EXIT_FAILED
    finally:
        await client.aclose()


def run_plain(settings: Settings, client: GreenClient | None = None, png: Path | None = None) -> int:
    try:
        return asyncio.run(link_plain(settings, client=client, png=png))
    except KeyboardInterrupt:
        sys.stderr.write("waqr: interrupted before the device was linked\n")
        return EXIT_INTERRUPTED
