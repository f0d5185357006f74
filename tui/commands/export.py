"""`waqr codes export DIR [--format png|svg] [--sheet] [--force]`.

Every code as `CODE.png` / `CODE.svg`, drawn locally from its deep link with segno
(`tui.qr.encode.image_bytes`): the service's image URLs are never fetched, so 2,000
codes cost the 80 list requests and no more. `index.csv` lists code,
prefilled_message, deep_link_url and file; `--sheet` adds `sheet.html`.
Existing files are left alone unless `--force`; no file is written through a symlink.
Encoding dominates (about 7 ms a PNG), so large exports use every core.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import re
from collections.abc import Iterator
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
PARALLEL_FROM = 200
"""Fewer codes than this are drawn in this process: starting workers would cost more."""
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


def file_name(code: str, ext: str) -> str:
    """`CODE.ext` for a code made of letters, digits, `-` and `_`; any other code gets a safe, unique name."""
    if _SAFE.fullmatch(code):
        return f"{code}.{ext}"
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "_", code)[:40] or "code"
    return f"{cleaned}-{sha256(code.encode()).hexdigest()[:8]}.{ext}"


def draw(job: tuple[str, str, bool]) -> tuple[bytes | None, str | None, str | None]:
    """(image bytes, sheet SVG, problem) for (link, format, with sheet). Runs in worker processes."""
    from tui.qr.encode import image_bytes

    link, kind, sheet = job
    try:
        return image_bytes(link, kind), qr_svg(link) if sheet else None, None
    except ValueError as exc:  # segno's DataOverflowError: a link too long for any QR
        return None, None, f"cannot be drawn ({type(exc).__name__}: {len(link)} characters)"


def _drawn(jobs: list[tuple[str, str, bool]]) -> Iterator[tuple[bytes | None, str | None, str | None]]:
    workers = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 8)
    if len(jobs) < PARALLEL_FROM or workers < 2:
        yield from map(draw, jobs)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from pool.map(draw, jobs, chunksize=32)


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
    with console.progress(0, "listing codes") as bar:
        codes = await every_code(provider, lambda n: bar.advance(n - bar.done))
    ext = fmt.lower()
    names = [file_name(c.code, ext) for c in codes]
    _prepare(folder, [*names, INDEX, *([SHEET] if sheet else [])], force)
    jobs = [(c.deep_link_url, ext, sheet) for c in codes]
    written: list[tuple[QrCode, str]] = []
    cards: list[Card] = []
    problems = 0
    with console.progress(len(jobs), f"drawing {fmt.upper()} files") as bar:
        for code, name, (data, svg, problem) in zip(codes, names, _drawn(jobs), strict=True):
            bar.advance()
            if data is None:
                problems += 1
                console.error(f"code {code.code}: {problem}")
                continue
            write_file(folder / name, data, force=force)
            written.append((code, name))
            if svg is not None:
                cards.append(Card(code.code, code.prefilled_message, code.deep_link_url, svg))
    write_file(folder / INDEX, index_csv(written), force=force)
    made = [INDEX]
    if sheet:
        title = f"Message QR codes · {provider.name} {provider.account}"
        write_file(folder / SHEET, render(cards, title).encode("utf-8"), force=force)
        made.append(SHEET)
    console.note(f"wrote {len(written)} {fmt.upper()} files and {', '.join(made)} to {folder}")
    return FAILED if problems else OK
