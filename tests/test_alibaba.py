"""CAMS: our V3 signer against the official SDK (test-only oracle), and the client on the sandbox."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import httpx

import pytest
from alibabacloud_tea_openapi.utils import Utils
from darabonba.request import DaraRequest

from tui.api import acs3
from tui.api.alibaba import AlibabaClient
from tui.api.errors import AuthError, NetworkError, NotFoundError, RateLimitError, RequestError, StaleCursorError
from tui.config import AlibabaSettings, Settings, load_settings
from tui.sandbox import Sandbox, cams

WHEN = datetime(2026, 11, 21, 10, 30, 5, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "params",
    [
        {"PhoneNumber": "8613800138000"},
        {"PhoneNumber": "8613800138000", "PrefilledMessage": "Hello world", "GenerateQrImage": "PNG"},
        {"PhoneNumber": "86138", "PrefilledMessage": "Привет, 世界! 👋 café"},
        {"PhoneNumber": "86138", "PrefilledMessage": "a~b*c+d/e?f=g&h%i'j(k)l!m"},
        {"PhoneNumber": "86138", "PrefilledMessage": "", "CustSpaceId": ""},
        {"PhoneNumber": "86138", "QrdlCode": "ABC ~ DEF", "PrefilledMessage": "  spaces  at the ends "},
    ],
)
def test_signer_matches_official_sdk(params: dict[str, str]) -> None:
    ours = acs3.sign(method="POST", host="cams.ap-southeast-1.aliyuncs.com", action="CreatePhoneMessageQrdl",
                     version="2020-06-06", params=params, key_id="LTAIkey", secret="s3cr3t/+=", date=WHEN,
                     nonce="3f1d2c")
    request = DaraRequest()
    request.method = "POST"
    request.pathname = "/"
    request.query = dict(params)
    request.headers = {k: v for k, v in ours.items() if k != "Authorization"}
    theirs = Utils.get_authorization(request, "ACS3-HMAC-SHA256", acs3.sha256_hex(b""), "LTAIkey", "s3cr3t/+=")
    assert ours["Authorization"] == theirs


def test_official_sdk_requests_pass_the_sandbox_check(sandbox: Sandbox) -> None:
    """The other direction: the sandbox's verifier accepts what the SDK signs (more headers included)."""
    from alibabacloud_cams20200606 import models
    from alibabacloud_cams20200606.client import Client
    from alibabacloud_tea_openapi.models import Config

    config = Config(access_key_id=cams.ACCESS_KEY_ID, access_key_secret=cams.ACCESS_KEY_SECRET,
                    endpoint=sandbox.url.removeprefix("http://"), protocol="HTTP")
    client = Client(config)
    made = client.create_phone_message_qrdl(models.CreatePhoneMessageQrdlRequest(
        phone_number=cams.PHONE_NUMBER, generate_qr_image="SVG", prefilled_message="Hola ~ señor, 1+1=2"))
    assert made.body.code == "OK" and made.body.data.prefilled_message == "Hola ~ señor, 1+1=2"
    listed = client.list_phone_message_qrdl(models.ListPhoneMessageQrdlRequest(phone_number=cams.PHONE_NUMBER))
    assert listed.body.data[0].qrdl_code == made.body.data.qrdl_code


@pytest.fixture
async def client(settings: Settings):
    c = AlibabaClient(settings.alibaba)
    yield c
    await c.aclose()


async def test_client_pages_locally(client: AlibabaClient) -> None:
    first = await client.list_page(limit=25)
    assert len(first.items) == 25 and first.has_next and not first.has_previous and first.total == 30
    second = await client.list_page(limit=25, after=first.after)
    assert len(second.items) == 5 and not second.has_next and second.has_previous
    back = await client.list_page(limit=25, before=second.before)
    assert back.items == first.items
    only = await client.list_page(code=first.items[3].code)
    assert only.items == [first.items[3]]


async def test_client_create_update_delete(client: AlibabaClient) -> None:
    made = await client.create("Hello from waqr", "PNG")
    assert (await client.list_page()).items[0].code == made.code
    updated = await client.update(made.code, "Changed")
    assert updated.code != made.code and updated.prefilled_message == "Changed"  # CAMS may change the code
    assert await client.get(made.code) is None
    await client.delete(updated.code)
    with pytest.raises(NotFoundError):
        await client.delete(updated.code)
    with pytest.raises(RequestError, match="140"):
        await client.create("x" * 141)


async def test_wrong_secret_is_an_auth_error_without_the_secret(sandbox: Sandbox) -> None:
    s = load_settings(overrides={**sandbox.settings(), "alibaba.access_key_secret": "wrong-secret-value"})
    c = AlibabaClient(s.alibaba)
    with pytest.raises(AuthError) as info:
        await c.list_page()
    await c.aclose()
    assert "SignatureDoesNotMatch" in str(info.value) and "wrong-secret-value" not in str(info.value)
    assert "WAQR_ALIBABA__ACCESS_KEY_SECRET" in info.value.describe()


@pytest.fixture(params=[True, False], ids=["strict", "lenient"])
async def any_client(request: pytest.FixtureRequest):
    with Sandbox(strict=request.param) as running:
        c = AlibabaClient(load_settings(overrides=running.settings()).alibaba)
        yield c
        await c.aclose()


async def test_image_format_comes_from_generate_qr_image_and_updates_keep_it(any_client: AlibabaClient) -> None:
    made = await any_client.create("An SVG code", "SVG")
    assert made.image_format == "SVG" and "?" in (made.qr_image_url or "")
    assert await any_client.image_url(made.code, "PNG") is None
    url = await any_client.image_url(made.code, "SVG")
    assert url and b"<svg" in await any_client.fetch_image(url)
    updated = await any_client.update(made.code, "Still an SVG code")
    assert updated.image_format == "SVG"
    png = (await any_client.list_page()).items[1]
    assert png.image_format == "PNG"
    assert (await any_client.fetch_image(await any_client.image_url(png.code, "PNG"))).startswith(b"\x89PNG")


async def test_cursors_are_stale_after_a_change(any_client: AlibabaClient) -> None:
    first = await any_client.list_page(limit=10)
    await any_client.create("A change")
    with pytest.raises(StaleCursorError):
        await any_client.list_page(limit=10, after=first.after)
    fresh = await any_client.list_page(limit=10)
    assert (await any_client.list_page(limit=10, after=fresh.after)).items[0] != fresh.items[0]


@pytest.mark.parametrize(("code", "kind", "words"), [
    ("Product.Unsubscript", RequestError, "subscribe"),
    ("Ram.PermissionDeny", AuthError, "WAQR_ALIBABA__ACCESS_KEY_ID"),
    ("System.LimitControl", RateLimitError, "flow control"),
    ("Unknown.ResourceOwnerId", AuthError, "WAQR_ALIBABA__PHONE_NUMBER"),
])
async def test_documented_error_codes(sandbox: Sandbox, code: str, kind: type, words: str) -> None:
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    c = AlibabaClient(load_settings(overrides=sandbox.settings()).alibaba, sleep=sleep)
    sandbox.cams.inject(code, times=1)
    if kind is RateLimitError:  # flow control is retried, once is not enough to fail
        assert (await c.list_page()).items and sleeps == [0.5]
        sandbox.cams.inject(code, times=3)
    with pytest.raises(kind) as info:
        await c.list_page()
    assert info.value.code == code and words in info.value.describe() and info.value.status == 400
    await c.aclose()


async def test_create_is_never_repeated_after_a_network_fault(sandbox: Sandbox) -> None:
    c = AlibabaClient(load_settings(overrides=sandbox.settings()).alibaba, timeout=0.5)
    sandbox.faults.add(r"^/$", status=0, delay=1.0, times=1)
    before = len(sandbox.cams.codes)
    with pytest.raises(NetworkError) as info:
        await c.create("Only once")
    assert info.value.outcome_unknown
    await asyncio.sleep(0.7)  # the slow attempt lands on the server
    assert len(sandbox.cams.codes) == before + 1
    await c.aclose()


def test_a_bare_endpoint_is_https() -> None:
    seen: list[httpx.Request] = []
    settings = AlibabaSettings(endpoint="cams.ap-southeast-1.aliyuncs.com", access_key_id="k",
                               access_key_secret="s", phone_number="1")

    async def go() -> None:
        c = AlibabaClient(settings, transport=httpx.MockTransport(
            lambda r: (seen.append(r), httpx.Response(200, json={"Code": "OK", "Data": []}))[1]))
        await c.list_page()
        await c.aclose()

    asyncio.run(go())
    assert str(seen[0].url).startswith("https://cams.ap-southeast-1.aliyuncs.com/?")
    assert seen[0].headers["host"] == "cams.ap-southeast-1.aliyuncs.com"


async def test_business_errors_on_http_200_are_typed_and_redacted(sandbox: Sandbox) -> None:
    secret = cams.ACCESS_KEY_SECRET

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"Code": "InvalidParameter", "Message": f"bad {secret}", "RequestId": "R1"})

    settings = load_settings(overrides=sandbox.settings()).alibaba
    c = AlibabaClient(settings, transport=httpx.MockTransport(handler))
    with pytest.raises(RequestError) as info:
        await c.list_page()
    assert secret not in info.value.describe() and "(InvalidParameter, request R1)" in str(info.value)
    await c.aclose()
