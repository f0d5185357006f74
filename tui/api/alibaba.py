"""Alibaba Cloud CAMS client for message QR codes (`*PhoneMessageQrdl`, API 2020-06-06)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from tui.api import acs3
from tui.api.errors import (
    AuthError,
    NotFoundError,
    RateLimitError,
    RequestError,
    ServerError,
    StaleCursorError,
)
from tui.api.http import DEFAULT_TIMEOUT, RETRIES, Answer, HttpService, RateLimiter, Rule, base_url
from tui.api.models import MAX_CODES, CamsQrdl, ImageFormat, Page, QrCode
from tui.api.provider import PAGE_SIZE
from tui.config import AlibabaSettings, env_name

SERVICE = "Alibaba CAMS"
VERSION = "2020-06-06"
REQUESTS_PER_SECOND = 5

_KEY_ID, _SECRET = "alibaba.access_key_id", "alibaba.access_key_secret"
_PHONE, _SPACE = "alibaba.phone_number", "alibaba.cust_space_id"
KEY_HINT = (
    f"Check {_KEY_ID} ({env_name(_KEY_ID)}) and {_SECRET} ({env_name(_SECRET)}), and the key's CAMS permissions."
)
RULES: tuple[Rule, ...] = (
    # The error codes listed by 001 (all HTTP 400) first, then the signature family.
    Rule(AuthError, code="Ram.PermissionDen*", hint=KEY_HINT),
    Rule(RequestError, code="Product.Unsubscript",
         hint="This Alibaba Cloud account has not subscribed to CAMS: subscribe in the console."),
    Rule(RateLimitError, code="System.LimitControl", hint="CAMS flow control: waqr waits and tries again.",
         transient=True),
    Rule(AuthError, code="Unknown.ResourceOwnerId",
         hint=f"The number belongs to another account: check {_PHONE} ({env_name(_PHONE)}) and {_SPACE} "
              f"({env_name(_SPACE)})."),
    Rule(AuthError, code="InvalidAccessKeyId*", hint=KEY_HINT),
    Rule(AuthError, code="SignatureDoesNotMatch", hint=KEY_HINT),
    Rule(AuthError, code="IncompleteSignature", hint=KEY_HINT),
    Rule(AuthError, code="Forbidden*", hint=KEY_HINT),
    Rule(AuthError, code="*PermissionDen*", hint=KEY_HINT),
    Rule(RequestError, code="InvalidTimeStamp.Expired", hint="Check this computer's clock (signatures carry the time)."),
    Rule(RequestError, code="SignatureNonceUsed", transient=True),
    Rule(RateLimitError, code="Throttling*", hint="Rate limited: waqr waits and tries again.", transient=True),
    Rule(NotFoundError, code="*.NotExist", hint="It may have been deleted; reload the list."),
    Rule(NotFoundError, code="*NotExist*", hint="It may have been deleted; reload the list."),
    Rule(ServerError, code="InternalError", hint="A temporary fault at Alibaba Cloud; waqr tries again.", transient=True),
    Rule(ServerError, code="ServiceUnavailable", hint="A temporary fault at Alibaba Cloud; waqr tries again.",
         transient=True),
    Rule(AuthError, "401", hint=KEY_HINT, message="credentials refused"),
    Rule(AuthError, "403", hint=KEY_HINT, message="access forbidden"),
)


class AlibabaClient:
    """Message QR codes of one phone number on CAMS. Implements CodesProvider.

    CAMS lists every code at once: pages are cut locally from a snapshot taken on the
    first page. Cursors are `generation.offset`: any change drops the snapshot and makes
    older cursors stale (StaleCursorError), as Graph's are.
    """

    name = SERVICE
    update_keeps_code = False
    usage_percent: int | None = None

    def __init__(
        self,
        settings: AlibabaSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = RETRIES,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not settings.configured:
            raise ValueError("Alibaba settings are incomplete")
        assert settings.access_key_secret is not None and settings.access_key_id is not None
        self._key_id = settings.access_key_id
        self._secret = settings.access_key_secret.get_secret_value()
        self.account = settings.phone_number or ""
        self.space = settings.cust_space_id
        self.http = HttpService(SERVICE, base_url(settings.endpoint), secrets=[self._secret], rules=RULES,
                                timeout=timeout, transport=transport, retries=retries, sleep=sleep)
        self.limiter = RateLimiter(1 / REQUESTS_PER_SECOND)
        self.generation = 0
        self._snapshot: list[QrCode] | None = None

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _call(self, action: str, *, idempotent: bool = True, done_if_gone: bool = False,
                    **params: str | None) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        query["PhoneNumber"] = self.account
        if self.space:
            query["CustSpaceId"] = self.space

        async def signed() -> dict[str, str]:
            await self.limiter.wait()
            host = self.http.client.base_url.netloc.decode("ascii")
            return acs3.sign(method="POST", host=host, action=action, version=VERSION, params=query,
                             key_id=self._key_id, secret=self._secret)  # a fresh nonce for every attempt

        return await self.http.call("POST", "/?" + acs3.canonical_query(query), read=self._read, prepare=signed,
                                    idempotent=idempotent, done_if_gone=done_if_gone)

    def _read(self, answer: Answer) -> Any:
        """`Data` of a success; a business error can come with HTTP 200, so `Code` decides."""
        body = self.http.json(answer)
        if not isinstance(body, dict):
            return self.http.parse(dict, body, "the answer")
        code = body.get("Code")
        if code == "OK" and answer.status < 400:
            return body.get("Data")
        code, said, request_id = (str(body[k]) if body.get(k) else None for k in ("Code", "Message", "RequestId"))
        raise self.http.status_error(answer, said or code, code=code or "", request_id=request_id)

    def _code(self, data: Any) -> QrCode:
        return self.http.parse(CamsQrdl, data, "the code").code()

    async def _list(self) -> list[QrCode]:
        data = await self._call("ListPhoneMessageQrdl")
        if isinstance(data, list):
            data = data[:MAX_CODES]  # a number has at most 2,000: more is not kept
        return [item.code() for item in self.http.parse(list[CamsQrdl], data or [], "the list")]

    def _changed(self) -> None:
        self._snapshot = None
        self.forget_cursors()

    def forget_cursors(self) -> None:
        self.generation += 1

    def _offset(self, cursor: str) -> int:
        generation, _, offset = cursor.partition(".")
        if generation != str(self.generation) or not offset.isdigit():
            raise self.http.error(StaleCursorError, "the list changed since this page was read",
                                  hint="Reload from the first page.")
        return int(offset)

    # -- CodesProvider --------------------------------------------------------------------

    async def list_page(
        self, *, limit: int = PAGE_SIZE, after: str | None = None, before: str | None = None, code: str | None = None
    ) -> Page:
        limit = max(1, int(limit))
        if code:
            return Page(items=[c for c in await self._list() if c.code == code][:1], generation=self.generation)
        if after:
            start = self._offset(after)
        elif before:
            start = max(0, self._offset(before) - limit)
        else:
            start = 0
        if self._snapshot is None or not (after or before):
            self._snapshot = await self._list()
        codes = self._snapshot
        items = codes[start : start + limit]
        end = start + len(items)
        return Page(
            items=items,
            after=f"{self.generation}.{end}",
            before=f"{self.generation}.{start}",
            has_next=end < len(codes),
            has_previous=start > 0,
            total=len(codes),
            generation=self.generation,
        )

    async def get(self, code: str) -> QrCode | None:
        return next((c for c in await self._list() if c.code == code), None)

    async def create(self, message: str, image_format: ImageFormat | None = "PNG") -> QrCode:
        fmt = "SVG" if image_format == "SVG" else "PNG"
        try:
            data = await self._call("CreatePhoneMessageQrdl", PrefilledMessage=message, GenerateQrImage=fmt,
                                    idempotent=False)
        finally:
            self._changed()
        return self._code(data)

    async def update(self, code: str, message: str) -> QrCode:
        """The code keeps its own image format (`GenerateQrImage` is required by the action)."""
        fmt = await self._format_of(code)
        try:
            # The code may change: a repeat after a lost answer would name a code that is gone.
            data = await self._call("UpdatePhoneMessageQrdl", QrdlCode=code, PrefilledMessage=message,
                                    GenerateQrImage=fmt, idempotent=False)
        finally:
            self._changed()
        return self._code(data)

    async def _format_of(self, code: str) -> ImageFormat:
        known = next((c for c in self._snapshot or [] if c.code == code), None) or await self.get(code)
        return known.image_format if known is not None and known.image_format else "PNG"

    async def delete(self, code: str) -> None:
        try:
            await self._call("DeletePhoneMessageQrdl", QrdlCode=code, done_if_gone=True)
        finally:
            self._changed()

    async def image_url(self, code: str, image_format: ImageFormat) -> str | None:
        """The code's image URL when it is of that format (told by `GenerateQrImage`, not the URL)."""
        found = await self.get(code)
        if found is None or not found.qr_image_url or found.image_format != image_format:
            return None
        return found.qr_image_url

    async def fetch_image(self, url: str, image_format: ImageFormat | None = None) -> bytes:
        """Download the service's image (no credentials are sent with it)."""
        known = next((c.image_format for c in self._snapshot or [] if c.qr_image_url == url), None)
        return await self.http.download(url, image_format or known)
