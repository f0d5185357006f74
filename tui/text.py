"""Text from outside (services, files, people) made safe to show: no Textual here.

`plain()` is the one rule for every place that shows such text: on screen, on stdout
or stderr, in the log and in exported files. Control characters (C0, DEL, C1), bidi
overrides and invisible characters are shown visibly, never passed to a terminal, so a
message cannot set the clipboard (OSC 52), retitle the window, clear the screen or
reorder what is shown. Markup is a separate matter: widgets get the result as
`Content`/`Text`, never as a markup string.

The message itself is stored and sent exactly as typed; only what is shown changes.
"""

from __future__ import annotations

import re

_C0_PICTURES = {cp: chr(0x2400 + cp) for cp in range(0x20)}  # ␀ … ␟ (U+2400 …)
_INVISIBLE = (
    "\u00ad"  # soft hyphen
    "\u061c"  # Arabic letter mark
    "\u180e"  # Mongolian vowel separator
    "\u200b"  # zero-width space (the joiners U+200C/U+200D are text: emoji sequences, Persian, Indic)
    "\u200e\u200f"  # LRM, RLM
    "\u2028\u2029"  # line and paragraph separators
    "\u202a-\u202e"  # bidi embeddings and overrides
    "\u2060-\u2064"  # word joiner, invisible operators
    "\u2066-\u2069"  # bidi isolates
    "\u206a-\u206f"  # deprecated format characters
    "\ufeff"  # zero-width no-break space (BOM)
    "\ufff9-\ufffb"  # interlinear annotation
    "\U000e0000-\U000e007f"  # tag characters
)
_UNSAFE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}\ud800-\udfff]")
_UNSAFE_TEXT = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_INVISIBLE}\ud800-\udfff]")
"""As _UNSAFE_LINE, but newline and tab are allowed (multi-line places)."""


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    cp = ord(char)
    if cp == 0x0A:
        return "↵"  # a single-line place shows where the line broke
    if cp == 0x09:
        return " "
    if cp < 0x20:
        return _C0_PICTURES[cp]  # ESC shows as ␛
    if cp == 0x7F:
        return "␡"
    if 0xD800 <= cp <= 0xDFFF:
        return "\ufffd"  # a lone surrogate cannot be written at all
    return f"<U+{cp:04X}>"


def plain(text: object, *, line: bool = False, limit: int | None = None) -> str:
    """`text` with every control, bidi and invisible character shown visibly.

    `line=True`: for a single-line place (a table cell, a title, a log line): newlines
    and tabs too, so the text can never break its line or forge the next one.
    `limit`: at most that many characters, the cut marked with `…`.
    """
    value = text if isinstance(text, str) else str(text)
    if "\r\n" in value:
        value = value.replace("\r\n", "\n")
    value = (_UNSAFE_LINE if line else _UNSAFE_TEXT).sub(_visible, value)
    if limit is not None and len(value) > limit:
        value = value[: max(0, limit - 1)] + "…"
    return value


def is_plain(text: str, *, line: bool = False) -> bool:
    """True when `plain()` would leave `text` as it is."""
    return (_UNSAFE_LINE if line else _UNSAFE_TEXT).search(text) is None
