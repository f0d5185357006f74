"""Any bytes as an API answer give a value or a typed error, never an unhandled exception."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.api.alibaba import AlibabaClient
from tui.api.errors import ApiError
from tui.api.green import GreenClient
from tui.api.meta import MetaClient
from tui.config import AlibabaSettings, GreenSettings, MetaSettings
from tui.linking import Linker
from tui.qr.decode import QrImageError

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
known_keys = st.sampled_from(["data", "paging", "error", "code", "type", "message", "stateInstance", "Code", "Data",
                              "cursors", "after", "next", "QrdlCode", "phone", "status", "isLogout"])
shaped = st.recursive(
    json_values,
    lambda inner: st.dictionaries(known_keys, inner, max_size=5) | st.lists(inner, max_size=3),
    max_leaves=15,
)
bodies = st.one_of(st.binary(max_size=300), shaped.map(lambda v: json.dumps(v).encode()))
statuses = st.sampled_from([200, 201, 400, 401, 403, 404, 429, 466, 500, 502])


async def no_sleep(_: float) -> None:
    return None


def run(make: Callable[[httpx.MockTransport], Any], call: Callable[[Any], Awaitable[Any]], status: int,
        body: bytes) -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(status, content=body))
    client = make(transport)

    async def go() -> None:
        try:
            await call(client)
        except (ApiError, QrImageError):
            pass
        finally:
            await client.aclose()

    asyncio.run(go())


FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
META = MetaSettings(base_url="https://graph.test", phone_number_id="1", access_token="t")
GREEN = GreenSettings(api_url="https://green.test", id_instance="1", api_token_instance="t")
CAMS = AlibabaSettings(endpoint="https://cams.test", access_key_id="k", access_key_secret="s", phone_number="1")


@FUZZ
@given(status=statuses, body=bodies, which=st.sampled_from(["list", "get", "create", "delete"]))
def test_meta_parsers(status: int, body: bytes, which: str) -> None:
    calls = {"list": lambda c: c.list_page(), "get": lambda c: c.get("X"), "create": lambda c: c.create("m"),
             "delete": lambda c: c.delete("X")}
    run(lambda t: MetaClient(META, transport=t, sleep=no_sleep, retries=1), calls[which], status, body)


@FUZZ
@given(status=statuses, body=bodies, which=st.sampled_from(["step", "state", "settings", "code", "logout"]))
def test_green_parsers(status: int, body: bytes, which: str) -> None:
    calls = {"step": lambda c: Linker(c).step(), "state": lambda c: c.state(), "settings": lambda c: c.wa_settings(),
             "code": lambda c: c.authorization_code("79001234567"), "logout": lambda c: c.logout()}

    def make(t: httpx.MockTransport) -> GreenClient:
        client = GreenClient(GREEN, transport=t)
        for limiter in client.limiter.values():
            limiter.interval = 0
        return client

    run(make, calls[which], status, body)


@FUZZ
@given(status=statuses, body=bodies, which=st.sampled_from(["list", "create", "update", "delete"]))
def test_cams_parsers(status: int, body: bytes, which: str) -> None:
    calls = {"list": lambda c: c.list_page(), "create": lambda c: c.create("m"), "update": lambda c: c.update("X", "m"),
             "delete": lambda c: c.delete("X")}

    def make(t: httpx.MockTransport) -> AlibabaClient:
        client = AlibabaClient(CAMS, transport=t, sleep=no_sleep)
        client.limiter.interval = 0
        return client

    run(make, calls[which], status, body)


hostile = st.text(max_size=40) | st.sampled_from(["", ".", "..", "../../222/x", "\x01", "a\ud800b", "%2F", "?#&",
                                                  "\u202e", "[/]", "x" * 3000])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile, which=st.sampled_from(["get", "create", "update", "delete", "image", "filter"]))
def test_any_input_text_gives_a_value_or_an_api_error(text: str, which: str) -> None:
    """Codes and messages come from people and files: none may make a client raise anything else."""
    calls = {"get": lambda c: c.get(text), "create": lambda c: c.create(text), "update": lambda c: c.update(text, text),
             "delete": lambda c: c.delete(text), "image": lambda c: c.image_url(text, "PNG"),
             "filter": lambda c: c.list_page(code=text)}
    body = b'{"data": [], "success": true, "Code": "OK", "Data": []}'

    def cams(t: httpx.MockTransport) -> AlibabaClient:
        client = AlibabaClient(CAMS, transport=t, sleep=no_sleep)
        client.limiter.interval = 0
        return client

    run(lambda t: MetaClient(META, transport=t, sleep=no_sleep, retries=1), calls[which], 200, body)
    run(cams, calls[which], 200, body)
