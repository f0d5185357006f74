"""Dialogs on the one modal base: confirm, help (the keys), a QR full screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Static

from tui.screens.modal import Dialog
from tui.widgets.data_text import data
from tui.widgets.qr_view import QRView


class ConfirmScreen(Dialog[bool]):
    """Ask yes or no before something that cannot be undone; `y` / `n` / esc answer."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "Cancel"),
    ]
    CLASSES = "confirm"

    def __init__(self, title: str, detail: str, yes: str = "Yes") -> None:
        super().__init__(title)
        self.detail, self.yes = detail, yes

    def compose_body(self) -> ComposeResult:
        yield Static(data(self.detail), classes="dialog-detail")

    def buttons(self) -> list[tuple[str, str, str]]:
        return [(f"{self.yes} (y)", "answer(True)", "error"), ("Cancel (n)", "answer(False)", "default")]

    def on_mount(self) -> None:
        self.query("Button").last().focus()  # Cancel: enter alone never confirms

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def action_cancel(self) -> None:
        self.dismiss(False)


class HelpScreen(Dialog[None]):
    """The keys of the screen beneath, then the app's own."""

    BINDINGS = [Binding("escape,question_mark,q", "cancel", "Close")]
    BUTTONS = (("Close (esc)", "cancel", "primary"),)
    CLASSES = "help"

    def __init__(self, beneath: Screen) -> None:
        super().__init__(f"Keys · {beneath.title or 'waqr'}")
        self.beneath = beneath

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="help-keys", cursor_type="none", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("key", "action")
        seen: set[str] = set()
        for source in (self.beneath, self.app):
            for binding in source.BINDINGS:
                if not isinstance(binding, Binding) or not binding.description or binding.description in seen:
                    continue
                seen.add(binding.description)
                table.add_row(self.app.get_key_display(binding), binding.description)
        table.add_row("ctrl+p", "Command palette (theme, style, …)")


class FullQrScreen(Screen[None]):
    """One QR as large as the terminal allows, with what it is under it."""

    BINDINGS = [
        Binding("escape,enter,q", "close", "Close"),
        Binding("v", "app.cycle_qr_style", "QR style"),
    ]

    def __init__(self, payload: str, caption: str) -> None:
        super().__init__()
        self.payload, self.caption = payload, caption

    def compose(self) -> ComposeResult:
        yield QRView(self.payload, id="full-qr")
        yield Label(data(self.caption, line=True), id="full-caption")
        yield Footer(compact=True)

    def say(self, text: str, severity: str = "information") -> None:
        """A message in the caption line, never a toast over the QR."""
        self.query_one("#full-caption", Label).update(data(f"{text} · {self.caption}", line=True))

    def action_close(self) -> None:
        self.dismiss(None)
