"""Green API clients: one instance for device linking, and a partner account's instances.

Every instance URL is `{apiUrl}/waInstance{idInstance}/{method}/{apiTokenInstance}`, the
partner's `{partnerApiUrl}/partner/{method}/{partnerToken}`: the tokens are in the path,
so every error and log line goes through the redactor.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from tui.api.errors import AuthError, RateLimitError, RequestError
from tui.api.http import DEFAULT_TIMEOUT, HttpService, RateLimiter, Rule, base_url, segment
from tui.api.models import (
    AuthorizationCode,
    GreenInstance,
    GreenQr,
    GreenState,
    PartnerInstance,
    WaSettings,
)
from tui.config import GreenSettings, env_name

SERVICE = "Green API"
QR_TIMEOUT = 60.0
"""`qr` may take long (the docs say so; Green's SDK waits 180 s). The linking view takes a
QR off the screen after 20 s without a fresh answer, whatever this deadline."""
INTERVALS = {"qr": 1 / 3}
"""Per-instance limits: `qr` 3/s, every other method 1/s."""

_ID, _TOKEN, _URL = "green.id_instance", "green.api_token_instance", "green.api_url"
_PARTNER, _PARTNER_URL = "green.partner_token", "green.partner_api_url"
RULES: tuple[Rule, ...] = (
    Rule(AuthError, "401", message="the instance token was refused", hint=f"Check {_TOKEN} ({env_name(_TOKEN)})."),
    Rule(AuthError, "403", message="wrong instance or host",
         hint=f"Check {_ID} ({env_name(_ID)}) and {_URL} ({env_name(_URL)}): instances have their own host, "
              "e.g. https://7105.api.greenapi.com."),
    Rule(RateLimitError, "466", message="quota exceeded", transient=True, wait=60.0,
         hint="The instance's plan does not allow more requests now; see the Green API console."),
    Rule(RequestError, "400", text="*starting*", transient=True, hint="The instance is starting; waqr keeps trying."),
)
PARTNER_RULES: tuple[Rule, ...] = (
    Rule(AuthError, "40[13]", message="the partner token was refused",
         hint=f"Check {_PARTNER} ({env_name(_PARTNER)}) and {_PARTNER_URL} ({env_name(_PARTNER_URL)})."),
)


class GreenClient:
    """One Green API instance."""

    def __init__(
        self,
        settings: GreenSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        qr_timeout: float = QR_TIMEOUT,
        retries: int = 1,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """`retries=1`: the poller owns the cadence and backs off itself."""
        if not settings.configured:
            raise ValueError("Green API settings are incomplete")
        assert settings.api_token_instance is not None
        self._token = settings.api_token_instance.get_secret_value()
        self.instance = settings.id_instance or ""
        self.qr_timeout = qr_timeout
        self.http = HttpService(SERVICE, base_url(settings.api_url), secrets=[self._token], rules=RULES,
                                timeout=timeout, transport=transport, retries=retries, sleep=sleep)
        self.limiter = {name: RateLimiter(INTERVALS.get(name, 1.0)) for name in ("qr", "other")}

    @classmethod
    def from_instance(cls, entry: GreenInstance, api_url: str, **kwargs: Any) -> GreenClient:
        """A client for one fleet entry: its own `api_url` if it has one, else `api_url`."""
        settings = GreenSettings(api_url=entry.api_url or api_url, id_instance=entry.id_instance,
                                 api_token_instance=entry.api_token_instance)
        return cls(settings, **kwargs)

    async def aclose(self) -> None:
        await self.http.aclose()

    def url(self, method: str) -> str:
        """The path of a method, token included (never show it: see `shown_url`)."""
        return f"waInstance{segment(self.instance)}/{method}/{segment(self._token)}"

    def shown_url(self, method: str) -> str:
        return self.http.redact(str(self.http.client.base_url.join(self.url(method))))

    async def _call(self, method: str, model: type[Any], *, http_method: str = "GET", body: Any = None,
                    timeout: float | None = None) -> Any:
        limiter = self.limiter["qr" if method == "qr" else "other"]

        async def paced() -> dict[str, str]:
            await limiter.wait(method)
            return {}

        answer = await self.http.call(http_method, self.url(method), read=self.http.read_json, prepare=paced,
                                      json=body, timeout=timeout)
        return self.http.parse(model, answer, f"the answer to {method}")

    # -- methods --------------------------------------------------------------------------

    async def qr(self) -> GreenQr:
        return await self._call("qr", GreenQr, timeout=self.qr_timeout)  # type: ignore[no-any-return]

    async def state(self) -> str:
        return (await self._call("getStateInstance", GreenState)).stateInstance  # type: ignore[no-any-return]

    async def logout(self) -> bool:
        body = await self._call("logout", dict)
        return body.get("isLogout") is True

    async def reboot(self) -> bool:
        body = await self._call("reboot", dict)
        return body.get("isReboot") is True

    async def wa_settings(self) -> WaSettings:
        return await self._call("getWaSettings", WaSettings)  # type: ignore[no-any-return]

    async def authorization_code(self, phone: str) -> AuthorizationCode:
        digits = "".join(ch for ch in phone if ch.isdigit())
        if not digits or digits != phone.strip().lstrip("+") or not 7 <= len(digits) <= 15 or not digits.isascii():
            raise ValueError("the phone number must be 7 to 15 digits, country code first, no spaces or signs")
        return await self._call(  # type: ignore[no-any-return]
            "getAuthorizationCode", AuthorizationCode, http_method="POST", body={"phoneNumber": int(digits)}
        )


class GreenPartner:
    """A Green API partner account: the list of its instances (`getInstances`)."""

    def __init__(
        self,
        partner_token: str,
        *,
        api_url: str = "https://api.green-api.com",
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._token = partner_token
        self.http = HttpService(SERVICE, base_url(api_url), secrets=[partner_token], rules=PARTNER_RULES,
                                timeout=timeout, transport=transport, retries=1)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def instances(self) -> list[GreenInstance]:
        """The partner's WhatsApp instances, deleted ones left out (no host is given:
        `api_url` is None and the configured one applies). Their tokens are secrets: every
        error of this client redacts them too."""
        body = await self.http.call("GET", f"partner/getInstances/{segment(self._token)}", read=self.http.read_json)
        listed = self.http.parse(list[PartnerInstance], body, "the list of instances")
        found = [
            GreenInstance(id_instance=str(i.idInstance), api_token_instance=i.apiTokenInstance, name=i.name or "")
            for i in listed
            if (i.typeInstance or "whatsapp").lower() == "whatsapp" and not i.deleted and str(i.idInstance).isdigit() and i.apiTokenInstance
        ]
        self.http.redact.add(i.api_token_instance.get_secret_value() for i in found)
        return found
