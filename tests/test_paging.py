"""Pager and find (no Textual): cursors that loop or go stale, oversize pages, queries."""

from __future__ import annotations

import pytest

from tui.api.errors import StaleCursorError
from tui.api.meta import MetaClient
from tui.api.models import Page, QrCode
from tui.config import load_settings
from tui.paging import Pager, Query, search_all
from tui.sandbox import Sandbox


def code(n: int, message: str = "") -> QrCode:
    name = f"CODE{n:09d}X"
    return QrCode(code=name, prefilled_message=message or f"message {n}", deep_link_url=f"https://wa.me/message/{name}")


class Looping:
    """A service that answers every page with the same cursor, and ignores `limit`."""

    name, account, usage_percent, update_keeps_code = "Loop", "1", None, True

    def __init__(self) -> None:
        self.calls = 0

    async def list_page(self, *, limit=25, after=None, before=None, code=None) -> Page:
        self.calls += 1
        return Page(items=[globals()["code"](i) for i in range(10_000)], after="SAME", has_next=True)


class Stale:
    """Cursors stop working after the first page (as Graph's do after a change)."""

    name, account, usage_percent, update_keeps_code = "Stale", "1", None, True

    async def list_page(self, *, limit=25, after=None, before=None, code=None) -> Page:
        if after or before:
            raise StaleCursorError("Stale", "(#100) Invalid cursor")
        return Page(items=[globals()["code"](i) for i in range(limit)], after="A1", before="B1", has_next=True)


@pytest.mark.parametrize(
    ("typed", "code", "words"),
    [
        ("2dtw22bxmzzna1", "2DTW22BXMZZNA1", ()),
        ("https://wa.me/message/2DTW22BXMZZNA1", "2DTW22BXMZZNA1", ()),
        ("  wa.me/message/abc123XYZ  ", "ABC123XYZ", ()),
        ("Cyber Monday", None, ("cyber", "monday")),
        ("2DTW22", None, ("2dtw22",)),
        ("https://api.whatsapp.com/message/ab12cd34ef", "AB12CD34EF", ()),
    ],
)
def test_query_understands_codes_links_and_words(typed: str, code: str | None, words: tuple[str, ...]) -> None:
    query = Query.parse(typed)
    assert (query.code, query.words) == (code, words)


def test_query_matches_part_of_a_code_or_every_word_in_any_case() -> None:
    item = QrCode(code="2DTW22BXMZZNA1", prefilled_message="Show me Cyber MONDAY deals!",
                  deep_link_url="https://wa.me/message/2DTW22BXMZZNA1")
    assert Query.parse("monday cyber").matches(item) and Query.parse("2dtw").matches(item)
    assert Query.parse("2dtw22bxmzzna1").matches(item)
    assert not Query.parse("cyber tuesday").matches(item)


async def test_a_repeated_cursor_ends_paging_and_pages_are_cut_to_the_limit() -> None:
    service = Looping()
    pager = Pager(service)  # type: ignore[arg-type]
    first = await pager.first()
    assert len(first.items) == 25 and first.has_next
    second = await pager.next()
    assert second is not None and not second.has_next and "already followed" in pager.notice
    assert await pager.next() is None and service.calls == 2


async def test_a_stale_cursor_goes_back_to_page_one() -> None:
    pager = Pager(Stale())  # type: ignore[arg-type]
    await pager.first()
    page = await pager.next()
    assert page is not None and pager.number == 1 and "back to page 1" in pager.notice


async def test_search_every_page_on_the_sandbox(sandbox: Sandbox) -> None:
    client = MetaClient(load_settings(overrides=sandbox.settings()).meta)
    try:
        wanted = {c.code for c in sandbox.meta.newest_first() if "cyber" in c.message.lower()}
        seen: list[tuple[int, int]] = []
        found, requests = await search_all(client, Query.parse("CYBER"), lambda n, r: seen.append((n, r)))
    finally:
        await client.aclose()
    assert {c.code for c in found} == wanted and wanted
    assert requests == 3 and seen[-1] == (60, 3)  # 60 codes, 25 a page
