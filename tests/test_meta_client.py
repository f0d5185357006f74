"""Meta client: against the sandbox, and mock transports for the error envelope."""

from __future__ import annotations

import httpx
import pytest

from tui import __version__
from tui.api.errors import AuthError, BadResponseError, NetworkError, NotFoundError, RateLimitError, RequestError
from tui.api.meta import MetaClient
from tui.api.provider import CodesProvider
from tui.config import MetaSettings, Settings

META = MetaSettings(base_url="https://graph.test", phone_number_id="123", access_token="tok-secret-1")


async def no_sleep(_: float) -> None:
    return None


def mock(handler) -> MetaClient:
    return MetaClient(META, transport=httpx.MockTransport(handler), sleep=no_sleep)


def envelope(code: int, status: int = 400, **extra) -> httpx.Response:
    error = {"message": f"boom {code}", "type": "OAuthException", "code": code, "fbtrace_id": "AbC123", **extra}
    return httpx.Response(status, json={"error": error})


@pytest.fixture
async def client(settings: Settings):
    c = MetaClient(settings.meta)
    yield c
    await c.aclose()


async def test_is_a_codes_provider(client: MetaClient) -> None:
    assert isinstance(client, CodesProvider)


async def test_pages_to_the_end_and_back(client: MetaClient) -> None:
    pages = [await client.list_page()]
    while pages[-1].has_next:
        pages.append(await client.list_page(after=pages[-1].after))
    assert [len(p.items) for p in pages] == [25, 25, 10]
    assert not pages[0].has_previous and pages[-1].has_previous
    back = await client.list_page(before=pages[-1].before)
    assert back.items == pages[1].items
    assert all(c.creation_time is None for p in pages for c in p.items)  # first-party only: never asked
    assert client.usage_percent is not None


async def test_find_get_create_update_delete_and_image(client: MetaClient) -> None:
    made = await client.create("Hi there", "SVG")
    assert made.qr_image_url and made.deep_link_url.endswith(made.code)
    assert (await client.list_page(code=made.code)).items[0].code == made.code
    edited = await client.update(made.code, "Changed")
    assert edited.code == made.code and edited.prefilled_message == "Changed"
    assert (await client.get(made.code)).prefilled_message == "Changed"
    url = await client.image_url(made.code, "PNG")
    assert url and (await client.fetch_image(url)).startswith(b"\x89PNG")
    await client.delete(made.code)
    assert await client.get(made.code) is None
    with pytest.raises(NotFoundError) as info:
        await client.delete(made.code)
    assert info.value.graph.code == 803


async def test_over_140_is_refused_with_the_user_message(client: MetaClient) -> None:
    with pytest.raises(RequestError) as info:
        await client.create("x" * 141)
    assert info.value.graph.code == 100 and "140" in info.value.describe()


async def test_sends_user_agent_and_bearer_not_in_url() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": []})

    await mock(handler).list_page()
    assert seen[0].headers["user-agent"] == f"waqr/{__version__}"
    assert seen[0].headers["authorization"] == "Bearer tok-secret-1"
    assert "tok-secret-1" not in str(seen[0].url)
    assert "qr_image_url" not in seen[0].url.params["fields"]


async def test_190_says_replace_the_token() -> None:
    c = mock(lambda r: envelope(190, 401))
    with pytest.raises(AuthError) as info:
        await c.list_page()
    err = info.value
    assert err.graph.fbtrace_id == "AbC123" and "WAQR_META__ACCESS_TOKEN" in err.describe()
    assert "fbtrace_id AbC123" in str(err)


async def test_transient_errors_are_retried_a_bounded_number_of_times() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return envelope(2, 500, is_transient=True) if len(calls) < 3 else httpx.Response(200, json={"data": []})

    assert (await mock(handler).list_page()).items == []
    assert len(calls) == 3
    calls.clear()
    with pytest.raises(RateLimitError):
        await mock(lambda r: (calls.append(1), envelope(80007))[1]).list_page()
    assert len(calls) == 3


@pytest.mark.parametrize("code", [100, 803, 200, 10])
async def test_permanent_errors_are_not_retried(code: int) -> None:
    calls = []
    c = mock(lambda r: (calls.append(1), envelope(code, 404 if code == 803 else 400))[1])
    with pytest.raises((RequestError, NotFoundError, AuthError)):
        await c.list_page()
    assert len(calls) == 1


async def test_create_is_not_repeated_after_a_network_fault() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(NetworkError):
        await mock(handler).create("once")
    assert calls == ["POST"]
    calls.clear()
    with pytest.raises(NetworkError):
        await mock(handler).list_page()
    assert calls == ["GET"] * 3


async def test_bad_shapes_are_bad_response_errors() -> None:
    for body in (b"[]", b'{"data": 5}', b'{"data": [{"nope": 1}]}', b"<html>oops</html>", b""):
        with pytest.raises(BadResponseError):
            await mock(lambda r, b=body: httpx.Response(200, content=b)).list_page()


async def test_usage_header_is_kept() -> None:
    usage = '{"1": [{"type": "whatsapp_business_management", "call_count": 87, "total_cputime": 3, "total_time": 4}]}'
    c = mock(lambda r: httpx.Response(200, json={"data": []}, headers={"x-business-use-case-usage": usage}))
    await c.list_page()
    assert c.usage_percent == 87
