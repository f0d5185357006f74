"""Baseline for the start-up benchmark: a bare Textual app with a header and a footer."""

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header


class Bare(App[None]):
    TITLE = "bare-baseline"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Footer()


if __name__ == "__main__":
    Bare().run()
