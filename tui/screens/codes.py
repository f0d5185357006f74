"""Message QR codes: a page of codes, the highlighted one as a QR, and the actions on it."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from tui.api.errors import ApiError
from tui.api.models import Page, QrCode
from tui.api.provider import PAGE_SIZE, CodesProvider
from tui.qr.encode import image_bytes
from tui.screens.code_form import CodeForm
from tui.screens.dialogs import FIRST_KEYS, ConfirmScreen, FullQrScreen
from tui.screens.save_image import SaveImageScreen, SaveRequest
from tui.widgets.qr_view import QRView

if TYPE_CHECKING:
    from tui.app import WaqrApp

log = logging.getLogger("waqr.codes")


class CodesScreen(Screen[None]):
    """Browse, view, create, edit, delete, copy and export message QR codes."""

    TITLE = "Message QR codes"
    AUTO_FOCUS = "#codes-table"
    BINDINGS = [
        *FIRST_KEYS,
        Binding("n", "next_page", "Next page"),
        Binding("p", "previous_page", "Prev page"),
        Binding("slash", "find", "Find"),
        Binding("a", "new", "New"),
        Binding("e", "edit", "Edit"),
        Binding("d", "delete", "Delete"),
        Binding("y", "copy", "Copy link"),
        Binding("s", "save", "Save image"),
        Binding("r", "reload", "Reload"),
        Binding("enter", "full", "Full screen", show=False),
        Binding("v", "app.cycle_qr_style", "QR style", show=False),
    ]

    app: WaqrApp

    def __init__(self) -> None:
        super().__init__()
        self.provider: CodesProvider | None = None
        self.page: Page | None = None
        self.page_no = 1
        self.request: tuple[str | None, str | None] = (None, None)
        """(after, before) that fetched the page shown: reload repeats it."""
        self.filter_code: str | None = None
        self.history: dict[int, tuple[Page, tuple[str | None, str | None]]] = {}
        self.ahead: dict[str, Page] = {}
        """Next pages fetched in advance, by the `after` cursor that leads to them."""
        self.error: ApiError | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="codes-body"):
            with Vertical(id="codes-left"):
                yield DataTable(id="codes-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="code-details")
                yield Static("", id="codes-status")
            yield QRView(id="code-qr")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("code", key="code", width=14)
        table.add_column("message", key="message", width=40)
        table.add_column("created", key="created", width=10)
        table.add_column("link", key="link", width=36)
        self.watch(self.app, "provider_name", self._use_provider, init=False)
        self._status("Loading…")
        self.app.after_first_frame(self._use_provider)

    def _use_provider(self, _name: str = "") -> None:
        """Take the app's current provider and show its first page."""
        self.workers.cancel_node(self)  # nothing may go on using the old provider
        self.page, self.page_no, self.request, self.filter_code = None, 1, (None, None), None
        self._forget()
        self.query_one(DataTable).clear()
        self.provider, problem = self.app.codes_provider()
        if self.provider is None:
            self._status(problem or "No provider configured.", error=True)
            self.query_one("#code-details", Static).update(problem or "")
            return
        self.sub_title = f"{self.provider.name} · {self.provider.account}" + self.app.demo_suffix
        self.load()

    # -- loading ----------------------------------------------------------------------------

    def load(self, after: str | None = None, before: str | None = None, page_no: int = 1, focus: str | None = None) -> None:
        if self.provider is None:
            return
        self._fetch(after, before, page_no, focus)

    @work(exclusive=True, group="codes-load")
    async def _fetch(self, after: str | None, before: str | None, page_no: int, focus: str | None) -> None:
        assert self.provider is not None
        table = self.query_one(DataTable)
        table.loading = True
        self._status("Loading…")
        try:
            page = await self.provider.list_page(limit=PAGE_SIZE, after=after, before=before, code=self.filter_code)
        except ApiError as exc:
            self._show_error(exc)
            return
        finally:
            if table.is_attached:  # the screen may be gone when a cancelled load unwinds
                table.loading = False
        self._show(page, page_no, (after, before), focus)

    def _show(self, page: Page, page_no: int, request: tuple[str | None, str | None], focus: str | None = None) -> None:
        self.page, self.page_no, self.request, self.error = page, page_no, request, None
        self.history[page_no] = (page, request)
        table = self.query_one(DataTable)
        table.clear()
        for item in page.items:
            created = item.creation_time.strftime("%Y-%m-%d") if item.creation_time else ""
            table.add_row(item.code, item.prefilled_message, created, item.deep_link_url, key=item.code)
        if focus and focus in (c.code for c in page.items):
            table.move_cursor(row=[c.code for c in page.items].index(focus))
        self._status(self._where())
        self._highlight()
        if page.has_next and page.after and page.after not in self.ahead and not self.filter_code:
            self._prefetch(page.after)

    @work(exclusive=True, group="codes-prefetch")
    async def _prefetch(self, after: str) -> None:
        assert self.provider is not None
        try:
            self.ahead[after] = await self.provider.list_page(limit=PAGE_SIZE, after=after)
        except ApiError:
            pass  # the real flip will fetch and report

    def _where(self) -> str:
        page = self.page
        if page is None:
            return ""
        if not page.items:
            return f"filter {self.filter_code}: no such code · esc clears" if self.filter_code else "no codes"
        first = (self.page_no - 1) * PAGE_SIZE + 1
        text = f"page {self.page_no} · {first}–{first + len(page.items) - 1}"
        if page.total is not None:
            text += f" of {page.total}"
        if self.filter_code:
            text += f" · filter {self.filter_code} (esc clears)"
        nav = [k for k, ok in (("p prev", page.has_previous), ("n next", page.has_next)) if ok]
        if nav:
            text += " · " + " · ".join(nav)
        usage = self.provider.usage_percent if self.provider else None
        if usage is not None:
            text += f" · API use {usage}%"
        return text

    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#codes-status", Static)
        status.update(text)
        status.set_class(error, "error")

    def _show_error(self, exc: ApiError) -> None:
        log.warning("%s", exc.describe())
        self.error = exc
        self._status(exc.describe(), error=True)
        self.notify(exc.describe(), title=exc.service, severity="error", timeout=8)

    def _forget(self) -> None:
        """Cached pages are stale after any change."""
        self.history.clear()
        self.ahead.clear()

    # -- the highlighted code -------------------------------------------------------------

    def current(self) -> QrCode | None:
        if self.page is None or not self.page.items:
            return None
        row = self.query_one(DataTable).cursor_row
        return self.page.items[row] if 0 <= row < len(self.page.items) else None

    @on(DataTable.RowHighlighted)
    def _highlight(self) -> None:
        code = self.current()
        qr = self.query_one(QRView)
        details = self.query_one("#code-details", Static)
        if code is None:
            qr.payload = None
            if self.page is not None and not self.page.items and not self.filter_code:
                details.update("No message QR codes yet.\nPress a to create the first one.")
            elif self.filter_code:
                details.update(f"No code {self.filter_code}.\nEsc clears the search.")
            else:
                details.update("")
            return
        qr.payload = code.deep_link_url
        created = f" · created {code.creation_time:%Y-%m-%d %H:%M} UTC" if code.creation_time else ""
        details.update(f"[b]{code.code}[/b]{created}\n{code.deep_link_url}\n{escape(code.prefilled_message)}")

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_full()

    # -- paging and finding -----------------------------------------------------------------

    def action_next_page(self) -> None:
        page = self.page
        if page is None or not page.has_next or not page.after:
            self.notify("This is the last page.", timeout=2)
            return
        ready = self.ahead.pop(page.after, None)
        if ready is not None:
            self._show(ready, self.page_no + 1, (page.after, None))
        else:
            self.load(after=page.after, page_no=self.page_no + 1)

    def action_previous_page(self) -> None:
        page = self.page
        if page is None or self.page_no <= 1 or not page.has_previous:
            self.notify("This is the first page.", timeout=2)
            return
        cached = self.history.get(self.page_no - 1)
        if cached is not None:
            self._show(cached[0], self.page_no - 1, cached[1])
        else:
            self.load(before=page.before, page_no=self.page_no - 1)

    def action_reload(self) -> None:
        self._forget()
        self.load(*self.request, page_no=self.page_no, focus=getattr(self.current(), "code", None))

    def action_find(self) -> None:
        """Show the find box (mounted on first use: start-up need not style an Input)."""
        found = self.query("#find")
        if found:
            find = found.first(Input)
            find.remove_class("hidden")
        else:
            find = Input(placeholder="code to find (enter) · esc clears", id="find")
            self.query_one("#codes-left").mount(find, before=0)
        find.focus()

    @on(Input.Submitted, "#find")
    def _find(self, event: Input.Submitted) -> None:
        self.filter_code = event.value.strip() or None
        self._forget()
        self.query_one(DataTable).focus()
        self.load()

    def key_escape(self) -> None:
        found = self.query("#find")  # a filter comes from the find box, so no box means no filter
        if found and (self.filter_code or not found.first().has_class("hidden")):
            find = found.first(Input)
            find.value = ""
            find.add_class("hidden")
            self.query_one(DataTable).focus()
            if self.filter_code:
                self.filter_code = None
                self._forget()
                self.load()

    # -- actions on a code ------------------------------------------------------------------

    def _need(self) -> QrCode | None:
        code = self.current()
        if code is None:
            self.notify("No code is selected.", severity="warning", timeout=3)
        return code

    def action_new(self) -> None:
        if self.provider is None:
            return

        def created(result: QrCode | None) -> None:
            if result:
                self.notify(f"Created {result.code}.", timeout=4)
                self.filter_code = None
                self._forget()
                self.load(focus=result.code)

        self.app.push_screen(CodeForm(self.provider), created)

    def action_edit(self) -> None:
        code = self._need()
        if code is None or self.provider is None:
            return

        def saved(result: QrCode | None) -> None:
            if result:
                moved = f" Its new code is {result.code}." if result.code != code.code else ""
                self.notify(f"Saved {code.code}.{moved}", timeout=5)
                self._forget()
                self.load(*self.request, page_no=self.page_no, focus=result.code)

        self.app.push_screen(CodeForm(self.provider, code), saved)

    def action_delete(self) -> None:
        code = self._need()
        if code is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(code)

        detail = f"{code.deep_link_url}\n“{code.prefilled_message}”\n\nPrinted copies of this QR will stop working."
        self.app.push_screen(ConfirmScreen(f"Delete {code.code}?", detail, yes="Delete"), answered)

    @work(exclusive=True, group="codes-change")
    async def _delete(self, code: QrCode) -> None:
        assert self.provider is not None
        try:
            await self.provider.delete(code.code)
        except ApiError as exc:
            self._show_error(exc)
            return
        self.notify(f"Deleted {code.code}.", timeout=4)
        self._forget()
        left = [c for c in self.page.items if c.code != code.code] if self.page else []
        if not left and self.page_no > 1:
            self.load(page_no=1)
        else:
            self.load(*self.request, page_no=self.page_no)

    def action_copy(self) -> None:
        code = self._need()
        if code:
            self.app.copy_to_clipboard(code.deep_link_url)
            self.notify(f"Copied {code.deep_link_url} (OSC 52: works over SSH where the terminal allows it).", timeout=4)

    def action_full(self) -> None:
        code = self._need()
        if code:
            self.app.push_screen(FullQrScreen(code.deep_link_url, f"{code.code} · {code.deep_link_url} · esc closes"))

    def action_save(self) -> None:
        code = self._need()
        if code is None or self.provider is None:
            return

        def chosen(request: SaveRequest | None) -> None:
            if request:
                self._save(code, request)

        self.app.push_screen(SaveImageScreen(code.code, self.provider.name), chosen)

    @work(exclusive=True, group="codes-save")
    async def _save(self, code: QrCode, request: SaveRequest) -> None:
        assert self.provider is not None
        try:
            if request.remote:
                url = await self.provider.image_url(code.code, request.image_format)  # type: ignore[arg-type]
                if not url:
                    self.notify(f"{self.provider.name} has no {request.image_format} image of {code.code}.",
                                severity="warning")
                    return
                data = await self.provider.fetch_image(url)
            else:
                data = image_bytes(code.deep_link_url, request.image_format)
            await asyncio.to_thread(request.path.write_bytes, data)
        except ApiError as exc:
            self._show_error(exc)
            return
        except OSError as exc:
            self.notify(f"Cannot write {request.path}: {exc.strerror}", severity="error")
            return
        self.notify(f"Saved {request.path} ({len(data):,} bytes).", timeout=5)
