"""Green API client for device linking.

Every URL is `{apiUrl}/waInstance{idInstance}/{method}/{apiTokenInstance}`: the token
is in the path, so everything that could show a URL goes through the redactor.
"""

from __future__ import annotations

import json
import logging
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from tui.api.errors import ApiError, AuthError, BadResponseError, RateLimitError, RequestError
from tui.api.http import Answer, HttpService, RateLimiter
from tui.api.models import AuthorizationCode, GreenQr, WaSettings
from tui.config import GreenSettings, env_name

log = logging.getLogger("waqr.green")

SERVICE = "Green API"
INTERVALS = {"qr": 1 / 3}
"""Per-instance limits: `qr` 3/s, every other method 1/s."""
M = TypeVar("M", bound=BaseModel)


def _reason(answer: Answer) -> str | None:
    """A short reason from an error body: JSON message/description, or short plain text."""
    text = answer.text.strip()
    if not text:
        return None
    try:
        body = json.loads(text)
        if isinstance(body, dict):
            for key in ("message", "description", "error"):
                if isinstance(body.get(key), str) and body[key]:
                    return body[key][:200]
    except ValueError:
        pass
    if "<" in text[:50]:
        return None
    return text.splitlines()[0][:200]


class GreenClient:
    """One Green API instance."""

    def __init__(
        self,
        settings: GreenSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 5.0,
    ) -> None:
        if not settings.configured:
            raise ValueError("Green API settings are incomplete")
        assert settings.api_token_instance is not None
        self._token = settings.api_token_instance.get_secret_value()
        self.instance = settings.id_instance or ""
        self.http = HttpService(
            SERVICE, settings.api_url.rstrip("/") + "/", secrets=[self._token], timeout=timeout, transport=transport
        )
        self.limiter = {name: RateLimiter(INTERVALS.get(name, 1.0)) for name in ("qr", "other")}

    async def aclose(self) -> None:
        await self.http.aclose()

    def url(self, method: str) -> str:
        """The path of a method, token included (never show it: see `shown_url`)."""
        return f"waInstance{self.instance}/{method}/{self._token}"

    def shown_url(self, method: str) -> str:
        return self.http.redact(str(self.http.client.base_url.join(self.url(method))))

    async def _call(self, method: str, *, http_method: str = "GET", body: Any = None) -> Any:
        await self.limiter["qr" if method == "qr" else "other"].wait(method)
        answer = await self.http.send(http_method, self.url(method), json=body)
        if answer.status >= 400:
            raise self._error(answer)
        return self.http.json(answer)

    def _error(self, answer: Answer) -> ApiError:
        reason = _reason(answer)
        reason = self.http.redact(reason) if reason else None
        status = answer.status
        if status == 401:
            key = "green.api_token_instance"
            return AuthError(
                SERVICE, "the instance token was refused", status=status, hint=f"Check {key} ({env_name(key)})."
            )
        if status == 403:
            return AuthError(
                SERVICE,
                "wrong instance or host",
                status=status,
                hint="Check green.id_instance (WAQR_GREEN__ID_INSTANCE) and green.api_url "
                "(WAQR_GREEN__API_URL): instances have their own host, e.g. https://7105.api.greenapi.com.",
            )
        if status == 466:
            return RateLimitError(
                SERVICE,
                f"quota exceeded{': ' + reason if reason else ''}",
                status=status,
                hint="The instance's plan does not allow more requests now; see the Green API console.",
                transient=True,
                retry_after=60.0,
            )
        if status == 400 and reason and "starting" in reason.lower():
            return RequestError(
                SERVICE, reason, status=status, transient=True, hint="The instance is starting; waqr keeps trying."
            )
        return self.http.status_error(answer, reason and f"{reason} (HTTP {status})")

    def _model(self, model: type[M], body: Any, method: str) -> M:
        try:
            return model.model_validate(body)
        except ValidationError:
            raise BadResponseError(SERVICE, f"unexpected answer to {method}", transient=True) from None

    # -- methods --------------------------------------------------------------------------

    async def qr(self) -> GreenQr:
        return self._model(GreenQr, await self._call("qr"), "qr")

    async def state(self) -> str:
        body = await self._call("getStateInstance")
        state = body.get("stateInstance") if isinstance(body, dict) else None
        if not isinstance(state, str):
            raise BadResponseError(SERVICE, "unexpected answer to getStateInstance", transient=True)
        return state

    async def logout(self) -> bool:
        body = await self._call("logout")
        return bool(isinstance(body, dict) and body.get("isLogout"))

    async def reboot(self) -> bool:
        body = await self._call("reboot")
        return bool(isinstance(body, dict) and body.get("isReboot"))

    async def wa_settings(self) -> WaSettings:
        return self._model(WaSettings, await self._call("getWaSettings"), "getWaSettings")

    async def authorization_code(self, phone: str) -> AuthorizationCode:
        digits = "".join(ch for ch in phone if ch.isdigit())
        if not digits or digits != phone.strip().lstrip("+") or not 7 <= len(digits) <= 15:
            raise ValueError("the phone number must be 7 to 15 digits, country code first, no spaces or signs")
        body = await self._call("getAuthorizationCode", http_method="POST", body={"phoneNumber": int(digits)})
        return self._model(AuthorizationCode, body, "getAuthorizationCode")
