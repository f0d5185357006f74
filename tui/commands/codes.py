"""`waqr codes list | get | create | edit | delete`: message QR codes from a shell.

Every operation goes through the `CodesProvider` the screens use (`tui.services`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tui.api.errors import ApiError, AuthError, NetworkError, NotFoundError
from tui.api.models import MAX_MESSAGE, QrCode
from tui.api.provider import PAGE_SIZE
from tui.commands import FAILED, NOT_FOUND, OK, USAGE, CommandError, error_line
from tui.commands.output import Console
from tui.find import code_in, matches
from tui.text import plain

if TYPE_CHECKING:
    from tui.api.provider import CodesProvider

MAX_PAGES = 100
"""A number holds at most 2,000 codes (80 pages): more pages than this means a service that loops."""
HEADERS = ("CODE", "MESSAGE", "LINK")


def as_json(code: QrCode, *, image: bool = False) -> dict[str, Any]:
    """The JSON object of a code: `code`, `prefilled_message`, `deep_link_url` (+ `qr_image_url` when asked)."""
    found: dict[str, Any] = {"code": code.code, "prefilled_message": code.prefilled_message,
                             "deep_link_url": code.deep_link_url}
    if image:
        found["qr_image_url"] = code.qr_image_url
    return found


def check_message(message: str) -> None:
    if not message.strip():
        raise CommandError("the message is empty", USAGE)
    if len(message) > MAX_MESSAGE:
        raise CommandError(f"the message has {len(message)} characters; at most {MAX_MESSAGE} are allowed", USAGE)


async def every_code(provider: CodesProvider, on_page: Callable[[list[QrCode]], None] | None = None) -> list[QrCode]:
    """Every code of the number, following the cursors (one request per 25 codes), each code once.

    `on_page` gets the new codes of each page as it arrives (work can start before the last page).
    """
    found: dict[str, QrCode] = {}
    after: str | None = None
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        page = await provider.list_page(limit=PAGE_SIZE, after=after)
        new = [item for item in page.items if item.code not in found]
        found.update((item.code, item) for item in new)
        if on_page:
            on_page(new)
        if not page.has_next or not page.after:
            return list(found.values())
        if page.after in seen:
            raise CommandError(f"{provider.name} sent the same page twice; stopped after {len(found)} codes")
        seen.add(page.after)
        after = page.after
    raise CommandError(f"{provider.name} sent more than {MAX_PAGES} pages; stopped after {len(found)} codes")


async def lookup(provider: CodesProvider, wanted: str) -> QrCode | None:
    """The code `wanted` names (a code in any case, or a pasted link), or None."""
    code = code_in(wanted) or wanted.strip()
    for candidate in dict.fromkeys((code, code.upper())):
        try:
            found = await provider.get(candidate)
        except NotFoundError:
            found = None
        if found is not None:
            return found
    return None


def write_codes(console: Console, codes: list[QrCode], fmt: str) -> None:
    if fmt == "json":
        console.json([as_json(c) for c in codes])
    elif fmt == "csv":
        console.csv(("code", "prefilled_message", "deep_link_url"),
                    ((c.code, c.prefilled_message, c.deep_link_url) for c in codes))
    else:
        console.rows(HEADERS, ((c.code, c.prefilled_message, c.deep_link_url) for c in codes))


def write_code(console: Console, code: QrCode, fmt: str, *, image: bool = False) -> None:
    if fmt == "json":
        console.json(as_json(code, image=image))
        return
    pairs: list[tuple[str, object]] = [("code", code.code), ("message", code.prefilled_message),
                                       ("link", code.deep_link_url)]
    if image:
        pairs.append(("image", code.qr_image_url or ""))
    console.pairs(pairs)


async def list_codes(provider: CodesProvider, console: Console, *, every: bool = False, find: str | None = None,
                     fmt: str = "table") -> int:
    """The first page (or every code), optionally only those `find` matches."""
    if find and code_in(find):
        found = await lookup(provider, find)
        if found is not None:
            write_codes(console, [found], fmt)
            return OK
    if every:
        with console.progress(0, "listing codes") as bar:
            codes = await every_code(provider, lambda new: bar.advance(len(new)))
        more = False
    else:
        page = await provider.list_page(limit=PAGE_SIZE)
        codes, more = page.items, page.has_next
    if find:
        codes = [c for c in codes if matches(c, find)]
    write_codes(console, codes, fmt)
    if more and console.tty:
        where = "on the first page" if find else f"the first {len(codes)}"
        console.note(f"({where}; --all {'searches' if find else 'lists'} every code)")
    return OK


async def get_code(provider: CodesProvider, console: Console, code: str, *, fmt: str = "table") -> int:
    found = await lookup(provider, code)
    if found is None:
        raise CommandError(f"no code {code!r} on {provider.name} number {provider.account}", NOT_FOUND)
    write_code(console, found, fmt)
    return OK


async def create_code(provider: CodesProvider, console: Console, message: str, *, image: str | None = None,
                      fmt: str = "table") -> int:
    check_message(message)
    try:
        created = await provider.create(message, image.upper() if image else None)  # type: ignore[arg-type]
    except NetworkError as exc:
        if getattr(exc, "outcome_unknown", True):
            raise CommandError(f"{exc.text()}: the code may have been created; look before trying again: "
                               f"waqr codes list --find {message[:40]!r}") from None
        raise
    write_code(console, created, fmt, image=image is not None)
    return OK


async def edit_code(provider: CodesProvider, console: Console, code: str, message: str, *,
                    fmt: str = "table") -> int:
    check_message(message)
    try:
        edited = await provider.update(code, message)
    except NotFoundError:
        raise CommandError(f"no code {code!r} on {provider.name} number {provider.account}", NOT_FOUND) from None
    write_code(console, edited, fmt)
    if edited.code != code:
        console.note(f"{provider.name} gave the code a new value: {edited.code}. The old code {code} stops working: "
                     "replace printed copies of it.")
    return OK


async def delete_codes(provider: CodesProvider, console: Console, codes: list[str], *, yes: bool = False) -> int:
    """Delete each code; ask first at a terminal, refuse without --yes elsewhere."""
    codes = list(dict.fromkeys(codes))
    if not yes:
        if not console.can_ask():
            raise CommandError("deleting needs --yes when not run at a terminal", USAGE)
        shown = ", ".join(codes[:5]) + (f" and {len(codes) - 5} more" if len(codes) > 5 else "")
        what = "this code" if len(codes) == 1 else f"these {len(codes)} codes"
        if not console.confirm(f"Delete {what} ({shown})? Printed copies stop working."):
            console.note("nothing deleted")
            return USAGE
    missing, failed = 0, 0
    for code in codes:
        try:
            await provider.delete(code)
        except NotFoundError:
            missing += 1
            console.error(f"no code {code!r} on {provider.name} number {provider.account}")
        except AuthError:
            raise  # every other code would fail the same way
        except ApiError as exc:
            failed += 1
            console.error(f"{code}: {error_line(exc)}")
        else:
            console.out.write(("deleted " if console.tty else "deleted\t") + plain(code, line=True) + "\n")
    return FAILED if failed else NOT_FOUND if missing else OK
