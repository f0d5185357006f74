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
    with_time = graph.get("message_qrdls", params={"limit": 1, "fields": "code,creation_time"}).json()["data"][0]
    assert with_time["creation_time"].isdigit()
    found = graph.get("message_qrdls", params={"code": item["code"]}).json()["data"]
    assert [c["code"] for c in found] == [item["code"]]
    assert graph.get(f"message_qrdls/{item['code']}").json()["data"][0]["code"] == item["code"]
    assert graph.get("message_qrdls/NOPE").json() == {"data": []}
    svg = graph.get(f"message_qrdls/{item['code']}", params={"fields": "qr_image_url.format(SVG)"}).json()
    image = httpx.get(svg["data"][0]["qr_image_url"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/svg+xml"
    assert "oe=" in svg["data"][0]["qr_image_url"]


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
    gone = graph.delete(f"message_qrdls/{code}")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == 803


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        ("GET", "message_qrdls", {"params": {"limit": 26}}, 400, 100),
        ("GET", "message_qrdls", {"params": {"limit": 0}}, 400, 100),
        ("GET", "message_qrdls", {"params": {"fields": "nope"}}, 400, 100),
        ("POST", "message_qrdls", {"json": {"prefilled_message": "x" * 141}}, 400, 100),
        ("POST", "message_qrdls", {"json": {}}, 400, 100),
        ("POST", "message_qrdls", {"json": {"code": "UNKNOWN", "prefilled_message": "x"}}, 404, 803),
    ],
)
def test_meta_errors_use_the_graph_envelope(graph: httpx.Client, method: str, path: str, kwargs: dict, status: int,
                                             code: int) -> None:
    answer = graph.request(method, path, **kwargs)
    assert answer.status_code == status
    error = answer.json()["error"]
    assert error["code"] == code and error["message"] and error["fbtrace_id"] and error["type"]


def test_meta_bad_token_is_190(sandbox: Sandbox) -> None:
    answer = httpx.get(f"{sandbox.url}/v23.0/{meta.PHONE_NUMBER_ID}/message_qrdls", headers={"Authorization": "Bearer x"})
    assert answer.status_code == 401 and answer.json()["error"]["code"] == 190


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
    made = signed(sandbox, "CreatePhoneMessageQrdl", {**base, "GenerateQrImage": "PNG", "PrefilledMessage": "Hi ~ you"})
    code = made.json()["Data"]["QrdlCode"]
    too_long = signed(sandbox, "CreatePhoneMessageQrdl", {**base, "GenerateQrImage": "PNG", "PrefilledMessage": "x" * 141})
    assert too_long.status_code == 200 and too_long.json()["Code"] == "InvalidParameter"  # business error on HTTP 200
    updated = signed(sandbox, "UpdatePhoneMessageQrdl", {**base, "QrdlCode": code, "PrefilledMessage": "Bye"})
    new_code = updated.json()["Data"]["QrdlCode"]
    assert new_code != code
    assert signed(sandbox, "DeletePhoneMessageQrdl", {**base, "QrdlCode": new_code}).json()["Code"] == "OK"
    assert signed(sandbox, "DeletePhoneMessageQrdl", {**base, "QrdlCode": new_code}).json()["Code"] == "Qrdl.NotExist"


def test_fault_injection(sandbox: Sandbox) -> None:
    sandbox.faults.add("message_qrdls", status=503, body="down", times=1)
    url = f"{sandbox.url}/v23.0/{meta.PHONE_NUMBER_ID}/message_qrdls"
    assert httpx.get(url, headers=AUTH).status_code == 503
    assert httpx.get(url, headers=AUTH).status_code == 200
