"""`waqr codes export DIR [--format png|svg] [--sheet] [--force]`.

Every code as `CODE.png` / `CODE.svg`, drawn locally from its deep link with segno
(`tui.qr.encode.image_bytes`): the service's image URLs are never fetched, so 2,000
codes cost the 80 list requests and no more. `index.csv` lists code,
prefilled_message, deep_link_url and file; `--sheet` adds `sheet.html`.
Existing files are left alone unless `--force`; no file is written through a symlink.
Encoding dominates (about 7 ms a PNG), so exports of more than a page draw in worker
processes on every core while the pages are still being listed.
"""

from __future__ import annotations

import asyncio
import csv
import io
import multiprocessing
import os
import re
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from hashlib import sha256
from pathlib import Path
from typing import TYPE_CHECKING

from tui.commands import FAILED, OK, USAGE, CommandError
from tui.commands.codes import every_code
from tui.commands.output import Console
from tui.commands.sheet import Card, qr_svg, render
from tui.text import plain

if TYPE_CHECKING:
    from tui.api.models import QrCode
    from tui.api.provider import CodesProvider

INDEX, SHEET = "index.csv", "sheet.html"
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def file_name(code: str, ext: str) -> str:
    """`CODE.ext` for a code made of letters, digits, `-` and `_`; any other code gets a safe, unique name."""
    if _SAFE.fullmatch(code):
        return f"{code}.{ext}"
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "_", code)[:40] or "code"
    return f"{cleaned}-{sha256(code.encode()).hexdigest()[:8]}.{ext}"


Drawn = tuple[bytes | None, str | None, str | None]
"""(image bytes, sheet SVG, problem) of one code."""


def draw(link: str, kind: str, sheet: bool) -> Drawn:
    """The image (and sheet SVG) of one link; a link too long for any QR is a problem, not an exception."""
    from tui.qr.encode import image_bytes

    try:
        return image_bytes(link, kind), qr_svg(link) if sheet else None, None
    except ValueError as exc:  # segno's DataOverflowError
        return None, None, f"cannot be drawn ({type(exc).__name__}: {len(link)} characters)"


def draw_page(links: list[str], kind: str, sheet: bool) -> list[Drawn]:
    """One page of codes: the unit of work of a worker process."""
    return [draw(link, kind, sheet) for link in links]


class Drawing:
    """Draws pages of codes as they arrive: from the second page on, in worker processes on every core
    (encoding dominates: about 4 ms an SVG, 7 a PNG), while the next pages are still being listed."""

    def __init__(self, kind: str, sheet: bool) -> None:
        self.kind, self.sheet = kind, sheet
        self.waiting: list[list[str]] = []
        """Pages not handed to a worker yet (the first one, until a second shows there is more)."""
        self.futures: list[asyncio.Future[list[Drawn]]] = []
        self.pool: ProcessPoolExecutor | None = None

    def add(self, codes: list[QrCode]) -> None:
        self.waiting.append([c.deep_link_url for c in codes])
        if self.pool is None and len(self.waiting) > 1 and _cores() > 1:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
            self.pool = ProcessPoolExecutor(max_workers=_cores(), mp_context=context)
        if self.pool is not None:
            for links in self.waiting:
                self.futures.append(asyncio.wrap_future(self.pool.submit(draw_page, links, self.kind, self.sheet)))
            self.waiting.clear()

    async def results(self) -> AsyncIterator[Drawn]:
        """Every drawing, in the order the codes came."""
        for future in self.futures:
            for drawn in await future:
                yield drawn
        for links in self.waiting:
            for drawn in draw_page(links, self.kind, self.sheet):
                yield drawn

    def close(self) -> None:
        for future in self.futures:
            future.cancel()
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def _cores() -> int:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(usable, 8)


def write_file(path: Path, data: bytes, *, force: bool) -> None:
    """Write `data` to a new file (or over a regular one with `force`), never through a symlink."""
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | (os.O_TRUNC if force else os.O_EXCL)
    try:
        fd = os.open(path, flags, 0o644)
    except FileExistsError:
        raise CommandError(f"{path} exists; --force overwrites it", USAGE) from None
    except OSError as exc:
        why = "it is a symlink" if path.is_symlink() else exc.strerror
        raise CommandError(f"cannot write {path}: {why}") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def index_csv(rows: list[tuple[QrCode, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("code", "prefilled_message", "deep_link_url", "file"))
    for code, name in rows:
        writer.writerow((plain(code.code, line=True), plain(code.prefilled_message),
                         plain(code.deep_link_url, line=True), name))
    return out.getvalue().encode("utf-8")


def _prepare(folder: Path, names: list[str], force: bool) -> None:
    if folder.exists() and not folder.is_dir():
        raise CommandError(f"{folder} is not a folder", USAGE)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"cannot create {folder}: {exc.strerror}", USAGE) from None
    if force:
        return
    present = [n for n in names if os.path.lexists(folder / n)]
    if present:
        raise CommandError(f"{len(present)} of the files are already in {folder} (e.g. {present[0]}); "
                           "--force overwrites them", USAGE)


async def export_codes(provider: CodesProvider, console: Console, folder: Path, *, fmt: str = "png",
                       sheet: bool = False, force: bool = False) -> int:
    ext = fmt.lower()
    drawing = Drawing(ext, sheet)
    try:
        codes: list[QrCode] = []
        with console.progress(0, "listing codes") as bar:

            def on_page(new: list[QrCode]) -> None:
                codes.extend(new)
                bar.advance(len(new))
                drawing.add(new)

            await every_code(provider, on_page)
        names = [file_name(c.code, ext) for c in codes]
        _prepare(folder, [*names, INDEX, *([SHEET] if sheet else [])], force)
        written: list[tuple[QrCode, str]] = []
        cards: list[Card] = []
        problems = 0
        with console.progress(len(codes), f"writing {fmt.upper()} files") as bar:
            index = 0
            async for data, svg, problem in drawing.results():
                code, name = codes[index], names[index]
                index += 1
                bar.advance()
                if data is None:
                    problems += 1
                    console.error(f"code {code.code}: {problem}")
                    continue
                write_file(folder / name, data, force=force)
                written.append((code, name))
                if svg is not None:
                    cards.append(Card(code.code, code.prefilled_message, code.deep_link_url, svg))
    finally:
        drawing.close()
    write_file(folder / INDEX, index_csv(written), force=force)
    made = [INDEX]
    if sheet:
        title = f"Message QR codes · {provider.name} {provider.account}"
        write_file(folder / SHEET, render(cards, title).encode("utf-8"), force=force)
        made.append(SHEET)
    console.note(f"wrote {len(written)} {fmt.upper()} files and {', '.join(made)} to {folder}")
    return FAILED if problems else OK
