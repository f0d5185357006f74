"""Finding message QR codes the way people ask: a code in any case, a pasted `wa.me` link,
or words of the message (every word, any case). No Textual here: the screens can use it too."""

from __future__ import annotations

import re
from typing import Protocol

_LINK = re.compile(r"(?:https?://)?(?:www\.)?(?:wa\.me|api\.whatsapp\.com)/message/([A-Za-z0-9_-]+)", re.IGNORECASE)
_CODE_LIKE = re.compile(r"(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9]{8,40}")
"""Codes are letters and digits (real ones hold digits, e.g. 2DTW22BXMZZNA1)."""


class HasMessage(Protocol):
    code: str
    prefilled_message: str


def code_in(query: str) -> str | None:
    """The code a query names exactly: the code of a pasted link, or a code-like word; else None."""
    text = query.strip()
    link = _LINK.search(text)
    if link:
        return link.group(1)
    return text if _CODE_LIKE.fullmatch(text) else None


def matches(item: HasMessage, query: str) -> bool:
    """True when `query` is the item's code (any case, or in a link), part of it, or all its words are in the message."""
    text = query.strip()
    if not text:
        return True
    code = (code_in(text) or text).casefold()
    if item.code.casefold() == code or (len(code) >= 4 and " " not in code and code in item.code.casefold()):
        return True
    message = item.prefilled_message.casefold()
    return all(word in message for word in text.casefold().split())
