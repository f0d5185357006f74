"""Paging through message QR codes, and finding them: no Textual here.

`Pager` keeps the pages of one listing (page 1 onwards), fetches the next page ahead,
and guards against the ways a service's cursors can mislead: a cursor already followed
(an endless `n`), a cursor gone stale after a change, a page larger than asked.
Cursors are never kept across a change: `reset()` forgets them, as the Graph docs ask.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from tui.api.errors import ApiError, StaleCursorError
from tui.api.models import Page, QrCode
from tui.api.provider import PAGE_SIZE, CodesProvider
from tui.find import code_in, matches

MAX_PAGES = 2000 // PAGE_SIZE + 2
"""A number has at most 2,000 codes: more pages than this means the cursors loop."""


@dataclass(frozen=True)
class Query:
    """What the person typed in the find box, understood by the rules of `tui.find`."""

    text: str
    code: str | None = None
    """A whole code (typed in any case, or taken from a pasted link): asked of the service."""

    @classmethod
    def parse(cls, text: str) -> Query:
        text = text.strip()
        code = code_in(text)
        return cls(text, code.upper() if code else None)

    @property
    def words(self) -> tuple[str, ...]:
        return () if self.code else tuple(self.text.casefold().split())

    def matches(self, code: QrCode) -> bool:
        return bool(self.text) and matches(code, self.text)

    def __str__(self) -> str:
        return self.code or self.text


@dataclass
class Pager:
    """The pages of one listing of a provider's codes."""

    provider: CodesProvider
    size: int = PAGE_SIZE
    code: str | None = None
    """Only this code (the service filters)."""
    number: int = 0
    """The page shown (0: none yet)."""
    notice: str = ""
    """Something the person should know about the last move (cleared by the next one)."""
    _pages: dict[int, tuple[Page, tuple[str | None, str | None]]] = field(default_factory=dict)
    _ahead: dict[str, Page] = field(default_factory=dict)
    _followed: set[str] = field(default_factory=set)

    @property
    def page(self) -> Page | None:
        found = self._pages.get(self.number)
        return found[0] if found else None

    def reset(self, code: str | None = None) -> None:
        """Forget every page and cursor (after any change, or to filter by `code`)."""
        self._pages.clear()
        self._ahead.clear()
        self._followed.clear()
        self.number, self.code, self.notice = 0, code, ""

    async def first(self) -> Page:
        self.reset(self.code)
        return await self._load(1, None, None)

    async def next(self) -> Page | None:
        """The next page, or None on the last one."""
        page = self.page
        self.notice = ""
        if page is None or not page.has_next or not page.after:
            return None
        ready = self._ahead.pop(page.after, None)
        if ready is not None:
            return self._keep(self.number + 1, ready, (page.after, None))
        return await self._load(self.number + 1, page.after, None)

    async def previous(self) -> Page | None:
        """The previous page (kept from the way here), or None on the first one."""
        self.notice = ""
        if self.number <= 1:
            return None
        kept = self._pages.get(self.number - 1)
        if kept is not None:
            self.number -= 1
            return kept[0]
        page = self.page
        return await self._load(self.number - 1, None, page.before if page else None)

    async def reload(self) -> Page:
        """The page shown, asked again (page 1 when there is none)."""
        kept = self._pages.get(self.number)
        if kept is None or self.number <= 1:
            return await self.first()
        self._ahead.clear()
        return await self._load(self.number, *kept[1])

    def is_ahead(self) -> bool:
        page = self.page
        return page is not None and page.has_next and bool(page.after) and page.after in self._ahead

    async def fetch_ahead(self) -> None:
        """Fetch the next page in advance, so that `n` shows it at once. Errors wait for `n`."""
        page = self.page
        if page is None or not page.has_next or not page.after or page.after in self._ahead or self.code:
            return
        try:
            ahead = await self.provider.list_page(limit=self.size, after=page.after)
        except ApiError:
            return
        self._ahead[page.after] = ahead

    def loaded(self) -> list[QrCode]:
        """Every code of the pages loaded so far (fetched-ahead ones included), once each."""
        seen: dict[str, QrCode] = {}
        for number in sorted(self._pages):
            for code in self._pages[number][0].items:
                seen.setdefault(code.code, code)
        for page in self._ahead.values():
            for code in page.items:
                seen.setdefault(code.code, code)
        return list(seen.values())

    async def _load(self, number: int, after: str | None, before: str | None) -> Page:
        try:
            page = await self.provider.list_page(limit=self.size, after=after, before=before, code=self.code)
        except StaleCursorError:
            if not (after or before):
                raise
            # A cursor the service no longer takes (the list changed): start again from the top.
            self.reset(self.code)
            page = await self.provider.list_page(limit=self.size, code=self.code)
            self.notice = "The list changed since it was loaded: back to page 1."
            return self._keep(1, page, (None, None))
        return self._keep(number, page, (after, before))

    def _keep(self, number: int, page: Page, request: tuple[str | None, str | None]) -> Page:
        if len(page.items) > self.size:  # a service that ignores `limit`: keep what was asked
            page = page.model_copy(update={"items": page.items[: self.size]})
        after = request[0]
        if after:
            self._followed.add(after)
        if page.after and page.has_next and (page.after in self._followed or number >= MAX_PAGES):
            page = page.model_copy(update={"has_next": False})
            self.notice = "The service sent a cursor already followed: this is shown as the last page."
        self._pages[number] = (page, request)
        self.number = number
        return page


async def search_all(
    provider: CodesProvider,
    query: Query,
    progress: Callable[[int, int], Awaitable[None] | None] | None = None,
    size: int = PAGE_SIZE,
) -> tuple[list[QrCode], int]:
    """Every code that matches, going through every page; (matches, requests made).

    `progress(codes_seen, requests)` after each page. Bounded by MAX_PAGES and by
    cursors already followed, whatever the service answers.
    """
    pager = Pager(provider, size=size)
    found: list[QrCode] = []
    page: Page | None = await pager.first()
    requests = 1
    while page is not None:
        found += [code for code in page.items if query.matches(code)]
        if progress is not None:
            result = progress(len(pager.loaded()), requests)
            if result is not None:
                await result
        if not page.has_next:
            break
        page = await pager.next()
        requests += 1
    return found, requests
