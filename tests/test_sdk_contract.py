"""Contract tests: the official SDKs, which nobody here wrote, against the (strict) sandbox.

Every operation waqr uses is driven through pywa (Meta), `whatsapp-api-client-python`
(Green API) and `alibabacloud-cams20200606` (CAMS), and the answers are asserted. A
sandbox change that a real client would not survive fails here. Where an SDK and the
docs disagree, the docs win and the test says so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
from alibabacloud_cams20200606 import models as cams_models
from alibabacloud_cams20200606.client import Client as CamsClient
from alibabacloud_tea_openapi.models import Config
from pywa import WhatsApp
from pywa.errors import WhatsAppError
from pywa.types.others import Pagination
from whatsapp_api_client_python import API

from tui.qr.decode import decode_base64_image
from tui.sandbox import Sandbox, cams, green, meta


# -- Meta: pywa -----------------------------------------------------------------------------


@pytest.fixture
def wa(sandbox: Sandbox) -> Iterator[WhatsApp]:
    session = httpx.Client(timeout=10)
    client = WhatsApp(phone_id=meta.PHONE_NUMBER_ID, token=meta.TOKEN, session=session, api_version="23.0")
    # pywa fixes its base URL to graph.facebook.com (pywa/api.py): point its session here instead.
    session.base_url = f"{sandbox.url}/v23.0"
    yield client
    session.close()


def test_pywa_lists_and_pages_both_ways(wa: WhatsApp, sandbox: Sandbox) -> None:
    first = wa.get_qr_codes(pagination=Pagination(limit=25))
    assert [q.code for q in first] == [c.code for c in sandbox.meta.newest_first()[:25]]
    assert first.has_next and not first.has_previous and first.after
    second = first.next()  # follows `paging.next`, a full URL
    third = second.next()
    assert len(second) == 25 and len(third) == 10 and not third.has_next
    back = third.previous()
    assert [q.code for q in back] == [q.code for q in second]
    # pywa asks only for documented third-party fields: no creation_time, no formatless image URL.
    assert all(q.qr_image_url is None for q in first)
    with_images = wa.get_qr_codes(image_type="SVG", pagination=Pagination(limit=2))
    assert all(httpx.get(q.qr_image_url).headers["content-type"] == "image/svg+xml" for q in with_images)


def test_pywa_cursors_go_stale_after_a_change(wa: WhatsApp) -> None:
    first = wa.get_qr_codes(pagination=Pagination(limit=5))
    wa.create_qr_code("A change")
    with pytest.raises(WhatsAppError) as info:
        first.next()
    assert info.value.code == 100  # "(#100) Invalid cursor": pywa's advice too ("Don't store cursors")


def test_pywa_get_create_update_delete(wa: WhatsApp) -> None:
    made = wa.create_qr_code("Hello from pywa", image_type="PNG")  # pywa always sends generate_qr_image
    assert made.code and made.deep_link_url == f"https://wa.me/message/{made.code}"
    assert httpx.get(made.qr_image_url).content.startswith(b"\x89PNG")
    assert wa.get_qr_code(made.code).prefilled_message == "Hello from pywa"
    svg = wa.get_qr_code(made.code, image_type="SVG")
    assert b"<svg" in httpx.get(svg.qr_image_url).content
    updated = wa.update_qr_code(made.code, "Changed by pywa")
    assert updated.code == made.code and updated.prefilled_message == "Changed by pywa"
    assert wa.delete_qr_code(made.code).success is True
    assert wa.get_qr_code(made.code) is None  # GET of an unknown code: {"data": []}
    with pytest.raises(WhatsAppError) as info:
        wa.delete_qr_code(made.code)
    # Graph's "object does not exist" (100/33), which waqr also reads as not found.
    assert (info.value.code, info.value.subcode) == (100, 33)


def test_pywa_errors_are_graph_envelopes(wa: WhatsApp, sandbox: Sandbox) -> None:
    with pytest.raises(WhatsAppError) as info:
        wa.create_qr_code("x" * 141)
    assert info.value.code == 100 and "140" in info.value.message
    wa.api._session.headers["Authorization"] = "Bearer wrong"
    with pytest.raises(WhatsAppError) as info:
        wa.get_qr_codes()
    assert info.value.code == 190


# -- Green API: whatsapp-api-client-python ------------------------------------------------


@pytest.fixture
def green_api(sandbox: Sandbox) -> Iterator[API.GreenAPI]:
    sandbox.green.rate_limits = False  # the SDK retries a 429 after a second: covered on its own below
    client = API.GreenAPI(green.ID_INSTANCE, green.TOKEN, host=sandbox.url, host_timeout=10)
    client.logger.setLevel(logging.CRITICAL)  # its own stream handler would print refused requests
    yield client
    client.session.close()


def test_green_sdk_links_with_a_qr(green_api: API.GreenAPI, sandbox: Sandbox) -> None:
    qr = green_api.account.qr()
    assert qr.code == 200 and qr.data["type"] == "qrCode"
    assert decode_base64_image(qr.data["message"]).startswith("2@")
    assert green_api.account.getStateInstance().data == {"stateInstance": "notAuthorized"}
    assert green_api.account.getWaSettings().data["phone"] == ""
    sandbox.green.scan()
    assert green_api.account.qr().data["type"] == "alreadyLogged"
    assert green_api.account.getStateInstance().data == {"stateInstance": "authorized"}
    assert green_api.account.getWaSettings().data["phone"] == green.ACCOUNT_PHONE
    assert green_api.account.logout().data == {"isLogout": True}
    assert green_api.account.getStateInstance().data == {"stateInstance": "notAuthorized"}
    assert green_api.account.reboot().data == {"isReboot": True}
    assert green_api.account.getStateInstance().data == {"stateInstance": "starting"}


def test_green_sdk_pairing_code(green_api: API.GreenAPI, sandbox: Sandbox) -> None:
    answer = green_api.account.getAuthorizationCode(79001234567)
    assert answer.code == 200 and answer.data["status"] is True and len(answer.data["code"]) == 8
    entered = httpx.post(f"{sandbox.url}/_sandbox/green/{green.ID_INSTANCE}/enter-code",
                         json={"code": answer.data["code"]})
    assert entered.json()["ok"] and green_api.account.getStateInstance().data["stateInstance"] == "authorized"


def test_green_sdk_errors(sandbox: Sandbox) -> None:
    wrong = API.GreenAPI(green.ID_INSTANCE, "not-the-token", host=sandbox.url)
    wrong.logger.setLevel(logging.CRITICAL)
    assert wrong.account.getStateInstance().code == 401
    other = API.GreenAPI("1", green.TOKEN, host=sandbox.url)
    other.logger.setLevel(logging.CRITICAL)
    assert other.account.getStateInstance().code == 403
    # Rate limits: the SDK retries a 429 itself (urllib3 Retry, honouring Retry-After).
    limited = API.GreenAPI(green.ID_INSTANCE, green.TOKEN, host=sandbox.url)
    limited.logger.setLevel(logging.CRITICAL)
    before = len(sandbox.green.log)
    states = [limited.account.getStateInstance().code for _ in range(2)]
    assert states == [200, 200] and len(sandbox.green.log) - before == 3  # the second refused once, then retried


# -- CAMS: alibabacloud-cams20200606 ----------------------------------------------------------


@pytest.fixture
def cams_sdk(sandbox: Sandbox) -> CamsClient:
    config = Config(access_key_id=cams.ACCESS_KEY_ID, access_key_secret=cams.ACCESS_KEY_SECRET,
                    endpoint=sandbox.url.removeprefix("http://"), protocol="HTTP")
    return CamsClient(config)


def test_cams_sdk_list_create_update_delete(cams_sdk: CamsClient, sandbox: Sandbox) -> None:
    phone = cams.PHONE_NUMBER
    listed = cams_sdk.list_phone_message_qrdl(cams_models.ListPhoneMessageQrdlRequest(phone_number=phone))
    assert listed.body.code == "OK" and len(listed.body.data) == 30
    made = cams_sdk.create_phone_message_qrdl(cams_models.CreatePhoneMessageQrdlRequest(
        phone_number=phone, generate_qr_image="SVG", prefilled_message="Hola ~ señor, 1+1=2"))
    data = made.body.data
    assert made.body.code == "OK" and data.generate_qr_image == "SVG" and data.prefilled_message == "Hola ~ señor, 1+1=2"
    image = httpx.get(data.qr_image_url)  # served by the sandbox; the URL does not say SVG
    assert image.headers["content-type"] == "image/svg+xml" and not data.qr_image_url.split("?")[0].endswith(".svg")
    updated = cams_sdk.update_phone_message_qrdl(cams_models.UpdatePhoneMessageQrdlRequest(
        phone_number=phone, qrdl_code=data.qrdl_code, prefilled_message="Adiós", generate_qr_image="SVG"))
    assert updated.body.code == "OK" and updated.body.data.qrdl_code != data.qrdl_code  # take the code from the answer
    deleted = cams_sdk.delete_phone_message_qrdl(cams_models.DeletePhoneMessageQrdlRequest(
        phone_number=phone, qrdl_code=updated.body.data.qrdl_code))
    assert deleted.body.code == "OK"
    again = cams_sdk.delete_phone_message_qrdl(cams_models.DeletePhoneMessageQrdlRequest(
        phone_number=phone, qrdl_code=updated.body.data.qrdl_code))
    # The SDK returns a business error on HTTP 200 as a normal answer; the docs say check Code, as waqr does.
    assert again.status_code == 200 and again.body.code == "Qrdl.NotExist"


def test_cams_sdk_sees_the_documented_errors(cams_sdk: CamsClient, sandbox: Sandbox) -> None:
    from Tea.exceptions import TeaException

    sandbox.cams.inject("System.LimitControl")
    with pytest.raises(TeaException) as info:
        cams_sdk.list_phone_message_qrdl(cams_models.ListPhoneMessageQrdlRequest(phone_number=cams.PHONE_NUMBER))
    assert info.value.code == "System.LimitControl" and info.value.data["statusCode"] == 400
    missing_format = cams_sdk.update_phone_message_qrdl(cams_models.UpdatePhoneMessageQrdlRequest(
        phone_number=cams.PHONE_NUMBER, qrdl_code=next(iter(sandbox.cams.codes)), prefilled_message="x"))
    # The SDK lets GenerateQrImage out of an update; the docs (README) require it: the sandbox refuses.
    assert missing_format.body.code == "InvalidParameter"
