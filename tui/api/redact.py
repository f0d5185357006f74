"""Removing secrets from any text before it is shown or logged (no dependencies)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote

REDACTED = "***"


def _forms(secret: str) -> set[str]:
    """The secret as written and as it looks in a URL (percent-encoded path or query)."""
    return {secret, quote(secret, safe=""), quote(secret), quote(secret, safe="~")}


class Redactor:
    """Replaces secrets (and `access_token=` query values) in any text."""

    _query_token = re.compile(r"(access_token=)[^&\s\"']+")

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets: list[str] = []
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        """Redact these too (tokens learnt from an answer, such as a partner's instances)."""
        forms = set(self.secrets) | {form for s in secrets if s for form in _forms(s)}
        self.secrets = sorted(forms, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return self._query_token.sub(r"\1" + REDACTED, text)
