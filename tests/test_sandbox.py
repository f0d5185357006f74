"""The sandbox against the services' docs, over real HTTP on loopback."""

from __future__ import annotations

import base64

import httpx
import pytest

from tui.api import acs3
from tui.qr.decode import decode_base64_image
from tui.sandbox import Sandbox
from tui.sandbox import cams, green, meta

AUTH = {"Authorization": f"Bearer {meta.TOKEN}"}


@pytest.fixture
def graph(sandbox: Sandbox) -> httpx.Client:
    with httpx.Client(base_url=f"{sandbox.url}/v23.0/{meta.PHONE_NUMBER_ID}/", headers=AUTH) as client:
        yield client


def test_meta_pages_to_the_end_and_back(graph: httpx.Client, sandbox: Sandbox) -> None:
    seen: list[str] = []
    pages = []
    params = {"limit": 25}
    while True:
        body = graph.get("message_qrdls", params=params).json()
        pages.append(body)
        seen += [c["code"] for c in body["data"]]
        if "next" not in body["paging"]:
            break
        assert body["paging"]["next"].startswith(sandbox.url)  # full URLs
        params = {"limit": 25, "after": body["paging"]["cursors"]["after"]}
    assert len(seen) == len(set(seen)) == 60 and len(pages) == 3
    assert "previous" not in pages[0]["paging"]
    # newest first
    created = [c.seq for c in sandbox.meta.newest_first()]
    assert created == sorted(created, reverse=True)
    assert seen == [c.code for c in sandbox.meta.newest_first()]
    # and back with `before`
    back = graph.get("message_qrdls", params={"limit": 25, "before": pages[2]["paging"]["cursors"]["before"]}).json()
    assert [c["code"] for c in back["data"]] == [c["code"] for c in pages[1]["data"]]
    # following the full `next` URL works as well
    assert httpx.get(pages[0]["paging"]["next"], headers=AUTH).json()["data"] == pages[1]["data"]


def test_meta_fields_filter_and_single_get(graph: httpx.Client) -> None:
    body = graph.get("message_qrdls", params={"limit": 1}).json()
    item = body["data"][0]
    assert set(item) == {"code", "prefilled_message", "deep_link_url"}
    assert item["deep_link_url"] == f"https://wa.me/message/{item['code']}"
    found = graph.get("message_qrdls", params={"code": item["code"]}).json()["data"]
    assert [c["code"] for c in found] == [item["code"]]
    assert graph.get(f"message_qrdls/{item['code']}").json()["data"][0]["code"] == item["code"]
    assert graph.get("message_qrdls/NOPE").json() == {"data": []}
    svg = graph.get(f"message_qrdls/{item['code']}", params={"fields": "qr_image_url.format(SVG)"}).json()
    url = svg["data"][0]["qr_image_url"]
    image = httpx.get(url)
    assert image.status_code == 200 and image.headers["content-type"] == "image/svg+xml"
    assert "oe=" in url and "svg" not in url.lower()  # signed, and the format is not in the URL
    assert httpx.get(url.replace("oe=", "oe=1")).status_code == 403


def test_meta_lenient_sandbox_lets_first_party_fields_and_formatless_images_through() -> None:
    with Sandbox(strict=False) as lenient:
        base = f"{lenient.url}/v23.0/{meta.PHONE_NUMBER_ID}/message_qrdls"
        item = httpx.get(base, params={"limit": 1, "fields": "code,creation_time,qr_image_url"}, headers=AUTH)
        assert item.json()["data"][0]["creation_time"].isdigit() and item.json()["data"][0]["qr_image_url"]
        made = httpx.post(base, json={"prefilled_message": "No image"}, headers=AUTH).json()
        assert "qr_image_url" not in made
        assert httpx.get(base, headers={}).json()["error"]["code"] == 190


def test_meta_create_update_delete(graph: httpx.Client) -> None:
    created = graph.post("message_qrdls", json={"prefilled_message": "Hello", "generate_qr_image": "PNG"}).json()
    code = created["code"]
    assert len(code) == 14 and created["qr_image_url"]
    png = httpx.get(created["qr_image_url"]).content
    assert png.startswith(b"\x89PNG")
    first = graph.get("message_qrdls", params={"limit": 1}).json()["data"][0]
    assert first["code"] == code  # newest first
    updated = graph.post("message_qrdls", data={"code": code, "prefilled_message": "Bye"}).json()  # form body
    assert updated == {"code": code, "prefilled_message": "Bye", "deep_link_url": f"https://wa.me/message/{code}"}
    assert graph.post(f"message_qrdls/{code}", json={"prefilled_message": "Old form"}).json()["code"] == code
    assert graph.delete(f"message_qrdls/{code}").json() == {"success": True}
    gone = graph.delete(f"message_qrdls/{code}").json()["error"]
    assert (gone["code"], gone["error_subcode"]) == (100, 33)  # an unknown object, as Graph often says
    unknown = graph.post("message_qrdls", json={"code": code, "prefilled_message": "x"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == 803


def test_meta_cursors_go_stale_after_any_change(graph: httpx.Client) -> None:
    first = graph.get("message_qrdls", params={"limit": 5}).json()
    after = first["paging"]["cursors"]["after"]
    assert graph.get("message_qrdls", params={"limit": 5, "after": after}).status_code == 200
    graph.post("message_qrdls", json={"prefilled_message": "Change", "generate_qr_image": "PNG"})
    stale = graph.get("message_qrdls", params={"limit": 5, "after": after})
    assert stale.status_code == 400 and stale.json()["error"]["message"] == "(#100) Invalid cursor"
    assert httpx.get(first["paging"]["next"], headers=AUTH).status_code == 400  # the full URL too


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        ("GET", "message_qrdls", {"params": {"limit": 26}}, 400, 100),
        ("GET", "message_qrdls", {"params": {"limit": 0}}, 400, 100),
        ("GET", "message_qrdls", {"params": {"fields": "nope"}}, 400, 100),
        ("GET", "message_qrdls", {"params": {"fields": "code,creation_time"}}, 400, 100),  # first-party only
        ("GET", "message_qrdls", {"params": {"fields": "code,qr_image_url"}}, 400, 100),  # the format is required
        ("GET", "message_qrdls", {"params": {"after": "garbage"}}, 400, 100),
        ("POST", "message_qrdls", {"json": {"prefilled_message": "x" * 141, "generate_qr_image": "PNG"}}, 400, 100),
        ("POST", "message_qrdls", {"json": {"prefilled_message": "no image"}}, 400, 100),  # generate_qr_image required
        ("POST", "message_qrdls", {"json": {"prefilled_message": "x", "generate_qr_image": "GIF"}}, 400, 100),
        ("POST", "message_qrdls", {"json": {}}, 400, 100),
        ("POST", "message_qrdls", {"json": {"code": "UNKNOWN", "prefilled_message": "x"}}, 404, 803),
        ("GET", "phone_numbers", {}, 400, 100),  # a phone number is not a WABA: 100/33
    ],
)
def test_meta_errors_use_the_graph_envelope(graph: httpx.Client, method: str, path: str, kwargs: dict, status: int,
                                             code: int) -> None:
    answer = graph.request(method, path, **kwargs)
    assert answer.status_code == status
    error = answer.json()["error"]
    assert error["code"] == code and error["message"] and error["fbtrace_id"] and error["type"]


def test_meta_tokens_bad_is_190_missing_is_104(sandbox: Sandbox) -> None:
    url = f"{sandbox.url}/v23.0/{meta.PHONE_NUMBER_ID}/message_qrdls"
    bad = httpx.get(url, headers={"Authorization": "Bearer x"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == 190
    missing = httpx.get(url)
    assert missing.status_code == 400 and missing.json()["error"]["code"] == 104


def test_meta_phone_numbers_of_the_waba(sandbox: Sandbox) -> None:
    url = f"{sandbox.url}/v23.0/{meta.WABA_ID}/phone_numbers"
    body = httpx.get(url, params={"fields": "id,display_phone_number,quality_rating", "limit": 2}, headers=AUTH).json()
    assert [set(n) for n in body["data"]] == [{"id", "display_phone_number", "quality_rating"}] * 2
    rest = httpx.get(body["paging"]["next"], headers=AUTH).json()
    assert len(rest["data"]) == 1 and "next" not in rest["paging"] and "previous" in rest["paging"]
    denied = httpx.get(url, headers={"Authorization": f"Bearer {meta.TOKEN_NO_MANAGEMENT}"})
    assert denied.status_code == 403 and denied.json()["error"]["code"] == 200
    assert httpx.get(url, params={"limit": 101}, headers=AUTH).status_code == 400
    other = httpx.get(f"{sandbox.url}/v23.0/{body['data'][1]['id']}/message_qrdls", headers=AUTH).json()
    assert len(other["data"]) == 12  # each number has its own codes


def green_url(sandbox: Sandbox, method: str, token: str = green.TOKEN) -> str:
    return f"{sandbox.url}/waInstance{green.ID_INSTANCE}/{method}/{token}"


def test_green_qr_is_a_real_png_of_a_pairing_string_that_rotates(sandbox: Sandbox) -> None:
    sandbox.green.rate_limits = False
    first = httpx.get(green_url(sandbox, "qr")).json()
    assert first["type"] == "qrCode"
    text = decode_base64_image(first["message"])
    assert text.startswith("2@") and text.count(",") == 3 and 200 <= len(text) <= 260
    assert base64.b64decode(first["message"]).startswith(b"\x89PNG")
    assert decode_base64_image(httpx.get(green_url(sandbox, "qr")).json()["message"]) == text  # same within 20 s
    sandbox.green.advance(20)
    rotated = decode_base64_image(httpx.get(green_url(sandbox, "qr")).json()["message"])
    assert rotated != text and rotated.split(",")[1:] == text.split(",")[1:]  # new ref, same keys


def test_green_scan_logout_and_state(sandbox: Sandbox) -> None:
    sandbox.green.rate_limits = False
    assert httpx.get(green_url(sandbox, "getStateInstance")).json() == {"stateInstance": "notAuthorized"}
    assert httpx.get(green_url(sandbox, "getWaSettings")).json()["phone"] == ""
    assert httpx.post(f"{sandbox.url}/_sandbox/green/{green.ID_INSTANCE}/scan").json()["ok"]
    assert httpx.get(green_url(sandbox, "qr")).json()["type"] == "alreadyLogged"
    assert httpx.get(green_url(sandbox, "getStateInstance")).json() == {"stateInstance": "authorized"}
    assert httpx.get(green_url(sandbox, "getWaSettings")).json()["phone"] == green.ACCOUNT_PHONE
    assert httpx.get(green_url(sandbox, "logout")).json() == {"isLogout": True}
    assert httpx.get(green_url(sandbox, "qr")).json()["type"] == "qrCode"
    assert httpx.get(green_url(sandbox, "reboot")).json() == {"isReboot": True}
    assert httpx.get(green_url(sandbox, "getStateInstance")).json() == {"stateInstance": "starting"}
    assert httpx.get(green_url(sandbox, "qr")).status_code == 400
    sandbox.green.advance(green.REBOOT_SECONDS + 1)
    assert httpx.get(green_url(sandbox, "qr")).json()["type"] == "qrCode"


def test_green_pairing_code_and_errors(sandbox: Sandbox) -> None:
    sandbox.green.rate_limits = False
    answer = httpx.post(green_url(sandbox, "getAuthorizationCode"), json={"phoneNumber": 79001234567}).json()
    assert answer["status"] is True and len(answer["code"]) == 8
    assert httpx.post(green_url(sandbox, "getAuthorizationCode"), json={"phoneNumber": "+7 900"}).status_code == 400
    entered = httpx.post(f"{sandbox.url}/_sandbox/green/{green.ID_INSTANCE}/enter-code", json={"code": answer["code"]})
    assert entered.json()["ok"] and sandbox.green.instance.authorized
    assert httpx.get(green_url(sandbox, "qr", token="wrong")).status_code == 401
    assert httpx.get(f"{sandbox.url}/waInstance1/qr/{green.TOKEN}").status_code == 403


def test_green_rate_limits(sandbox: Sandbox) -> None:
    codes = [httpx.get(green_url(sandbox, "getStateInstance")).status_code for _ in range(3)]
    assert codes[0] == 200 and 429 in codes


def signed(sandbox: Sandbox, action: str, params: dict[str, str], secret: str = cams.ACCESS_KEY_SECRET) -> httpx.Response:
    host = sandbox.url.removeprefix("http://")
    headers = acs3.sign(method="POST", host=host, action=action, version=cams.VERSION, params=params,
                        key_id=cams.ACCESS_KEY_ID, secret=secret)
    return httpx.post(f"{sandbox.url}/?{acs3.canonical_query(params)}", headers=headers)


def test_cams_checks_signatures(sandbox: Sandbox) -> None:
    ok = signed(sandbox, "ListPhoneMessageQrdl", {"PhoneNumber": cams.PHONE_NUMBER})
    assert ok.json()["Code"] == "OK" and len(ok.json()["Data"]) == 30
    bad = signed(sandbox, "ListPhoneMessageQrdl", {"PhoneNumber": cams.PHONE_NUMBER}, secret="wrong")
    assert bad.status_code == 400 and bad.json()["Code"] == "SignatureDoesNotMatch"


def test_cams_create_update_gives_new_code_delete(sandbox: Sandbox) -> None:
    base = {"PhoneNumber": cams.PHONE_NUMBER}
    made = signed(sandbox, "CreatePhoneMessageQrdl", {**base, "GenerateQrImage": "SVG", "PrefilledMessage": "Hi ~ you"})
    code = made.json()["Data"]["QrdlCode"]
    too_long = signed(sandbox, "CreatePhoneMessageQrdl", {**base, "GenerateQrImage": "PNG", "PrefilledMessage": "x" * 141})
    assert too_long.status_code == 200 and too_long.json()["Code"] == "InvalidParameter"  # business error on HTTP 200
    no_format = signed(sandbox, "UpdatePhoneMessageQrdl", {**base, "QrdlCode": code, "PrefilledMessage": "Bye"})
    assert no_format.json()["Code"] == "InvalidParameter"  # update requires GenerateQrImage
    updated = signed(sandbox, "UpdatePhoneMessageQrdl",
                     {**base, "QrdlCode": code, "PrefilledMessage": "Bye", "GenerateQrImage": "SVG"})
    new_code = updated.json()["Data"]["QrdlCode"]
    assert new_code != code
    assert signed(sandbox, "DeletePhoneMessageQrdl", {**base, "QrdlCode": new_code}).json()["Code"] == "OK"
    assert signed(sandbox, "DeletePhoneMessageQrdl", {**base, "QrdlCode": new_code}).json()["Code"] == "Qrdl.NotExist"


def test_cams_images_are_served_signed_and_say_nothing_of_their_format(sandbox: Sandbox) -> None:
    base = {"PhoneNumber": cams.PHONE_NUMBER}
    made = signed(sandbox, "CreatePhoneMessageQrdl", {**base, "GenerateQrImage": "SVG", "PrefilledMessage": "Hi"})
    data = made.json()["Data"]
    url = data["QrImageUrl"]
    assert data["GenerateQrImage"] == "SVG" and url.startswith(sandbox.url) and "?" in url
    assert not url.split("?")[0].lower().endswith((".svg", ".png"))
    image = httpx.get(url)
    assert image.headers["content-type"] == "image/svg+xml" and b"<svg" in image.content
    assert httpx.get(url.replace("Signature=", "Signature=0")).status_code == 403


def test_cams_documented_errors_can_be_injected(sandbox: Sandbox) -> None:
    list_ = {"PhoneNumber": cams.PHONE_NUMBER}
    for code in cams.DOCUMENTED_ERRORS:
        assert httpx.post(f"{sandbox.url}/_sandbox/cams/error", json={"code": code}).json()["ok"]
        answer = signed(sandbox, "ListPhoneMessageQrdl", list_)
        assert answer.status_code == 400 and answer.json()["Code"] == code and answer.json()["Message"]
    assert signed(sandbox, "ListPhoneMessageQrdl", list_).json()["Code"] == "OK"
    sandbox.cams.inject("System.LimitControl", times=1, action="CreatePhoneMessageQrdl")
    assert signed(sandbox, "ListPhoneMessageQrdl", list_).json()["Code"] == "OK"


def test_fault_injection(sandbox: Sandbox) -> None:
    sandbox.faults.add("message_qrdls", status=503, body="down", times=1)
    url = f"{sandbox.url}/v23.0/{meta.PHONE_NUMBER_ID}/message_qrdls"
    assert httpx.get(url, headers=AUTH).status_code == 503
    assert httpx.get(url, headers=AUTH).status_code == 200
