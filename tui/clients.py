"""The API clients of the running app: made on first use, switched, closed. No Textual here.

Screens ask for the client they need and get either the client or a sentence saying
which settings are missing. The clients are built by `tui.services`, as for the scriptable
commands; this holder keeps them for the app's life and closes them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.config import ConfigError, Settings
from tui.services import build_codes_provider, build_green_client

if TYPE_CHECKING:
    from tui.api.green import GreenClient
    from tui.api.provider import CodesProvider


class Clients:
    """One client per service account of the settings in use."""

    def __init__(
        self,
        settings: Settings,
        *,
        provider: str = "auto",
        codes: CodesProvider | None = None,
        green: GreenClient | None = None,
    ) -> None:
        self.settings = settings
        self.provider = provider
        self._codes = codes
        self._green = green

    def provider_choices(self) -> list[tuple[str, str]]:
        """(name, title) of every message-QR provider that is configured."""
        s = self.settings
        found = [("meta", "Meta Cloud API")] if s.meta.configured else []
        return found + ([("alibaba", "Alibaba CAMS")] if s.alibaba.configured else [])

    def codes(self) -> tuple[CodesProvider | None, str | None]:
        """The Message QR codes provider, or why there is none (the setting to fix)."""
        if self._codes is None:
            try:
                self._codes = build_codes_provider(self.settings, self.provider)
            except ConfigError as exc:
                return None, str(exc)
        return self._codes, None

    def green(self) -> tuple[GreenClient | None, str | None]:
        """The Green API client, or why there is none."""
        if self._green is None:
            try:
                self._green = build_green_client(self.settings)
            except ConfigError as exc:
                return None, str(exc)
        return self._green, None

    async def use_provider(self, name: str) -> None:
        """Switch Message QR codes to another provider, closing the old client."""
        old, self._codes, self.provider = self._codes, None, name
        if old is not None:
            await old.aclose()

    async def aclose(self) -> None:
        for client in (self._codes, self._green):
            if client is not None:
                await client.aclose()
        self._codes = self._green = None
