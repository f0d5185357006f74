"""Logging to a rotating, redacted file under the user log directory."""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Iterable
from pathlib import Path

import platformdirs

from tui.api.redact import Redactor


class RedactingFilter(logging.Filter):
    """Formats each record, then replaces every secret in the text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.redact = Redactor(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def log_file() -> Path:
    return Path(platformdirs.user_log_dir("waqr", appauthor=False)) / "waqr.log"


def setup(level: str, secrets: Iterable[str], path: Path | None = None) -> Path | None:
    """Send the `waqr` loggers (and httpx's) to a rotating file; return its path (None: cannot write one)."""
    path = path or log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        handler, path = logging.NullHandler(), None  # a read-only home must not stop the app
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    for name in ("waqr", "httpx", "httpcore"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.propagate = False
        logger.setLevel(level if name == "waqr" else max(logging.getLevelName(level), logging.INFO))
    return path
