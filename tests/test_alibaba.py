"""CAMS: our V3 signer against the official SDK (test-only oracle), and the client on the sandbox."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from alibabacloud_tea_openapi.utils import Utils
from darabonba.request import DaraRequest

from tui.api import acs3
from tui.api.alibaba import AlibabaClient
from tui.api.errors import AuthError, NotFoundError, RequestError
from tui.config import Settings, load_settings
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
