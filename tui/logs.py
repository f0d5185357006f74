"""Logging to a rotating, redacted file under the user log directory.

The file is private (0600 in a 0700 folder, modes fixed when they were wider) and
never followed through a symlink. Every record is one line: messages are redacted,
then made plain (`tui.text.plain(line=True)`), so data holding newlines or terminal
sequences can neither forge a line nor reach a terminal that shows the log. A
traceback follows its record on indented lines, each made plain the same way.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import platformdirs

from tui.api.redact import Redactor
from tui.private_files import FILE_MODE, private_dir
from tui.text import plain

TRACE_INDENT = "    | "
"""Continuation lines of a traceback start with this: a record line starts with a time stamp."""


class RedactingFilter(logging.Filter):
    """Formats each record, replaces every secret in the text, and keeps it to one line."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.redact = Redactor(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = plain(self.redact(record.getMessage()), line=True)
        record.args = None
        if record.exc_info:
            record.exc_text = self.trace(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.trace(record.exc_text)
        if record.stack_info:
            record.stack_info = self.trace(record.stack_info)
        return True

    def trace(self, text: str) -> str:
        """A traceback (no locals) redacted, one plain line per line, each marked as a continuation."""
        return "\n".join(TRACE_INDENT + plain(line, line=True) for line in self.redact(text).splitlines())


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A RotatingFileHandler whose files are created 0600, fixed to 0600, never opened through a symlink."""

    def _open(self) -> Any:
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(self.baseFilename, flags, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)
            return open(fd, "a", encoding=self.encoding, errors=self.errors)  # noqa: SIM115 - the handler owns it
        except BaseException:
            os.close(fd)
            raise


def log_file() -> Path:
    return Path(platformdirs.user_log_dir("waqr", appauthor=False)) / "waqr.log"


def setup(level: str, secrets: Iterable[str], path: Path | None = None) -> Path | None:
    """Send the `waqr` loggers (and httpx's) to a rotating file; return its path (None: cannot write one)."""
    path = path or log_file()
    try:
        private_dir(path.parent)
        handler: logging.Handler = PrivateRotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        handler, path = logging.NullHandler(), None  # a read-only home must not stop the app
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    for name in ("waqr", "httpx", "httpcore"):
        logger = logging.getLogger(name)
        for old in logger.handlers:
            old.close()
        logger.handlers = [handler]
        logger.propagate = False
        logger.setLevel(level if name == "waqr" else max(logging.getLevelName(level), logging.INFO))
    return path
