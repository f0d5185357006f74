"""What the two main screens share: what they are given, the status line, errors of workers.

Messages go to the screen's status line, not to toasts: a toast lands on the QR just when
a phone is pointed at it. A dialog over the screen hides the QR (its edges would cover
part of it). A worker that fails in a way nobody foresaw is logged (redacted, no locals)
and reported on the status line; the app goes on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from tui.clients import Clients
from tui.config import Settings
from tui.widgets.data_text import data
from tui.widgets.qr_view import QRView

log = logging.getLogger("waqr.ui")

FIRST_KEYS = [Binding("question_mark", "app.help", "All keys"), Binding("q", "app.quit", "Quit")]
"""First in every main screen's footer, so that they show at 80 columns (the app's own come last)."""


@dataclass
class Context:
    """What a main screen is given by the app."""

    settings: Settings
    clients: Clients
    demo: bool = False
    notes: list[str] = field(default_factory=list)
    sandbox: Any = None
    """The demo's sandbox (None with real accounts): the palette can play the phone with it."""
    """Warnings found at start (theme files, config file mode): the first screen shows them."""


class MainScreen(Screen[None]):
    """Base of Message QR codes and Link device."""

    PALETTE: ClassVar[tuple[tuple[str, str, str], ...]] = ()
    """(action, title, help) of the screen's commands in the command palette."""

    def __init__(self, context: Context) -> None:
        super().__init__()
        self.context = context
        self.settings = context.settings
        self.clients = context.clients
        self._said = ("", "information")
        self._notes = " · ".join(context.notes)
        context.notes.clear()

    @property
    def demo_suffix(self) -> str:
        """Added to subtitles so a demo is never mistaken for a real account."""
        return " · demo sandbox" if self.context.demo else ""

    NOTES_SECONDS = 15.0

    def on_mount(self) -> None:
        if self._notes:
            self.say(*self._said)
            self.set_timer(self.NOTES_SECONDS, self._drop_notes)

    def _drop_notes(self) -> None:
        self._notes = ""
        self.say(*self._said)

    def say(self, text: str, severity: str = "information") -> None:
        """Show `text` (plain, whatever it holds) on the status line; start-up warnings stay under it a while."""
        self._said = (text, severity)
        status = self.query_one("#status", Static)
        status.update(data("\n".join(filter(None, (text, self._notes)))))
        status.set_class(severity == "error", "error")
        status.set_class(severity == "warning" or bool(self._notes and not text), "warning")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        log.error("unexpected error in %s", event.worker.name, exc_info=error)
        self.say(
            f"Unexpected error ({type(error).__name__}): it is in the log. Press r to try again.", severity="error"
        )

    def on_screen_suspend(self) -> None:
        for view in self.query(QRView):
            view.cover(True)

    def on_screen_resume(self) -> None:
        for view in self.query(QRView):
            view.cover(False)
