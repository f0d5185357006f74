"""Meta WhatsApp Cloud API client for message QR codes (`message_qrdls`)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from tui.api.errors import (
    ApiError,
    AuthError,
    BadResponseError,
    GraphErrorBody,
    NotFoundError,
    RateLimitError,
    RequestError,
    ServerError,
)
from tui.api.http import Answer, HttpService, retry_after
from tui.api.models import ImageFormat, Page, QrCode
from tui.api.provider import PAGE_SIZE
from tui.config import MetaSettings, env_name

log = logging.getLogger("waqr.meta")

SERVICE = "Meta Cloud API"
LIST_FIELDS = "code,prefilled_message,deep_link_url,creation_time"
TRANSIENT_CODES = frozenset({1, 2, 4, 17, 341, 80007, 130429, 131000, 131016})
THROTTLE_CODES = frozenset({4, 17, 341, 80007, 130429})
USAGE_HEADER = "x-business-use-case-usage"


def graph_error(service: str, answer: Answer, body: Any) -> ApiError:
    """Turn a Graph error envelope into the matching typed error."""
    try:
        info = GraphErrorBody.model_validate(body["error"])
    except (KeyError, TypeError, ValueError):
        info = GraphErrorBody(message=f"HTTP {answer.status}")
    code = info.code
    message = info.error_user_msg or info.message or f"HTTP {answer.status}"
    if info.error_user_title and info.error_user_title not in message:
        message = f"{info.error_user_title}: {message}"
    transient = bool(info.is_transient) or code in TRANSIENT_CODES
    wait = retry_after(answer.headers)
    common: dict[str, Any] = {"status": answer.status, "graph": info, "transient": transient, "retry_after": wait}
    token_key = "meta.access_token"
    if code == 190 or answer.status == 401:
        return AuthError(
            service,
            message,
            hint=f"The access token is invalid or expired: replace {token_key} ({env_name(token_key)}).",
            **common,
        )
    if code == 10 or (code is not None and 200 <= code <= 299) or answer.status == 403:
        return AuthError(
            service,
            message,
            hint="The token lacks permission for this phone number (whatsapp_business_management).",
            **common,
        )
    if code == 803 or answer.status == 404:
        return NotFoundError(service, message, hint="It may have been deleted; reload the list.", **common)
    if code in THROTTLE_CODES or answer.status == 429:
        return RateLimitError(service, message, hint="Rate limited: wait a little and try again.", **common)
    if answer.status >= 500 or transient:
        return ServerError(service, message, hint="A temporary fault at Meta; try again shortly.", **common)
    return RequestError(service, message, **common)


class MetaClient:
    """Message QR codes of one phone number on the Graph API. Implements CodesProvider."""

    name = SERVICE
    update_keeps_code = True

    def __init__(
        self,
        settings: MetaSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
        retries: int = 3,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not settings.configured:
            raise ValueError("Meta settings are incomplete")
        assert settings.access_token is not None and settings.phone_number_id is not None
        token = settings.access_token.get_secret_value()
        base = f"{settings.base_url.rstrip('/')}/{settings.api_version}/{settings.phone_number_id}/"
        self.http = HttpService(SERVICE, base, secrets=[token], timeout=timeout, transport=transport)
        self._auth = {"Authorization": f"Bearer {token}"}
        self.account = settings.phone_number_id
        self.retries = retries
        self.sleep = sleep
        self.usage: dict[str, Any] | None = None
        self.usage_percent: int | None = None

    async def aclose(self) -> None:
        await self.http.aclose()

    # -- requests -------------------------------------------------------------------------

    async def _call(self, method: str, path: str, *, idempotent: bool = True, **kwargs: Any) -> Any:
        """One Graph call with bounded retries of transient faults.

        Network faults are retried only for idempotent calls: a create whose answer was
        lost may have happened, and repeating it would make a second code.
        """
        for attempt in range(self.retries):
            last = attempt == self.retries - 1
            try:
                answer = await self.http.send(method, path, headers=self._auth, **kwargs)
                self._read_usage(answer)
                body = self.http.json(answer)
                if answer.status >= 400 or (isinstance(body, dict) and "error" in body):
                    raise graph_error(SERVICE, answer, body)
                return body
            except ApiError as exc:
                # A network fault may hide a create that happened; a Graph error envelope says it did not.
                retry = exc.transient and (idempotent or exc.graph is not None)
                if last or not retry:
                    raise
                log.info("%s, retrying (%d/%d)", exc.text(), attempt + 2, self.retries)
                await self.sleep(exc.retry_after if exc.retry_after is not None else 0.5 * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _read_usage(self, answer: Answer) -> None:
        raw = answer.headers.get(USAGE_HEADER)
        if not raw:
            return
        try:
            usage = json.loads(raw)
            figures = [
                int(entry.get(key, 0))
                for entries in usage.values()
                for entry in entries
                for key in ("call_count", "total_cputime", "total_time")
            ]
        except (ValueError, AttributeError, TypeError):
            return
        self.usage = usage
        self.usage_percent = max(figures, default=0)

    def _codes(self, body: Any, key: str = "data") -> list[QrCode]:
        try:
            return [QrCode.model_validate(item) for item in body[key]]
        except (KeyError, TypeError, ValueError) as exc:
            raise BadResponseError(SERVICE, f"unexpected answer shape ({type(exc).__name__})") from None

    def _code(self, body: Any) -> QrCode:
        try:
            return QrCode.model_validate(body)
        except (TypeError, ValueError):
            raise BadResponseError(SERVICE, "unexpected answer shape for a QR code") from None

    # -- CodesProvider --------------------------------------------------------------------

    async def list_page(
        self,
        *,
        limit: int = PAGE_SIZE,
        after: str | None = None,
        before: str | None = None,
        code: str | None = None,
        fields: str = LIST_FIELDS,
    ) -> Page:
        params: dict[str, Any] = {"fields": fields, "limit": limit}
        if after:
            params["after"] = after
        if before:
            params["before"] = before
        if code:
            params["code"] = code
        body = await self._call("GET", "message_qrdls", params=params)
        items = self._codes(body)
        paging = body.get("paging")
        paging = paging if isinstance(paging, dict) else {}
        cursors = paging.get("cursors")
        cursors = cursors if isinstance(cursors, dict) else {}
        try:
            return Page(
                items=items,
                after=cursors.get("after"),
                before=cursors.get("before"),
                has_next=bool(paging.get("next")),
                has_previous=bool(paging.get("previous")),
            )
        except ValueError:
            raise BadResponseError(SERVICE, "unexpected paging in the answer") from None

    async def get(self, code: str, fields: str = LIST_FIELDS) -> QrCode | None:
        body = await self._call("GET", f"message_qrdls/{code}", params={"fields": fields})
        items = self._codes(body)
        return items[0] if items else None

    async def create(self, message: str, image_format: ImageFormat | None = None) -> QrCode:
        payload: dict[str, Any] = {"prefilled_message": message}
        if image_format:
            payload["generate_qr_image"] = image_format
        return self._code(await self._call("POST", "message_qrdls", json=payload, idempotent=False))

    async def update(self, code: str, message: str) -> QrCode:
        payload = {"code": code, "prefilled_message": message}
        # Same code, same message: repeating it is harmless, so network faults may retry.
        return self._code(await self._call("POST", "message_qrdls", json=payload))

    async def delete(self, code: str) -> None:
        body = await self._call("DELETE", f"message_qrdls/{code}")
        if not (isinstance(body, dict) and body.get("success") is True):
            raise BadResponseError(SERVICE, "the delete was not confirmed")

    async def image_url(self, code: str, image_format: ImageFormat) -> str | None:
        found = await self.get(code, fields=f"code,deep_link_url,qr_image_url.format({image_format})")
        return found.qr_image_url if found else None

    async def fetch_image(self, url: str) -> bytes:
        """Download the service's image (no credentials are sent with it)."""
        return await self.http.download(url)
