"""Link device, many instances: each one's state at a glance, the ones that need someone first."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Input, Static

from tui.api.errors import ApiError
from tui.fleet import Fleet, Member
from tui.screens.link import LinkScreen
from tui.screens.main import FIRST_KEYS, Context, MainScreen
from tui.services import known_instances
from tui.text import plain
from tui.widgets.data_text import data

if TYPE_CHECKING:
    import httpx

    from tui.api.green import GreenClient

COLUMNS = (("name", 18), ("id", 10), ("state", 25), ("phone", 13), ("checked", 9))


class FleetScreen(MainScreen):
    """The list of instances; `enter` opens the linking view of one (esc comes back)."""

    TITLE = "Link device"
    AUTO_FOCUS = "#fleet-table"
    BINDINGS = [
        *FIRST_KEYS,
        Binding("enter", "open", "Link this one"),
        Binding("slash", "filter", "Filter"),
        Binding("r", "refresh", "Refresh states"),
    ]
    PALETTE = (
        ("filter", "Filter instances", "By name, id or state"),
        ("refresh", "Refresh states", "Ask every instance's state again"),
    )

    def __init__(self, context: Context, *, open_first: str | None = None) -> None:
        super().__init__(context)
        self.fleet: Fleet | None = None
        self.shown: list[Member] = []
        self.open_first = open_first
        """An instance (name or id) to open at once, as `waqr link --instance` asks."""
        self._status_due = False
        self.opened: Member | None = None
        self.sorted_once = False
        """The list is put in order (attention first) once, when the first states are all in."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="filter: name, id or state · enter opens the first · esc clears", id="fleet-filter",
                    classes="hidden")
        yield DataTable(id="fleet-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="status", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for name, width in COLUMNS:
            table.add_column(name, key=name, width=width)
        self.sub_title = "Green API" + self.demo_suffix
        self.say("Loading the instances…")
        self.set_interval(0.5, self._flush_status)  # a status line per state would relayout 500 times
        self.app.call_after_refresh(self._load)

    @work(exclusive=True, group="fleet-load", exit_on_error=False)
    async def _load(self) -> None:
        settings = self.settings
        try:
            entries = await known_instances(settings)
        except ApiError as exc:
            self.say(f"The partner account's instances could not be listed: {exc.describe()}", severity="error")
            entries = settings.green_instances()
        if not entries:
            self.say("No Green API instance is configured: set green.id_instance, add [[green.instances]] "
                     "or green.partner_token.", severity="error")
            return
        from tui.api.green import GreenClient

        def make(entry: Any, transport: httpx.AsyncBaseTransport | None) -> GreenClient:
            return GreenClient.from_instance(entry, settings.green.api_url, transport=transport)

        members = [Member(e.id_instance, e.name, e) for e in entries]
        self.fleet = Fleet(members, make)
        self._fill()
        wanted = self.open_first
        if wanted is not None:
            member = self.fleet.member(wanted) or next(
                (m for m in members if m.name.casefold() == wanted.casefold()), None)
            if member is not None:
                self._open(member)
        elif len(members) == 1:
            self._open(members[0])
        self._sweep()

    @work(exclusive=True, group="fleet-sweep", exit_on_error=False)
    async def _sweep(self) -> None:
        assert self.fleet is not None
        await self.fleet.run(self._visible, self._changed)

    def _visible(self) -> list[str]:
        table = self.query_one(DataTable)
        top = int(table.scroll_y)
        return [m.id for m in self.shown[top : top + max(1, table.size.height)]]

    # -- the list -------------------------------------------------------------------------

    def _fill(self) -> None:
        """The rows, in the fleet's order for the filter (attention first)."""
        if self.fleet is None:
            return
        table = self.query_one(DataTable)
        keep = self.current()
        self.shown = self.fleet.ordered(self.query_one("#fleet-filter", Input).value)
        table.clear()
        now = time.monotonic()
        for member in self.shown:
            table.add_row(*self._cells(member, now), key=member.id)
        if keep in self.shown:
            table.move_cursor(row=self.shown.index(keep))
        self._where()

    def _resort(self) -> None:
        """The rows in the fleet's order, moved in place (rebuilding 500 rows would stall the keys)."""
        assert self.fleet is not None
        keep = self.current() if self.query_one(DataTable).cursor_row > 0 else None  # not moved yet: the top row
        order = {m.id: n for n, m in enumerate(self.fleet.ordered(self.query_one("#fleet-filter", Input).value))}
        table = self.query_one(DataTable)
        table.sort("id", key=lambda cell: order.get(str(cell), len(order)))
        self.shown.sort(key=lambda m: order.get(m.id, len(order)))
        table.move_cursor(row=self.shown.index(keep) if keep in self.shown else 0)
        self._where()

    def _cells(self, member: Member, now: float) -> tuple[Any, ...]:
        checked = time.strftime("%H:%M:%S", time.localtime(time.time() - (now - member.checked_at))) \
            if member.checked_at is not None else "—"
        state = member.words(self.fleet.clock() if self.fleet else now)
        mark = "! " if self.fleet and member.needs_attention(self.fleet.clock()) else "  "
        phone = member.phone
        return (data(member.name or "(no name)", line=True, limit=60), data(member.id, line=True),
                data(mark + state, line=True, limit=80), data(f"+{phone}" if phone else "", line=True),
                checked)

    def _changed(self, member: Member) -> None:
        """One instance's state came in: its row changes in place (rows do not jump under the cursor),
        except once, when the first states are all in: then the list is put in order."""
        table = self.query_one(DataTable)
        if member not in self.shown:
            return
        for (name, _width), value in zip(COLUMNS, self._cells(member, time.monotonic())):
            if name not in ("id", "name"):
                table.update_cell(member.id, name, value)
        self._status_due = True
        if not self.sorted_once and self.fleet and all(m.state or m.problem for m in self.fleet.members):
            self.sorted_once = True
            self._resort()

    def _flush_status(self) -> None:
        if self._status_due:
            self._status_due = False
            self._where()

    def _where(self) -> None:
        if self.fleet is None:
            return
        now = self.fleet.clock()
        known = sum(m.state is not None or bool(m.problem) for m in self.fleet.members)
        attention = sum(m.needs_attention(now) for m in self.fleet.members)
        text = f"{len(self.shown)} of {len(self.fleet.members)} instances · {attention} need attention"
        if known < len(self.fleet.members):
            text += f" · states known: {known}"
        filtered = self.query_one("#fleet-filter", Input).value.strip()
        if filtered:
            text += f" · filter “{plain(filtered, line=True, limit=40)}” (esc clears)"
        self.say(text + " · enter links the highlighted one")

    def current(self) -> Member | None:
        row = self.query_one(DataTable).cursor_row
        return self.shown[row] if 0 <= row < len(self.shown) else None

    # -- keys ------------------------------------------------------------------------------

    def action_filter(self) -> None:
        box = self.query_one("#fleet-filter", Input)
        box.remove_class("hidden")
        box.focus()

    @on(Input.Changed, "#fleet-filter")
    def _filter(self) -> None:
        self._fill()

    @on(Input.Submitted, "#fleet-filter")
    def _filter_open(self) -> None:
        self.query_one(DataTable).focus()
        if self.shown:
            self._open(self.shown[0])

    def key_escape(self) -> None:
        box = self.query_one("#fleet-filter", Input)
        if box.value or not box.has_class("hidden"):
            box.value = ""
            box.add_class("hidden")
            self.query_one(DataTable).focus()

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        member = self.current()
        if member is not None:
            self._open(member)

    def action_refresh(self) -> None:
        if self.fleet is not None:
            self.fleet.refresh_all()
            self._fill()
            self.say("Asking every instance's state again (4 at a time)…")

    def on_screen_resume(self) -> None:
        """Back from an instance: ask its state now (it may have been linked or logged out)."""
        if self.fleet is not None and self.opened is not None:
            self.opened.next_at = 0.0
            self.opened.phone_asked = False

    def _open(self, member: Member) -> None:
        assert self.fleet is not None
        self.opened = member
        title = f"{member.name} · {member.id}" if member.name else member.id
        self.app.push_screen(LinkScreen(self.context, client=self.fleet.client(member), title=title,
                                        back=len(self.fleet.members) > 1))

    async def on_unmount(self) -> None:
        if self.fleet is not None:
            await self.fleet.aclose()

