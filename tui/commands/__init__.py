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


ADDRESS_SETTING = {"Meta Cloud API": "meta.base_url", "Green API": "green.api_url", "Alibaba CAMS": "alibaba.endpoint"}
"""Where each service's address is set: named when it cannot be reached."""


def error_line(exc: BaseException) -> str:
    """One line for an error: a client's text and hint (its HTTP status said once), else `str()`.
    A service that cannot be reached names the setting that holds its address."""
    from tui.api.errors import ApiError, NetworkError
    from tui.config import env_name

    if not isinstance(exc, ApiError):
        return str(exc) or type(exc).__name__
    text = re.sub(r"(\(HTTP \d{3}\))(\s*\1)+", r"\1", exc.text())
    if exc.hint:
        text = f"{text.rstrip('.')}. {exc.hint}"
    key = ADDRESS_SETTING.get(exc.service)
    if isinstance(exc, NetworkError) and key and key not in text:
        text = f"{text.rstrip('.')} (address: {key}, {env_name(key)})"
    return text
