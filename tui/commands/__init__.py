"""The scriptable commands: `waqr codes ...`, `waqr instances`, `waqr link --pairing`.

Each command is an async function that takes the settings' client and a `Console`
and returns an exit code; errors it cannot handle are raised as `CommandError` (or a
client's `ApiError`, or a `ConfigError`) and turned into one line by `tui.cli`.
"""

from __future__ import annotations

import re

OK, FAILED, USAGE, IDLE, NOT_FOUND, INTERRUPTED = 0, 1, 2, 3, 4, 130
"""Exit codes: done, the service refused or failed, usage or configuration, link stopped idle,
not found, interrupted (DESIGN.md)."""


class CommandError(Exception):
    """A command cannot go on; `str()` is one line for the person, `code` the exit code."""

    def __init__(self, message: str, code: int = FAILED) -> None:
        super().__init__(message)
        self.code = code


def error_line(exc: BaseException) -> str:
    """One line for an error: a client's text and hint (its HTTP status said once), else `str()`."""
    from tui.api.errors import ApiError

    if not isinstance(exc, ApiError):
        return str(exc) or type(exc).__name__
    text = re.sub(r"(\(HTTP \d{3}\))(\s*\1)+", r"\1", exc.text())
    if exc.hint:
        text = f"{text.rstrip('.')}. {exc.hint}"
    return text
