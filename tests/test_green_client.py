"""Green API client: methods, error mapping, rate limits, and the token never shown."""

from __future__ import annotations

import time

import httpx
import pytest

from tui.api.errors import ApiError, AuthError, BadResponseError, NetworkError, RateLimitError
from tui.api.green import GreenClient
from tui.config import GreenSettings, Settings
from tui.qr.decode import decode_base64_image
from tui.sandbox import Sandbox

TOKEN = "0123456789abcdef0123456789abcdef0123456789abcdef"
GREEN = GreenSettings(api_url="https://7105.api.greenapi.test", id_instance="7105000001", api_token_instance=TOKEN)


def mock(handler) -> GreenClient:
    return GreenClient(GREEN, transport=httpx.MockTransport(handler))


@pytest.fixture
async def client(settings: Settings):
    c = GreenClient(settings.green)
    yield c
    await c.aclose()


async def test_methods_against_the_sandbox(client: GreenClient, sandbox: Sandbox) -> None:
    qr = await client.qr()
    assert qr.type == "qrCode" and decode_base64_image(qr.message).startswith("2@")
    assert await client.state() == "notAuthorized"
    sandbox.green.scan()
    assert (await client.qr()).type == "alreadyLogged"
    assert (await client.wa_settings()).phone == "79001234567"
    assert await client.logout() is True
    code = await client.authorization_code("79001234567")
    assert code.status and len(code.code) == 8
    assert await client.reboot() is True


async def test_phone_number_is_checked_before_sending(client: GreenClient) -> None:
    for bad in ("+7 900 123", "abc", "123", "7900-123-45-67"):
        with pytest.raises(ValueError):
            await client.authorization_code(bad)


async def test_the_token_never_appears_in_errors() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach {request.url}", request=request)

    for handler in (
        refuse,
        lambda r: httpx.Response(401, text=f"bad token {TOKEN}"),
        lambda r: httpx.Response(500, text=f"error at {r.url}"),
        lambda r: httpx.Response(400, json={"message": f"wrong {TOKEN}"}),
        lambda r: httpx.Response(200, text=f"<html>{r.url}</html>"),
    ):
        with pytest.raises(ApiError) as info:
            await mock(handler).qr()
        shown = info.value.describe() + repr(info.value) + str(info.value.__cause__ or "")
        assert TOKEN not in shown, shown
    assert TOKEN not in mock(refuse).shown_url("qr") and "***" in mock(refuse).shown_url("qr")


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (401, "Unauthorized", AuthError),
        (403, "Forbidden", AuthError),
        (429, "Too Many Requests", RateLimitError),
        (466, '{"code": 466, "description": "Quota exceeded", "message": "monthly quota of 100 requests"}', RateLimitError),
    ],
)
async def test_http_errors_are_typed(status: int, body: str, kind: type) -> None:
    with pytest.raises(kind) as info:
        await mock(lambda r: httpx.Response(status, text=body)).qr()
    if status == 466:
        assert "monthly quota" in str(info.value)


async def test_timeouts_and_bad_shapes() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(NetworkError, match="within"):
        await mock(slow).qr()
    with pytest.raises(BadResponseError):
        await mock(lambda r: httpx.Response(200, json={"type": "weird"})).qr()


async def test_rate_limits_are_respected_client_side() -> None:
    starts: list[float] = []

    def record(request: httpx.Request) -> httpx.Response:
        starts.append(time.monotonic())
        return httpx.Response(200, json={"stateInstance": "authorized"})

    c = mock(record)
    for _ in range(3):
        await c.state()
    assert starts[2] - starts[0] >= 1.9  # getStateInstance: 1 per second
