"""Removing secrets from any text before it is shown or logged (no dependencies)."""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "***"


class Redactor:
    """Replaces secrets (and `access_token=` query values) in any text."""

    _query_token = re.compile(r"(access_token=)[^&\s\"']+")

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return self._query_token.sub(r"\1" + REDACTED, text)
