"""`waqr link --plain`: the linking QR on stdout, no full-screen UI."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from datetime import datetime
from typing import TextIO

from tui.api.errors import ApiError, AuthError
from tui.api.green import GreenClient
from tui.config import Settings
from tui.linking import Linker, Poller, View
from tui.qr.encode import encode
from tui.qr.render import Rendered, fit, needed, render

EXIT_LINKED, EXIT_FAILED, EXIT_IDLE, EXIT_INTERRUPTED = 0, 1, 3, 130


class Linked(Exception):
    pass


class Fatal(Exception):
    pass


def draw(text: str, out: TextIO, style: str = "auto") -> Rendered | str:
    """Render for this output: fit the terminal when it is one, else `half` with a full quiet zone.

    On a terminal where no style fits, the size it needs instead: never a cropped QR.
    """
    matrix = encode(text)
    if not out.isatty():
        return render(matrix, "half" if style == "auto" else style, 4)
    cols, rows = shutil.get_terminal_size()
    chosen = fit(len(matrix), cols, rows - 2, style)
    if chosen is None:
        need_w, need_h = needed(len(matrix), style)
        return f"the terminal is {cols}×{rows}; this QR needs at least {need_w}×{need_h + 2}: enlarge it"
    return render(matrix, *chosen)


async def link_plain(settings: Settings, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    client = GreenClient(settings.green)
    linker = Linker(client)
    colour = out.isatty() and "NO_COLOR" not in os.environ
    shown: list[str | None] = [None]

    def stamp() -> str:
        return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")

    def on_view(view: View) -> None:
        if view.kind == "linked":
            out.write(f"[{stamp()}] linked{' to +' + view.phone if view.phone else ''}\n")
            out.flush()
            raise Linked
        if view.kind == "qr" and view.qr_text and view.qr_text != shown[0]:
            shown[0] = view.qr_text
            qr = draw(view.qr_text, out, settings.ui.qr_style)
            if isinstance(qr, str):
                err.write(f"[{stamp()}] {qr}\n")
                return
            out.write(f"[{stamp()}] scan with WhatsApp > Linked devices > Link a device\n")
            out.write((qr.ansi() if colour else qr.plain()) + "\n")
            out.flush()
        elif view.kind in ("error", "state"):
            err.write(f"[{stamp()}] {view.message} {view.advice}\n")

    def on_error(exc: Exception, delay: float) -> None:
        if isinstance(exc, AuthError):
            raise Fatal(str(exc))
        err.write(f"[{stamp()}] {exc}; retrying in {delay:.0f} s\n")

    poller = Poller(linker, on_view, on_error, idle_limit=settings.ui.link_idle_minutes * 60)
    try:
        why = await poller.run()
        err.write(f"waqr: stopped: no scan for {settings.ui.link_idle_minutes:g} minutes ({why}); run again to resume\n")
        return EXIT_IDLE
    except Linked:
        return EXIT_LINKED
    except Fatal as exc:
        err.write(f"waqr: {exc}\n")
        return EXIT_FAILED
    except ApiError as exc:  # pragma: no cover - the poller handles these
        err.write(f"waqr: {exc}\n")
        return EXIT_FAILED
    finally:
        await client.aclose()


def run_plain(settings: Settings) -> int:
    try:
        return asyncio.run(link_plain(settings))
    except KeyboardInterrupt:
        sys.stderr.write("waqr: interrupted before the device was linked\n")
        return EXIT_INTERRUPTED
