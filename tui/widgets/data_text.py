"""Outside text as Textual content: never markup, never a control character."""

from __future__ import annotations

from textual.content import Content

from tui.text import plain


def data(text: object, *, line: bool = False, limit: int | None = None) -> Content:
    """`text` (a message, a code, an error from a service) as plain Content for any widget.

    Widgets treat a `str` as markup (`[/SALE]` would crash, `[@click=…]` would act):
    Content built from text is never parsed. `plain()` makes control characters visible.
    """
    return Content(plain(text, line=line, limit=limit))
