"""Alibaba Cloud CAMS client for message QR codes (`*PhoneMessageQrdl`, API 2020-06-06)."""

from __future__ import annotations

from typing import Any

import httpx

from tui.api import acs3
from tui.api.errors import (
    ApiError,
    AuthError,
    BadResponseError,
    NotFoundError,
    RateLimitError,
    RequestError,
    ServerError,
)
from tui.api.http import HttpService, RateLimiter
from tui.api.models import ImageFormat, Page, QrCode
from tui.api.provider import PAGE_SIZE
from tui.config import AlibabaSettings

SERVICE = "Alibaba CAMS"
VERSION = "2020-06-06"
REQUESTS_PER_SECOND = 5


def _to_code(item: Any) -> QrCode:
    return QrCode(
        code=item["QrdlCode"],
        prefilled_message=item.get("PrefilledMessage") or "",
        deep_link_url=item.get("DeepLinkUrl") or f"https://wa.me/message/{item['QrdlCode']}",
        qr_image_url=item.get("QrImageUrl"),
    )


class AlibabaClient:
    """Message QR codes of one phone number on CAMS. Implements CodesProvider.

    CAMS lists every code at once: pages are cut locally from a snapshot taken on the
    first page (cursors are offsets into it); any change drops the snapshot.
    """

    name = SERVICE
    update_keeps_code = False
    usage_percent: int | None = None

    def __init__(
        self, settings: AlibabaSettings, *, transport: httpx.AsyncBaseTransport | None = None, timeout: float = 10.0
    ) -> None:
        if not settings.configured:
            raise ValueError("Alibaba settings are incomplete")
        assert settings.access_key_secret is not None and settings.access_key_id is not None
        self._key_id = settings.access_key_id
        self._secret = settings.access_key_secret.get_secret_value()
        self.account = settings.phone_number or ""
        self.space = settings.cust_space_id
        self.http = HttpService(SERVICE, settings.endpoint, secrets=[self._secret], timeout=timeout, transport=transport)
        self.limiter = RateLimiter(1 / REQUESTS_PER_SECOND)
        self._snapshot: list[QrCode] | None = None

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _call(self, action: str, **params: str | None) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        query["PhoneNumber"] = self.account
        if self.space:
            query["CustSpaceId"] = self.space
        await self.limiter.wait()
        host = self.http.client.base_url.netloc.decode()
        headers = acs3.sign(
            method="POST", host=host, action=action, version=VERSION, params=query, key_id=self._key_id, secret=self._secret
        )
        answer = await self.http.send("POST", "/?" + acs3.canonical_query(query), headers=headers)
        body = self.http.json(answer)
        if not isinstance(body, dict):
            raise BadResponseError(SERVICE, "unexpected answer shape", transient=True)
        code = body.get("Code")
        if code == "OK" and answer.status < 400:
            return body.get("Data")
        raise self._error(answer.status, str(code or f"HTTP {answer.status}"), body)

    def _error(self, status: int, code: str, body: dict[str, Any]) -> ApiError:
        message = self.http.redact(str(body.get("Message") or code))
        common: dict[str, Any] = {"status": status, "code": code, "request_id": body.get("RequestId")}
        if code.startswith(("InvalidAccessKeyId", "SignatureDoesNotMatch", "IncompleteSignature", "Forbidden")) or (
            code.startswith("Ram.") or "PermissionDen" in code
        ):
            return AuthError(
                SERVICE,
                message,
                hint="Check alibaba.access_key_id (WAQR_ALIBABA__ACCESS_KEY_ID) and alibaba.access_key_secret "
                "(WAQR_ALIBABA__ACCESS_KEY_SECRET), and the key's CAMS permissions.",
                **common,
            )
        if code.startswith(("Throttling", "System.LimitControl")) or status == 429:
            return RateLimitError(SERVICE, message, hint="Rate limited: wait a little and try again.", transient=True, **common)
        if code.endswith("NotExist") or status == 404:
            return NotFoundError(SERVICE, message, hint="It may have been deleted; reload the list.", **common)
        if status >= 500 or code in ("InternalError", "ServiceUnavailable"):
            return ServerError(SERVICE, message, hint="A temporary fault at Alibaba Cloud; try again shortly.", transient=True, **common)
        return RequestError(SERVICE, message, **common)

    def _code(self, data: Any) -> QrCode:
        try:
            return _to_code(data)
        except (KeyError, TypeError, ValueError):
            raise BadResponseError(SERVICE, "unexpected answer shape for a QR code") from None

    async def _list(self) -> list[QrCode]:
        data = await self._call("ListPhoneMessageQrdl")
        try:
            return [_to_code(item) for item in data or []]
        except (KeyError, TypeError, ValueError):
            raise BadResponseError(SERVICE, "unexpected answer shape for the list") from None

    # -- CodesProvider --------------------------------------------------------------------

    async def list_page(
        self, *, limit: int = PAGE_SIZE, after: str | None = None, before: str | None = None, code: str | None = None
    ) -> Page:
        if code:
            return Page(items=[c for c in await self._list() if c.code == code])
        if self._snapshot is None or not (after or before):
            self._snapshot = await self._list()
        codes = self._snapshot
        try:
            if after:
                start = int(after)
            elif before:
                start = max(0, int(before) - limit)
            else:
                start = 0
        except ValueError:
            start = 0
        items = codes[start : start + limit]
        end = start + len(items)
        return Page(
            items=items,
            after=str(end),
            before=str(start),
            has_next=end < len(codes),
            has_previous=start > 0,
            total=len(codes),
        )

    async def get(self, code: str) -> QrCode | None:
        return next((c for c in await self._list() if c.code == code), None)

    async def create(self, message: str, image_format: ImageFormat | None = None) -> QrCode:
        data = await self._call("CreatePhoneMessageQrdl", PrefilledMessage=message, GenerateQrImage=image_format or "PNG")
        self._snapshot = None
        return self._code(data)

    async def update(self, code: str, message: str) -> QrCode:
        data = await self._call("UpdatePhoneMessageQrdl", QrdlCode=code, PrefilledMessage=message, GenerateQrImage="PNG")
        self._snapshot = None
        return self._code(data)

    async def delete(self, code: str) -> None:
        await self._call("DeletePhoneMessageQrdl", QrdlCode=code)
        self._snapshot = None

    async def image_url(self, code: str, image_format: ImageFormat) -> str | None:
        found = await self.get(code)
        if found is None or not found.qr_image_url:
            return None
        return found.qr_image_url if found.qr_image_url.lower().endswith(image_format.lower()) else None

    async def fetch_image(self, url: str) -> bytes:
        """Download the service's image (no credentials are sent with it)."""
        return await self.http.download(url)
