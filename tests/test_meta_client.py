"""Meta client: against the strict and the lenient sandbox, and mock transports for the rest."""

from __future__ import annotations

import json

import httpx
import pytest
from pydantic import SecretStr

from tui import __version__
from tui.api.errors import (
    AuthError,
    BadResponseError,
    NetworkError,
    NotFoundError,
    RateLimitError,
    RequestError,
    StaleCursorError,
)
from tui.api.meta import MetaClient, api_version, usage_percent
from tui.api.provider import CodesProvider
from tui.config import MetaSettings, load_settings
from tui.sandbox import Sandbox, meta

META = MetaSettings(base_url="https://graph.test", phone_number_id="123", access_token="tok-secret-1")


async def no_sleep(_: float) -> None:
    return None


def mock(handler, settings: MetaSettings = META, retries: int = 3) -> MetaClient:
    return MetaClient(settings, transport=httpx.MockTransport(handler), sleep=no_sleep, retries=retries)


def envelope(code: int, status: int = 400, **extra) -> httpx.Response:
    error = {"message": f"boom {code}", "type": "OAuthException", "code": code, "fbtrace_id": "AbC123", **extra}
    return httpx.Response(status, json={"error": error})


def recorder(answer=None) -> tuple[list[httpx.Request], object]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer(request) if answer else httpx.Response(200, json={"data": []})

    return seen, handler


@pytest.fixture(params=[True, False], ids=["strict", "lenient"])
def any_sandbox(request: pytest.FixtureRequest):
    with Sandbox(strict=request.param) as running:
        yield running


@pytest.fixture
async def client(any_sandbox: Sandbox):
    c = MetaClient(load_settings(overrides=any_sandbox.settings()).meta)
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


async def test_find_get_create_update_delete_and_image(client: MetaClient, any_sandbox: Sandbox) -> None:
    made = await client.create("Hi there", "SVG")
    assert made.qr_image_url and made.image_format == "SVG" and made.deep_link_url.endswith(made.code)
    assert (await client.fetch_image(made.qr_image_url, "SVG")).lstrip().startswith(b"<?xml")
    assert (await client.list_page(code=made.code)).items[0].code == made.code
    edited = await client.update(made.code, "Changed")
    assert edited.code == made.code and edited.prefilled_message == "Changed"
    assert (await client.get(made.code)).prefilled_message == "Changed"
    url = await client.image_url(made.code, "PNG")
    assert url and "png" not in url.lower()  # the format is not in the URL (as Meta's CDN URLs)
    assert (await client.fetch_image(url)).startswith(b"\x89PNG")  # checked as the PNG it was asked for
    await client.delete(made.code)
    assert await client.get(made.code) is None
    with pytest.raises(NotFoundError) as info:
        await client.delete(made.code)
    # strict: Graph's "object does not exist" (100/33); lenient: 803 - both are not found
    expected = (100, 33) if any_sandbox.strict else (803, None)
    assert (info.value.graph.code, info.value.graph.error_subcode) == expected


async def test_create_without_a_format_still_asks_for_an_image(client: MetaClient) -> None:
    made = await client.create("No format chosen", None)
    assert made.qr_image_url and made.image_format == "PNG"


async def test_over_140_is_refused_with_the_user_message(client: MetaClient) -> None:
    with pytest.raises(RequestError) as info:
        await client.create("x" * 141)
    assert info.value.graph.code == 100 and "140" in info.value.describe()


async def test_cursors_are_never_replayed_after_a_change(client: MetaClient, any_sandbox: Sandbox) -> None:
    first = await client.list_page()
    assert first.generation == client.generation
    await client.create("A change")
    with pytest.raises(StaleCursorError):
        await client.list_page(after=first.after)  # refused here: no request
    assert first.generation < client.generation
    fresh = await client.list_page()
    assert (await client.list_page(after=fresh.after)).items


async def test_a_stale_cursor_from_graph_is_a_stale_cursor_error() -> None:
    async def other_change() -> None:
        """A change made elsewhere (another tool, a colleague)."""
        c = MetaClient(load_settings(overrides=strict.settings()).meta)
        await c.create("From elsewhere")
        await c.aclose()

    with Sandbox(strict=True) as strict:
        c = MetaClient(load_settings(overrides=strict.settings()).meta)
        first = await c.list_page()
        await other_change()
        with pytest.raises(StaleCursorError) as info:
            await c.list_page(after=first.after)
        assert info.value.graph.code == 100 and "first page" in info.value.describe()
        await c.aclose()


@pytest.mark.parametrize("version", ["v23.0", "23.0", "23", "V23.0"])
async def test_both_spellings_of_the_api_version_work(any_sandbox: Sandbox, version: str) -> None:
    settings = load_settings(overrides={**any_sandbox.settings(), "meta.api_version": version}).meta
    c = MetaClient(settings)
    assert len((await c.list_page(limit=3)).items) == 3
    await c.aclose()
    assert api_version(version) == "v23.0"


async def test_a_bare_host_is_https() -> None:
    seen, handler = recorder()
    await mock(handler, META.model_copy(update={"base_url": "graph.test"})).list_page()
    assert str(seen[0].url).startswith("https://graph.test/v23.0/123/message_qrdls?")


async def test_asks_only_documented_fields_and_names_the_image_format() -> None:
    seen, handler = recorder(lambda r: httpx.Response(200, json={"data": [
        {"code": "C1", "prefilled_message": "m", "deep_link_url": "https://wa.me/message/C1",
         "qr_image_url": "https://cdn.test/x"}]}))
    c = mock(handler)
    await c.list_page()
    await c.get("C1")
    await c.image_url("C1", "SVG")
    fields = [r.url.params["fields"] for r in seen]
    assert fields[:2] == ["code,prefilled_message,deep_link_url"] * 2
    assert fields[2] == "code,prefilled_message,deep_link_url,qr_image_url.format(SVG)"
    assert not any("creation_time" in f for f in fields)


@pytest.mark.parametrize(("chosen", "sent"), [("PNG", "PNG"), ("SVG", "SVG"), (None, "PNG")])
async def test_create_always_sends_generate_qr_image(chosen, sent) -> None:
    seen, handler = recorder(lambda r: httpx.Response(200, json={"code": "C1", "prefilled_message": "m",
                                                                 "deep_link_url": "https://wa.me/message/C1"}))
    await mock(handler).create("m", chosen)
    assert json.loads(seen[0].content) == {"prefilled_message": "m", "generate_qr_image": sent}


async def test_sends_user_agent_and_bearer_not_in_url() -> None:
    seen, handler = recorder()
    await mock(handler).list_page()
    assert seen[0].headers["user-agent"] == f"waqr/{__version__}"
    assert seen[0].headers["authorization"] == "Bearer tok-secret-1"
    assert "tok-secret-1" not in str(seen[0].url)


@pytest.mark.parametrize(("code", "words"), [(190, "replace meta.access_token"), (104, "set meta.access_token")])
async def test_token_errors_say_what_to_do(code: int, words: str) -> None:
    c = mock(lambda r: envelope(code, 401 if code == 190 else 400))
    with pytest.raises(AuthError) as info:
        await c.list_page()
    err = info.value
    assert err.graph.fbtrace_id == "AbC123" and words in err.describe() and "WAQR_META__ACCESS_TOKEN" in err.describe()
    assert "fbtrace_id AbC123" in str(err)


async def test_an_error_that_echoes_the_token_is_redacted() -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        said = f"Malformed access token {request.headers['authorization'][7:]}"
        return httpx.Response(400, json={"error": {"message": said, "code": 190, "error_user_msg": said,
                                                   "fbtrace_id": "tok-secret-1"}})

    with pytest.raises(AuthError) as info:
        await mock(echo).list_page()
    shown = info.value.describe() + repr(info.value) + info.value.graph.model_dump_json()
    assert "tok-secret-1" not in shown and "***" in info.value.message


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


async def test_retry_after_is_honoured_and_a_long_one_is_left_to_the_caller() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    def answer(wait: str):
        return lambda r: httpx.Response(429, headers={"Retry-After": wait}, json={"error": {"message": "slow",
                                                                                        "code": 4}})

    with pytest.raises(RateLimitError):
        await MetaClient(META, transport=httpx.MockTransport(answer("2")), sleep=sleep).list_page()
    assert waits == [2.0, 2.0]
    waits.clear()
    with pytest.raises(RateLimitError) as info:
        await MetaClient(META, transport=httpx.MockTransport(answer("120")), sleep=sleep).list_page()
    assert waits == [] and info.value.retry_after == 120.0


@pytest.mark.parametrize(("code", "subcode"), [(100, None), (803, None), (200, None), (10, None), (100, 33)])
async def test_permanent_errors_are_not_retried(code: int, subcode: int | None) -> None:
    calls = []
    extra = {"error_subcode": subcode} if subcode else {}
    c = mock(lambda r: (calls.append(1), envelope(code, 404 if code == 803 else 400, **extra))[1])
    with pytest.raises((RequestError, NotFoundError, AuthError)) as info:
        await c.list_page()
    assert len(calls) == 1
    if code in (803,) or subcode == 33:
        assert isinstance(info.value, NotFoundError)


async def test_not_found_as_100_33_on_any_status() -> None:
    c = mock(lambda r: envelope(100, 400, error_subcode=33))
    assert await c.get("GONE1") is None
    with pytest.raises(NotFoundError):
        await c.delete("GONE1")
    with pytest.raises(NotFoundError):
        await mock(lambda r: envelope(100, 200, error_subcode=33)).update("GONE1", "m")


async def test_create_is_not_repeated_after_a_network_fault_and_says_the_outcome_is_unknown() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(NetworkError) as info:
        await mock(handler).create("once")
    assert calls == ["POST"] and info.value.outcome_unknown
    calls.clear()
    with pytest.raises(NetworkError) as info:
        await mock(handler).list_page()
    assert calls == ["GET"] * 3 and not info.value.outcome_unknown


async def test_a_refused_connection_is_not_an_unknown_outcome() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(NetworkError) as info:
        await mock(refuse).create("once")
    assert not info.value.outcome_unknown


async def test_a_delete_whose_answer_was_lost_is_done_when_the_retry_finds_it_gone() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ReadError("dropped", request=request)
        return envelope(803, 404)

    await mock(handler).delete("C1")
    assert len(calls) == 2


async def test_bad_shapes_are_bad_response_errors() -> None:
    for body in (b"[]", b'{"data": 5}', b'{"data": [{"nope": 1}]}', b"<html>oops</html>", b"",
                 b'{"data": [], "paging": 7}', b"[" * 100_000 + b"]" * 100_000):
        with pytest.raises(BadResponseError):
            await mock(lambda r, b=body: httpx.Response(200, content=b)).list_page()


async def test_out_of_range_numbers_do_not_escape() -> None:
    item = {"code": "C1", "prefilled_message": "m", "deep_link_url": "https://wa.me/message/C1",
            "creation_time": 99999999999999999999}
    usage = '{"1": [{"call_count": 1e999, "total_cputime": 3, "total_time": 4}]}'
    c = mock(lambda r: httpx.Response(200, json={"data": [item]}, headers={"x-business-use-case-usage": usage}))
    page = await c.list_page()
    assert page.items[0].creation_time is None and c.usage_percent == 4


async def test_usage_header_is_kept() -> None:
    usage = '{"1": [{"type": "whatsapp_business_management", "call_count": 87, "total_cputime": 3, "total_time": 4}]}'
    c = mock(lambda r: httpx.Response(200, json={"data": []}, headers={"x-business-use-case-usage": usage}))
    await c.list_page()
    assert c.usage_percent == 87
    assert usage_percent("not json") is None and usage_percent('{"1": [{"call_count": 250}]}') == 100


async def test_a_huge_page_is_cut_to_the_limit_and_a_cursor_that_does_not_move_ends_paging() -> None:
    item = {"code": "C1", "prefilled_message": "m", "deep_link_url": "https://wa.me/message/C1"}
    paging = {"cursors": {"before": "B", "after": "SAME"}, "next": "https://graph.test/next"}
    c = mock(lambda r: httpx.Response(200, json={"data": [item] * 10_000, "paging": paging}))
    page = await c.list_page(limit=25, after="SAME")
    assert len(page.items) == 25 and not page.has_next
    assert (await c.list_page(limit=25)).has_next


@pytest.mark.parametrize(("code", "tail"), [
    ("../../222/x", "message_qrdls/..%2F..%2F222%2Fx"),
    ("..", "message_qrdls/%2E%2E"),
    ("A?b=c#d", "message_qrdls/A%3Fb%3Dc%23d"),
    ("\x01", "message_qrdls/%01"),
])
async def test_codes_from_data_never_change_the_path(code: str, tail: str) -> None:
    seen, handler = recorder(lambda r: httpx.Response(200, json={"success": True}))
    await mock(handler).delete(code)
    assert seen[0].url.raw_path.decode().endswith(tail) and seen[0].url.path.startswith("/v23.0/123/message_qrdls/")


async def test_nothing_but_api_errors_escape() -> None:
    for address in ("https://a\x01b", "https://xn--"):  # refused by httpx when built, by idna when sent
        with pytest.raises(RequestError):
            await mock(lambda r: httpx.Response(200), META.model_copy(update={"base_url": address})).list_page()
    with pytest.raises(RequestError):
        await mock(lambda r: httpx.Response(200)).delete("")
    bad_token = META.model_copy(update={"access_token": SecretStr("tök\u2028en")})
    with pytest.raises(RequestError) as info:
        await mock(lambda r: httpx.Response(200), bad_token).list_page()
    assert "tök" not in info.value.describe()
    with pytest.raises(RequestError):
        await mock(lambda r: httpx.Response(200)).create("lone \ud800 surrogate")


async def test_images_are_checked_before_they_are_kept() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 20

    def cdn(request: httpx.Request) -> httpx.Response:
        routes = {
            "/redirect": httpx.Response(302, headers={"Location": "https://elsewhere.test/x"}),
            "/html": httpx.Response(200, content=b"<html></html>", headers={"Content-Type": "text/html"}),
            "/lying": httpx.Response(200, content=b"GIF89a", headers={"Content-Type": "image/png"}),
            "/png": httpx.Response(200, content=png, headers={"Content-Type": "image/png"}),
        }
        return routes[request.url.path]

    c = mock(cdn)
    assert await c.fetch_image("https://cdn.test/png") == png
    for path in ("/redirect", "/html", "/lying"):
        with pytest.raises(BadResponseError):
            await c.fetch_image(f"https://cdn.test{path}")
    with pytest.raises(BadResponseError):
        await c.fetch_image("https://cdn.test/png", "SVG")
    for url in ("http://cdn.test/png", "file:///etc/passwd", "ftp://cdn.test/png"):
        with pytest.raises(RequestError):
            await c.fetch_image(url)


async def test_phone_numbers_of_the_account(any_sandbox: Sandbox) -> None:
    settings = load_settings(overrides=any_sandbox.settings()).meta
    c = MetaClient(settings)
    page = await c.phone_numbers(meta.WABA_ID)
    assert [n.id for n in page.items][0] == meta.PHONE_NUMBER_ID and len(page.items) == 3
    assert {n.quality_rating for n in page.items} == {"GREEN", "YELLOW", "NA"} and not page.has_next
    first = await c.phone_numbers(meta.WABA_ID, limit=2)
    rest = await c.phone_numbers(meta.WABA_ID, limit=2, after=first.after)
    assert first.has_next and [n.id for n in first.items + rest.items] == [n.id for n in page.items]
    await c.aclose()
    limited = MetaClient(settings.model_copy(update={"access_token": SecretStr(meta.TOKEN_NO_MANAGEMENT)}))
    with pytest.raises(AuthError) as info:
        await limited.phone_numbers(meta.WABA_ID)
    assert "whatsapp_business_management" in info.value.describe() and "WAQR_META__WABA_ID" in info.value.describe()
    await limited.aclose()


async def test_each_number_has_its_own_codes(any_sandbox: Sandbox) -> None:
    settings = load_settings(overrides={**any_sandbox.settings(), "meta.phone_number_id": "106540352242923"}).meta
    c = MetaClient(settings)
    assert len((await c.list_page()).items) == 12
    await c.aclose()
