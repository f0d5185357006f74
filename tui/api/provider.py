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

    async def list_page(
        self, *, limit: int = PAGE_SIZE, after: str | None = None, before: str | None = None, code: str | None = None
    ) -> Page: ...

    async def get(self, code: str) -> QrCode | None: ...

    async def create(self, message: str, image_format: ImageFormat | None = None) -> QrCode: ...

    async def update(self, code: str, message: str) -> QrCode: ...

    async def delete(self, code: str) -> None: ...

    async def image_url(self, code: str, image_format: ImageFormat) -> str | None:
        """A fresh URL of the service's own image of the code (they expire: never cache)."""
        ...

    async def fetch_image(self, url: str) -> bytes: ...

    async def aclose(self) -> None: ...
