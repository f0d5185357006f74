"""The one interface the Message QR codes pane talks to (Meta and Alibaba implement it)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from tui.api.models import ImageFormat, Page, QrCode

PAGE_SIZE = 25


@runtime_checkable
class CodesProvider(Protocol):
    """List page / get / create / update / delete message QR codes of one phone number."""

    name: str
    """The service, for messages: "Meta Cloud API", "Alibaba CAMS"."""
    account: str
    """Which number the codes belong to, for the header of the pane."""
    usage_percent: int | None
    """How close the account is to its API limit, when the service says."""
    update_keeps_code: bool
    """False where an update may give the code a new value (CAMS)."""
    generation: int
    """How many changes this provider made; `Page.generation` older than this: stale cursors."""

    async def list_page(
        self, *, limit: int = PAGE_SIZE, after: str | None = None, before: str | None = None, code: str | None = None
    ) -> Page:
        """At most `limit` codes. A cursor from before a change raises StaleCursorError."""
        ...

    async def get(self, code: str) -> QrCode | None: ...

    async def create(self, message: str, image_format: ImageFormat | None = "PNG") -> QrCode:
        """A new code; the service always makes an image too (PNG unless SVG; None means PNG)."""
        ...

    async def update(self, code: str, message: str) -> QrCode: ...

    async def delete(self, code: str) -> None: ...

    async def image_url(self, code: str, image_format: ImageFormat) -> str | None:
        """A fresh URL of the service's own image of the code (they expire: never cache)."""
        ...

    async def fetch_image(self, url: str, image_format: ImageFormat | None = None) -> bytes:
        """The image at a URL from `image_url` (of that format, else BadResponseError)."""
        ...

    def forget_cursors(self) -> None:
        """Treat every cursor given out so far as stale (each change does this itself)."""
        ...

    async def aclose(self) -> None: ...
