"""Fault matrix: every provider x every fault ends in a clear message, no traceback, recovery.

While it runs, every screen and every log line is collected; no secret may appear in any.
"""

from __future__ import annotations

import base64
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.helpers import until
from tui import logs
from tui.api.alibaba import AlibabaClient
from tui.api.green import GreenClient
from tui.api.meta import MetaClient
from tui.app import WaqrApp
from tui.config import load_settings
from tui.sandbox import Sandbox
from tui.widgets.qr_view import QRView

TIMEOUT = 0.6


def blank_png() -> str:
    out = io.BytesIO()
    Image.new("L", (120, 120), 255).save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


@dataclass
class Fault:
    name: str
    status: int = 500
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    expect: str | dict[str, str] = ""
    """Words the message must contain (what happened); per service when they differ."""
    only: str | None = None
    """Run for this service only (green)."""


JSON = {"Content-Type": "application/json"}
FAULTS = [
    Fault("refused", expect="cannot connect"),
    Fault("timeout", status=0, delay=TIMEOUT * 2.5, expect="no answer"),
    Fault("http-500", 500, "Internal Server Error", expect="500"),
    Fault("http-502", 502, "<html><body>Bad Gateway</body></html>", expect="502"),
    Fault("http-429", 429, "Too Many Requests", {"Retry-After": "1"}, expect="too many"),
    Fault("http-401", 401, "", expect={"meta": "the access token was refused", "alibaba": "credentials refused",
                                       "green": "the instance token was refused"}),
    Fault("http-403", 403, "Forbidden", expect={"meta": "access forbidden", "alibaba": "access forbidden",
                                                "green": "wrong instance or host"}),
    Fault("green-466", 466, '{"code": 466, "description": "Quota exceeded", "message": "monthly quota reached"}', JSON,
          expect="quota", only="green"),
    Fault("bad-json", 200, '{"data": [', JSON, expect="not JSON"),
    Fault("html-page", 200, "<!DOCTYPE html><html><title>Maintenance</title></html>", expect="HTML"),
    Fault("empty-body", 200, "", expect="empty"),
    Fault("bad-base64", 200, '{"type": "qrCode", "message": "@@@ not base64 @@@"}', JSON, expect="base64", only="green"),
    Fault("png-without-qr", 200, '{"type": "qrCode", "message": "%s"}' % blank_png(), JSON, expect="no readable QR",
          only="green"),
    Fault("huge-body", 200, "x" * (5 * 1024 * 1024), expect="larger than"),
]
SERVICES = {"meta": ("Meta Cloud API", "message_qrdls"), "alibaba": ("Alibaba CAMS", r"^/$"),
            "green": ("Green API", "/waInstance")}
CASES = [(s, f) for s in SERVICES for f in FAULTS if f.only in (None, s)]


@pytest.fixture
def log_file(tmp_path: Path):
    path = tmp_path / "waqr.log"
    yield path
    for name in ("waqr", "httpx", "httpcore"):
        for handler in logging.getLogger(name).handlers:
            handler.close()
        logging.getLogger(name).handlers = []


def make(sandbox: Sandbox, service: str) -> WaqrApp:
    settings = load_settings(overrides={**sandbox.settings(), "ui.provider": "alibaba" if service == "alibaba" else "meta"})
    if service == "green":
        return WaqrApp(settings, start="link", green=GreenClient(settings.green, timeout=TIMEOUT, qr_timeout=TIMEOUT))
    provider: Any = (AlibabaClient(settings.alibaba, timeout=TIMEOUT) if service == "alibaba"
                     else MetaClient(settings.meta, timeout=TIMEOUT))
    return WaqrApp(settings, codes_provider=provider)


def shown(app: WaqrApp, service: str) -> str:
    if service == "green":
        return " ".join(str(app.screen.query_one(s).render()) for s in ("#link-title", "#link-status", "#link-advice"))
    error = app.screen.error
    return error.describe() if error else ""


def healthy(app: WaqrApp, service: str) -> bool:
    if service == "green":
        return app.screen.query_one(QRView).rendered is not None
    screen = app.screen
    return screen.error is None and screen.page is not None and bool(screen.page.items)


@pytest.mark.parametrize(("service", "fault"), CASES, ids=[f"{s}-{f.name}" for s, f in CASES])
async def test_fault_matrix(service: str, fault: Fault, log_file: Path) -> None:
    sandbox = Sandbox().start()
    secrets = load_settings(overrides=sandbox.settings()).secrets()
    logs.setup("DEBUG", secrets, path=log_file)
    port = sandbox.port
    if fault.name == "refused":
        sandbox.stop()
    else:
        sandbox.faults.add(SERVICES[service][1], status=fault.status, body=fault.body,
                           headers={**fault.headers}, delay=fault.delay)
    screens: list[str] = []
    app = make(sandbox, service)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: SERVICES[service][0] in shown(app, service), timeout=12, what="error shown")
            message = shown(app, service)
            screens.append(app.export_screenshot())
            expect = fault.expect if isinstance(fault.expect, str) else fault.expect[service]
            assert expect and expect.lower() in message.lower(), message
            assert "Traceback" not in screens[-1]
            # still usable: the keys still work
            await pilot.press("question_mark")
            await pilot.press("escape")
            # the fault clears...
            if fault.name == "refused":
                sandbox = Sandbox().start(port)
            else:
                sandbox.faults.clear()
            # ... and the app recovers: by itself (polling) or on the next action (reload)
            # a quota waits 60 s unless asked now; refused credentials stop polling until r
            if service != "green" or fault.name in ("green-466", "http-401", "http-403"):
                await pilot.press("r")
            await until(pilot, lambda: healthy(app, service), timeout=15, what="recovery")
            screens.append(app.export_screenshot())
    finally:
        sandbox.stop()
    logged = log_file.read_text() if log_file.exists() else ""
    assert logged, "errors are logged"
    for secret in secrets:
        assert secret not in logged
        for screen in screens:
            assert secret not in screen


async def test_debug_log_redacts_green_token_in_httpx_lines(sandbox: Sandbox, log_file: Path) -> None:
    settings = load_settings(overrides=sandbox.settings())
    logs.setup("DEBUG", settings.secrets(), path=log_file)
    client = GreenClient(settings.green)
    await client.qr()
    await client.aclose()
    text = log_file.read_text()
    assert "/qr/***" in text and settings.green.api_token_instance.get_secret_value() not in text


def test_unwritable_log_directory_does_not_stop_the_app(tmp_path: Path, log_file: Path) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    assert logs.setup("INFO", [], path=blocked / "waqr.log") is None
    logging.getLogger("waqr.test").warning("goes nowhere, raises nothing")
