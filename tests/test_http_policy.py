"""The one request and error policy (tui/api/http.py): whole-exchange deadlines against a
server that drips, the failure and error tables, retries, and path segments."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tui.api.alibaba import AlibabaClient
from tui.api.errors import (
    ApiError,
    AuthError,
    BadResponseError,
    NetworkError,
    NotFoundError,
    RateLimitError,
    RequestError,
    ServerError,
)
from tui.api.green import GreenClient
from tui.api.http import COMMON, HttpService, Rule, base_url, failure, image_kind, retry_after, segment
from tui.api.meta import RULES as META_RULES
from tui.api.meta import MetaClient
from tui.config import AlibabaSettings, GreenSettings, MetaSettings

DEADLINE = 1.0
DRIP = 4.0
"""One byte every 4 s, as in issue 13: httpx's read timeout alone never fires."""


class _Drip(socketserver.BaseRequestHandler):
    """Reads a request, sends the headers, then one byte of body every DRIP seconds (bounded)."""

    def handle(self) -> None:
        self.request.settimeout(DRIP * 4)
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            data += chunk
        try:
            self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n")
            for _ in range(8):  # bounded: 32 s at most, the client leaves long before
                self.request.sendall(b" ")
                if self.server.stopped.wait(DRIP):  # type: ignore[attr-defined]
                    return
        except OSError:
            return  # the client gave up: that is the point


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture
def drip() -> Iterator[str]:
    server = _Server(("127.0.0.1", 0), _Drip)
    server.stopped = threading.Event()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.stopped.set()  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


async def _ends_at_the_deadline(call, deadline: float = DEADLINE) -> NetworkError:
    started = time.monotonic()
    with pytest.raises(NetworkError) as info:
        await call()
    took = time.monotonic() - started
    assert deadline * 0.9 <= took < deadline + 1.0, took
    assert "within" in info.value.message
    return info.value


async def test_meta_list_and_create_end_at_the_deadline(drip: str) -> None:
    settings = MetaSettings(base_url=drip, phone_number_id="1", access_token="tok-drip-1")
    client = MetaClient(settings, timeout=DEADLINE, retries=1)
    error = await _ends_at_the_deadline(client.list_page)
    assert not error.outcome_unknown
    error = await _ends_at_the_deadline(lambda: client.create("dripping"))
    assert error.outcome_unknown  # it was sent: it may have happened
    await client.aclose()


async def test_green_qr_ends_at_its_own_deadline(drip: str) -> None:
    settings = GreenSettings(api_url=drip, id_instance="1", api_token_instance="tok-drip-1")
    client = GreenClient(settings, timeout=DEADLINE / 2, qr_timeout=DEADLINE * 1.5)
    await _ends_at_the_deadline(client.qr, DEADLINE * 1.5)
    await _ends_at_the_deadline(client.state, DEADLINE / 2)
    await client.aclose()


async def test_cams_list_ends_at_the_deadline(drip: str) -> None:
    settings = AlibabaSettings(endpoint=drip, access_key_id="k", access_key_secret="s", phone_number="1")
    client = AlibabaClient(settings, timeout=DEADLINE, retries=1)
    await _ends_at_the_deadline(client.list_page)
    await client.aclose()


async def test_a_request_that_never_connected_is_not_an_unknown_outcome() -> None:
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = MetaSettings(base_url=f"http://127.0.0.1:{port}", phone_number_id="1", access_token="tok-drip-1")
    client = MetaClient(settings, retries=1)
    with pytest.raises(NetworkError) as info:
        await client.create("never sent")
    assert "cannot connect" in info.value.message and not info.value.outcome_unknown
    await client.aclose()


@pytest.mark.parametrize(("exc", "kind", "before_sending"), [
    (httpx.ConnectError("x"), NetworkError, True),
    (httpx.ConnectTimeout("x"), NetworkError, True),
    (httpx.ReadTimeout("x"), NetworkError, False),
    (TimeoutError(), NetworkError, False),
    (httpx.RemoteProtocolError("x"), NetworkError, False),
    (httpx.ReadError("x"), NetworkError, False),
    (httpx.UnsupportedProtocol("x"), RequestError, True),
    (httpx.InvalidURL("x"), RequestError, True),
    (httpx.LocalProtocolError("x"), RequestError, True),
    (UnicodeEncodeError("ascii", "é", 0, 1, "no"), RequestError, True),
    (ValueError("x"), RequestError, True),
    (OSError("x"), NetworkError, False),
    (RecursionError(), NetworkError, False),
])
def test_failure_table(exc: BaseException, kind: type[ApiError], before_sending: bool) -> None:
    found = failure(exc)
    assert found.kind is kind and found.before_sending is before_sending


def _rule(rules: tuple[Rule, ...], status: int, code: str = "", text: str = "") -> Rule:
    return next(r for r in (*rules, *COMMON) if r.matches(status, code, text))


@pytest.mark.parametrize(("status", "code", "text", "kind", "transient"), [
    (401, "190/0", "", AuthError, False),
    (400, "104/0", "", AuthError, False),
    (403, "200/0", "", AuthError, False),
    (404, "803/0", "", NotFoundError, False),
    (400, "100/33", "", NotFoundError, False),
    (200, "100/33", "", NotFoundError, False),
    (500, "100/0", "", RequestError, False),  # never retry 100, whatever the status
    (400, "100/0", "(#100) invalid cursor", RequestError, False),
    (400, "80007/0", "", RateLimitError, True),
    (500, "131000/0", "", ServerError, True),
    (503, "", "", ServerError, True),
    (429, "", "", RateLimitError, True),
    (418, "", "", RequestError, False),
    (302, "", "", BadResponseError, True),
])
def test_graph_error_table(status: int, code: str, text: str, kind: type[ApiError], transient: bool) -> None:
    rule = _rule(META_RULES, status, code, text)
    assert issubclass(rule.kind, kind) and rule.transient is transient


async def test_retries_are_bounded_and_the_same_for_every_service() -> None:
    calls: list[str] = []
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        return httpx.Response(503, text="busy")

    service = HttpService("Test", "https://svc.test/", transport=httpx.MockTransport(handler), sleep=sleep)
    with pytest.raises(ServerError):
        await service.call("GET", "x", read=service.read_json)
    assert calls == ["GET"] * 3 and sleeps == [0.5, 1.0]
    calls.clear()
    with pytest.raises(ServerError):
        await service.call("POST", "x", read=service.read_json, idempotent=False)
    assert calls == ["POST"]  # a 503 without the service's own words: it may have happened


def test_addresses_and_segments() -> None:
    assert base_url("cams.ap-southeast-1.aliyuncs.com") == "https://cams.ap-southeast-1.aliyuncs.com/"
    assert base_url(" https://graph.facebook.com/ ") == "https://graph.facebook.com/"
    assert base_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080/"
    assert segment("../../222/x") == "..%2F..%2F222%2Fx"
    assert segment(".") == "%2E" and segment("..") == "%2E%2E"
    assert segment("ABC 1") == "ABC%201"


def test_retry_after_and_image_kinds() -> None:
    assert retry_after({"retry-after": "7"}) == 7.0
    assert retry_after({"retry-after": "1e999"}) == 300.0 and retry_after({"retry-after": "nan"}) is None
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert image_kind("image/png", b"\x89PNG\r\n\x1a\n...") == "PNG"
    assert image_kind("image/svg+xml; charset=utf-8", b"\xef\xbb\xbf<?xml version='1.0'?><svg/>") == "SVG"
    assert image_kind("image/png", b"<svg/>") is None and image_kind("text/html", b"\x89PNG\r\n\x1a\n") is None


async def test_a_malformed_address_is_reported_on_use_not_at_start() -> None:
    service = HttpService("Test", "https://a\x01b/", secrets=["s3cret"])
    assert service.problem is not None
    with pytest.raises(RequestError) as info:
        await service.send("GET", "x")
    assert "Check the service address" in info.value.describe()


async def test_every_error_text_is_redacted_as_it_is_made() -> None:
    service = HttpService("Test", "https://svc.test/", secrets=["s3cret/+"])
    error = service.error(RequestError, "echo s3cret/+ and s3cret%2F%2B", hint="token s3cret/+", code="s3cret/+",
                          request_id="s3cret/+")
    assert "s3cret" not in error.describe() + repr(error) + (error.code or "") + (error.request_id or "")
    long = service.error(RequestError, "x" * 5000)
    assert len(long.message) <= 500
