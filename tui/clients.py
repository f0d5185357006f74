"""The API clients of the running app: made on first use, switched, closed. No Textual here.

Screens ask for the client they need and get either the client or a sentence saying
which settings are missing; nothing else creates or closes clients.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.config import Settings, missing, start_problem

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
        """The Message QR codes provider, or why there is none."""
        if self._codes is not None:
            return self._codes, None
        s = self.settings
        choice = self.provider
        if choice == "auto":
            choice = "meta" if s.meta.configured or not s.alibaba.configured else "alibaba"
        if choice == "meta" and s.meta.configured:
            from tui.api.meta import MetaClient

            self._codes = MetaClient(s.meta)
        elif choice == "alibaba" and s.alibaba.configured:
            from tui.api.alibaba import AlibabaClient

            self._codes = AlibabaClient(s.alibaba)
        elif choice == "alibaba":
            absent = missing(s.alibaba, "alibaba", ["access_key_id", "access_key_secret", "phone_number"])
            return None, f"Alibaba CAMS needs {absent}."
        else:
            return None, start_problem(s, None)
        return self._codes, None

    def green(self) -> tuple[GreenClient | None, str | None]:
        """The Green API client, or why there is none."""
        if self._green is None:
            if not self.settings.green.configured:
                return None, start_problem(self.settings, "link")
            from tui.api.green import GreenClient

            self._green = GreenClient(self.settings.green)
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
