"""Small modal screens: confirm, help, a QR full screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Label, Static

from tui.widgets.qr_view import QRView


class ConfirmScreen(ModalScreen[bool]):
    """Ask yes or no; `y` / `n` / escape answer from the keyboard."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
        Binding("escape", "answer(False)", "Cancel"),
    ]

    def __init__(self, title: str, detail: str, yes: str = "Yes") -> None:
        super().__init__()
        self.title_text, self.detail, self.yes = title, detail, yes

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog confirm"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.detail, classes="dialog-detail")
            with Horizontal(classes="buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="error")
                yield Button("Cancel (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


FIRST_KEYS = [Binding("question_mark", "app.help", "Help"), Binding("q", "app.quit", "Quit")]
"""First in every main screen's footer, so that they show at 80 columns (the app's own come last)."""


class HelpScreen(ModalScreen[None]):
    """The keys of the screen beneath, and the app's own."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(self, beneath: Screen) -> None:
        super().__init__()
        self.beneath = beneath

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog help"):
            yield Label(f"Keys · {self.beneath.title or self.app.title} · esc closes", classes="dialog-title")
            yield DataTable(id="help-keys", cursor_type="none", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("key", "action")
        seen: set[str] = set()
        for source in (self.beneath, self.app):
            for binding in source.BINDINGS:
                if not isinstance(binding, Binding) or binding.description in seen or not binding.description:
                    continue
                seen.add(binding.description)
                table.add_row(self.app.get_key_display(binding), binding.description)
        table.add_row("ctrl+p", "Command palette: theme, QR style, provider, actions")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


class FullQrScreen(ModalScreen[None]):
    """One QR as large as the terminal allows."""

    BINDINGS = [Binding("escape,enter,q", "dismiss", "Close"), Binding("v", "app.cycle_qr_style", "QR style")]

    def __init__(self, payload: str, caption: str) -> None:
        super().__init__()
        self.payload, self.caption = payload, caption

    def compose(self) -> ComposeResult:
        yield QRView(self.payload, id="full-qr")
        yield Label(self.caption, id="full-caption")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
