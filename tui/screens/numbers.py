"""The phone numbers of a WhatsApp Business Account, to choose whose codes to open."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable

from tui.api.errors import ApiError
from tui.api.models import PhoneNumber
from tui.screens.modal import Dialog
from tui.widgets.data_text import data

MAX_PAGES = 20
"""Pages of 100 numbers read at the most (a WABA has far fewer)."""


class NumbersScreen(Dialog[PhoneNumber | None]):
    """`enter` opens the highlighted number; esc keeps the one open (if any)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("enter", "pick", "Open this number")]
    BUTTONS = (("Open (enter)", "pick", "primary"), ("Cancel (esc)", "cancel", "default"))
    CLASSES = "numbers"

    def __init__(self, client: Any, current: str = "") -> None:
        """`client`: a MetaClient that knows its WABA (`phone_numbers()`)."""
        super().__init__("Phone numbers of the WhatsApp Business Account")
        self.client, self.current = client, current
        self.numbers: list[PhoneNumber] = []

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="numbers-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for name, width in (("number", 18), ("verified name", 24), ("quality", 8), ("status", 12)):
            table.add_column(name, width=width)
        table.focus()
        self.show_error("Loading the numbers…")
        self._load()

    @work(exclusive=True, group="numbers", exit_on_error=False)
    async def _load(self) -> None:
        after: str | None = None
        for _ in range(MAX_PAGES):
            try:
                page = await self.client.phone_numbers(after=after)
            except ApiError as exc:
                self.show_error(exc.describe())
                return
            self._add(page.items)
            if not page.has_next or not page.after or page.after == after:
                break
            after = page.after
        self.show_error("" if self.numbers else "The account has no phone numbers.")

    def _add(self, items: list[PhoneNumber]) -> None:
        table = self.query_one(DataTable)
        for number in items:
            self.numbers.append(number)
            table.add_row(data(number.display_phone_number or number.id, line=True, limit=30),
                          data(number.verified_name, line=True, limit=60),
                          data(number.quality_rating or "", line=True), data(number.status or "", line=True))
            if number.id == self.current:
                table.move_cursor(row=len(self.numbers) - 1)

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_pick()

    def action_pick(self) -> None:
        row = self.query_one(DataTable).cursor_row
        if 0 <= row < len(self.numbers):
            self.dismiss(self.numbers[row])
