"""A Textual driver that keeps every byte the app writes to the terminal (for tests).

Run an app with `driver_class=CaptureDriver` and `run_test(headless=False)`: Textual then
renders and writes frames as it would to a real terminal, and they land here.
"""

from __future__ import annotations

from textual.drivers.headless_driver import HeadlessDriver


class CaptureDriver(HeadlessDriver):
    written: list[str] = []
    """Everything written, across the run (cleared when a driver starts)."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        CaptureDriver.written = []

    @property
    def is_headless(self) -> bool:
        return False  # so that Textual writes frames

    def write(self, data: str) -> None:
        CaptureDriver.written.append(data)

    @classmethod
    def output(cls) -> str:
        return "".join(cls.written)

    @classmethod
    def frames(cls) -> list[str]:
        """Writes that drew something (cursor moves into the screen)."""
        return [w for w in cls.written if "\x1b[" in w and "H" in w]
