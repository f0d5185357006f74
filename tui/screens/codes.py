"""Message QR codes: a page of codes, the highlighted one as a QR, and the actions on it."""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Input, Static

from tui.api.errors import ApiError
from tui.api.models import Page, QrCode
from tui.api.provider import CodesProvider
from tui.paging import Pager, Query, search_all
from tui.screens.dialogs import ConfirmScreen, FullQrScreen
from tui.screens.main import FIRST_KEYS, Context, MainScreen
from tui.text import plain
from tui.widgets.data_text import data
from tui.widgets.qr_view import QRView

MIN_TABLE = 22
"""Columns the list keeps beside the QR while the QR fits without them."""
NEEDS_PROVIDER = {"next_page", "previous_page", "find", "new", "edit", "delete", "copy", "save", "full", "search_all",
                  "other_number"}


class CodesScreen(MainScreen):
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
        Binding("o", "other_number", "Other number"),
        Binding("enter", "full", "Full screen", show=False),
        Binding("f", "search_all", "Find in every page", show=False),
        Binding("v", "app.cycle_qr_style", "QR style", show=False),
    ]
    PALETTE = (
        ("reload", "Reload codes", "Fetch the page again"),
        ("find", "Find a code", "By code, pasted wa.me link, or words of the message"),
        ("copy", "Copy link", "Copy the highlighted code's link (OSC 52)"),
        ("save", "Save image", "Save the highlighted code as PNG or SVG"),
        ("new", "New code", "Create a message QR code"),
        ("edit", "Edit message", "Change the highlighted code's message"),
        ("delete", "Delete code", "Delete the highlighted code (asks first)"),
        ("full", "QR full screen", "Show the highlighted code's QR as large as it goes"),
        ("other_number", "Other phone number", "Open the codes of another number of the Business Account"),
    )

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.provider: CodesProvider | None = None
        self.pager: Pager | None = None
        self.found: Query | None = None
        """A words search: the list shows its matches instead of a page."""
        self.matches: list[QrCode] = []
        self.error: ApiError | None = None
        """The last failure shown (None once a page loads)."""

    @property
    def page(self) -> Page | None:
        """The page shown (None before the first loads)."""
        return self.pager.page if self.pager else None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="codes-body"):
            with Vertical(id="codes-left"):
                yield DataTable(id="codes-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="code-details", markup=False)
            yield QRView(id="code-qr", beside=MIN_TABLE)
        yield Static("", id="status", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("code", key="code", width=14)
        table.add_column("message", key="message", width=40)
        table.add_column("link", key="link", width=36)
        self.watch(self.app, "provider_name", self._use_provider, init=False)
        self.say("Loading…")
        self.app.call_after_refresh(self._use_provider)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that need a provider are not offered without one; `f` only after a words search."""
        if action in NEEDS_PROVIDER and self.provider is None:
            return False
        if action in NEEDS_PROVIDER - {"other_number"} and self.pager is None:
            return False  # no number chosen yet
        if action == "search_all":
            return self.found is not None
        if action == "other_number":
            return bool(getattr(self.provider, "waba_id", None))
        return True

    def _use_provider(self, _name: str = "") -> None:
        """Take the current provider and show its first page."""
        self.workers.cancel_node(self)  # nothing may go on using the old provider
        self.found, self.matches = None, []
        self.query_one(DataTable).clear()
        self.provider, problem = self.clients.codes()
        self.refresh_bindings()
        if self.provider is None:
            self.pager = None
            self.say(problem or "No provider configured.", severity="error")
            self.query_one(QRView).show_text("No codes to show")
            return
        if getattr(self.provider, "waba_id", None) and not self.provider.account:
            self.pager = None
            self.query_one(QRView).show_text("Choose a phone number")
            self.action_other_number()
            return
        self._open_number(self.provider.account)

    def _open_number(self, shown: str) -> None:
        assert self.provider is not None
        self.pager = Pager(self.provider)
        self.sub_title = plain(f"{self.provider.name} · {shown}", line=True) + self.demo_suffix
        self.refresh_bindings()
        self._go("first")

    @work(exclusive=True, group="codes-number", exit_on_error=False)
    async def action_other_number(self) -> None:
        """Choose which number of the WhatsApp Business Account to open (o)."""
        from tui.screens.numbers import NumbersScreen

        provider = self.provider
        if provider is None or not getattr(provider, "waba_id", None):
            return
        number = await self.app.push_screen_wait(NumbersScreen(provider, provider.account))
        if number is None:
            if not provider.account:
                self.say("Choose one of the account's phone numbers: press o.", severity="warning")
            return
        self.workers.cancel_group(self, "codes-load")
        provider.use_number(number.id)  # type: ignore[attr-defined]
        self.found, self.matches = None, []
        name = f" ({number.verified_name})" if number.verified_name else ""
        self._open_number(f"{number.display_phone_number or number.id}{name}")

    # -- loading --------------------------------------------------------------------------

    @work(exclusive=True, group="codes-load", exit_on_error=False)
    async def _go(self, move: str, focus: str | None = None, note: str = "") -> None:
        """Run a pager move (`first`, `next`, `previous`, `reload`) and show its page; `note` leads the status."""
        pager = self.pager
        if pager is None:
            return
        table = self.query_one(DataTable)
        ready = move == "next" and pager.is_ahead()
        if not ready:
            table.loading = True
            self.say("Loading…")
        try:
            page = await getattr(pager, move)()
        except ApiError as exc:
            self._error(exc)
            return
        finally:
            if table.is_attached:
                table.loading = False
        if page is None:
            self.say("This is the last page." if move == "next" else "This is the first page.")
            return
        self.found, self.error = None, None
        self.refresh_bindings()
        self._show(page.items, focus)
        self.say(" · ".join(filter(None, (note, self._where(page), pager.notice))))
        if page.has_next and not pager.code:
            self._ahead()

    @work(exclusive=True, group="codes-ahead", exit_on_error=False)
    async def _ahead(self) -> None:
        if self.pager is not None:
            await self.pager.fetch_ahead()

    def _show(self, items: list[QrCode], focus: str | None = None) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for item in items:
            table.add_row(
                data(item.code, line=True, limit=40),
                data(item.prefilled_message, line=True, limit=200),
                data(item.deep_link_url, line=True, limit=80),
                key=item.code,
            )
        codes = [c.code for c in items]
        if focus in codes:
            table.move_cursor(row=codes.index(focus))
        self._highlight()

    def _where(self, page: Page) -> str:
        pager = self.pager
        assert pager is not None
        if not page.items:
            return f"No code {pager.code} · esc clears the search" if pager.code else "No message QR codes yet · a creates one"
        first = (pager.number - 1) * pager.size + 1
        text = f"page {pager.number} · {first}–{first + len(page.items) - 1}"
        if page.total is not None:
            text += f" of {page.total}"
        if pager.code:
            text += f" · code {pager.code} (esc clears)"
        nav = [k for k, ok in (("p prev", pager.number > 1), ("n next", page.has_next)) if ok]
        if nav:
            text += " · " + " · ".join(nav)
        return text + self._usage()

    def _usage(self) -> str:
        usage = self.provider.usage_percent if self.provider else None
        return f" · API use {usage}%" if usage is not None else ""

    def _error(self, exc: ApiError) -> None:
        self.error = exc
        self.say(exc.describe(), severity="error")

    # -- the highlighted code -------------------------------------------------------------

    def items(self) -> list[QrCode]:
        if self.found is not None:
            return self.matches
        page = self.pager.page if self.pager else None
        return page.items if page else []

    def current(self) -> QrCode | None:
        items = self.items()
        row = self.query_one(DataTable).cursor_row
        return items[row] if 0 <= row < len(items) else None

    @on(DataTable.RowHighlighted)
    def _highlight(self) -> None:
        code = self.current()
        qr = self.query_one(QRView)
        details = self.query_one("#code-details", Static)
        if code is None:
            qr.show_text("No code selected")
            details.update("")
            return
        qr.payload = code.deep_link_url
        details.update(data(f"{plain(code.code, line=True)} · {plain(code.deep_link_url, line=True)}\n"
                            f"{plain(code.prefilled_message, limit=300)}"))

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_full()

    # -- paging and finding -------------------------------------------------------------------

    def action_next_page(self) -> None:
        self._go("next")

    def action_previous_page(self) -> None:
        self._go("previous")

    def action_reload(self) -> None:
        if self.provider is None:
            self._use_provider()
            return
        self.found = None
        self._go("reload", getattr(self.current(), "code", None))

    def action_find(self) -> None:
        """Show the find box (mounted on first use: start-up need not style an Input)."""
        found = self.query("#find")
        if found:
            box = found.first(Input)
            box.remove_class("hidden")
        else:
            box = Input(placeholder="code, link or words · esc clears", id="find")
            self.query_one("#codes-left").mount(box, before=0)
        box.focus()

    @on(Input.Submitted, "#find")
    def _find(self, event: Input.Submitted) -> None:
        query = Query.parse(event.value)
        self.query_one(DataTable).focus()
        if self.pager is None or not str(query):
            return
        if query.code:
            self.pager.reset(query.code)  # the service finds a whole code: one request
            self._go("first")
            return
        self.found = query
        self.matches = [code for code in self.pager.loaded() if query.matches(code)]
        self.refresh_bindings()
        self._show(self.matches)
        loaded = len(self.pager.loaded())
        self.say(
            f"“{query}”: {len(self.matches)} of the {loaded} codes loaded · f: search every page "
            f"(one request per {self.pager.size} codes{self._usage()}) · esc clears"
        )

    def action_search_all(self) -> None:
        if self.found is not None:
            self._search_all(self.found)

    @work(exclusive=True, group="codes-load", exit_on_error=False)
    async def _search_all(self, query: Query) -> None:
        assert self.provider is not None

        def progress(seen: int, requests: int) -> None:
            self.say(f"Searching every page for “{query}”: {seen} codes, {requests} requests so far… (esc stops)")

        try:
            self.matches, requests = await search_all(self.provider, query, progress)
        except ApiError as exc:
            self._error(exc)
            return
        self.found = query
        self._show(self.matches)
        found = f"{len(self.matches)} code{'' if len(self.matches) == 1 else 's'}"
        self.say(f"“{query}”: {found} in every page ({requests} requests{self._usage()}) · esc clears")

    def key_escape(self) -> None:
        box = self.query("#find")
        if box and not box.first().has_class("hidden"):
            box.first(Input).value = ""
            box.first().add_class("hidden")
            self.query_one(DataTable).focus()
        self.workers.cancel_group(self, "codes-load")
        if self.pager is not None and (self.found is not None or self.pager.code):
            self.found = None
            self.pager.reset()
            self._go("first")

    # -- actions on a code ------------------------------------------------------------------

    def _need(self) -> QrCode | None:
        code = self.current()
        if code is None:
            self.say("No code is selected.", severity="warning")
        return code

    @work(exclusive=True, group="codes-change", exit_on_error=False)
    async def action_new(self) -> None:
        from tui.screens.code_form import CodeForm  # the editor's import is paid on first use, not at start

        if self.provider is None:
            return
        created = await self.app.push_screen_wait(CodeForm(self.provider))
        if created:
            self._changed(f"Created {created.code}.", created.code)

    @work(exclusive=True, group="codes-change", exit_on_error=False)
    async def action_edit(self) -> None:
        from tui.screens.code_form import CodeForm

        code = self._need()
        if code is None or self.provider is None:
            return
        saved = await self.app.push_screen_wait(CodeForm(self.provider, code))
        if saved:
            moved = (f" Its new code is {saved.code}: {code.deep_link_url} no longer works."
                     if saved.code != code.code else "")
            self._changed(f"Saved {code.code}.{moved}", saved.code)

    @work(exclusive=True, group="codes-change", exit_on_error=False)
    async def action_delete(self) -> None:
        code = self._need()
        if code is None or self.provider is None:
            return
        detail = (f"{code.deep_link_url}\n“{code.prefilled_message}”\n\n"
                  "Printed copies of this QR will stop working.")
        if not await self.app.push_screen_wait(ConfirmScreen(f"Delete {code.code}?", detail, yes="Delete")):
            return
        self.say(f"Deleting {code.code}…")
        try:
            await self.provider.delete(code.code)
        except ApiError as exc:
            self._error(exc)
            return
        self._changed(f"Deleted {code.code}.")

    def _changed(self, text: str, focus: str | None = None) -> None:
        """After a change the service's cursors are stale: back to page 1 (focusing `focus`)."""
        if self.pager is not None:
            self.pager.reset()
        self.found = None
        self._go("first", focus, text + " Back to page 1: the list changed")

    def action_copy(self) -> None:
        code = self._need()
        if code:
            self.app.copy_to_clipboard(code.deep_link_url)
            self.say(f"Copied {code.deep_link_url} (OSC 52: works over SSH where the terminal allows it).")

    def action_full(self) -> None:
        code = self._need()
        if code:
            caption = f"{code.code} · {code.deep_link_url} · “{plain(code.prefilled_message, line=True, limit=120)}” · esc closes"
            self.app.push_screen(FullQrScreen(code.deep_link_url, caption))

    @work(exclusive=True, group="codes-save", exit_on_error=False)
    async def action_save(self) -> None:
        from tui.screens.save_image import SaveImageScreen

        code = self._need()
        if code is None or self.provider is None:
            return
        path: Path | None = await self.app.push_screen_wait(SaveImageScreen(code, self.provider))
        if path is not None:
            self.say(f"Saved {path}.")
