"""Green API client: methods, error mapping, rate limits, and the token never shown."""

from __future__ import annotations

import time

import httpx
import pytest

from tui.api.errors import ApiError, AuthError, BadResponseError, NetworkError, RateLimitError
from tui.api.green import QR_TIMEOUT, GreenClient
from tui.api.models import GreenInstance
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
    for method in ("qr", "state", "wa_settings", "logout"):
        with pytest.raises(BadResponseError) as info:
            await getattr(mock(lambda r: httpx.Response(200, json=[{"type": "weird"}])), method)()
        assert info.value.transient  # the poller keeps going


async def test_qr_has_a_longer_deadline_than_the_other_methods() -> None:
    deadlines: dict[str, float] = {}

    def record(request: httpx.Request) -> httpx.Response:
        deadlines[request.url.path.split("/")[2]] = request.extensions["timeout"]["read"]
        return httpx.Response(200, json={"type": "alreadyLogged", "message": "", "stateInstance": "authorized"})

    c = mock(record)
    await c.qr()
    await c.state()
    assert deadlines == {"qr": QR_TIMEOUT, "getStateInstance": 10.0} and QR_TIMEOUT >= 60


async def test_ids_and_tokens_from_data_are_path_segments() -> None:
    seen: list[httpx.Request] = []
    odd = GreenSettings(api_url="7105.api.greenapi.test", id_instance="7105000001", api_token_instance="a/../b?c")
    c = GreenClient(odd, transport=httpx.MockTransport(lambda r: (seen.append(r), httpx.Response(
        200, json={"stateInstance": "authorized"}))[1]))
    await c.state()
    assert str(seen[0].url) == "https://7105.api.greenapi.test/waInstance7105000001/getStateInstance/a%2F..%2Fb%3Fc"
    assert "a%2F..%2Fb%3Fc" not in c.shown_url("qr")


async def test_a_client_for_one_fleet_entry_uses_its_own_host() -> None:
    entry = GreenInstance(idInstance="7105000002", apiTokenInstance=TOKEN, name="Shop 2",
                          api_url="https://7105.api.greenapi.test")
    c = GreenClient.from_instance(entry, "https://api.green-api.test")
    assert c.instance == "7105000002" and c.http.client.base_url.host == "7105.api.greenapi.test"
    plain = GreenClient.from_instance(entry.model_copy(update={"api_url": None}), "https://api.green-api.test")
    assert plain.http.client.base_url.host == "api.green-api.test"


async def test_rate_limits_are_respected_client_side() -> None:
    starts: list[float] = []

    def record(request: httpx.Request) -> httpx.Response:
        starts.append(time.monotonic())
        return httpx.Response(200, json={"stateInstance": "authorized"})

    c = mock(record)
    for _ in range(3):
        await c.state()
    assert starts[2] - starts[0] >= 1.9  # getStateInstance: 1 per second
