"""The sandbox's HTTP plumbing: request/response values, JSON helpers, fault injection,
and a threaded server on loopback."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        """Query values, overridden by a JSON or form body."""
        values = dict(self.query)
        kind = self.header("content-type").split(";")[0].strip()
        if not self.body:
            return values
        if kind == "application/json":
            body = self.json()
            if not isinstance(body, dict):
                raise ValueError("body must be a JSON object")
            values.update({k: v for k, v in body.items()})
        elif kind == "application/x-www-form-urlencoded":
            values.update(dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True)))
        return values


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    """Close the connection without answering."""


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(payload).encode(), {"Content-Type": "application/json", **(headers or {})})


@dataclass
class Fault:
    """Make requests whose path matches `pattern` fail, `times` times (None: until cleared)."""

    pattern: str
    status: int = 500
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    times: int | None = None
    method: str | None = None
    """Only requests with this method (None: any)."""
    hits: int = 0

    def matches(self, request: Request) -> bool:
        return (
            re.search(self.pattern, request.path) is not None
            and (self.method is None or self.method == request.method)
            and (self.times is None or self.hits < self.times)
        )


class Faults:
    """Injected faults, shared by every service of one sandbox."""

    MAX_DELAY = 30.0

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, pattern: str, status: int = 500, body: bytes | str = b"", **kwargs: Any) -> Fault:
        fault = Fault(pattern, status, body.encode() if isinstance(body, str) else body, **kwargs)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, request: Request) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(request):
                    fault.hits += 1
                    return fault
        return None

    def respond(self, fault: Fault) -> Response | None:
        """Sleep as asked; None means: delay only, then answer normally."""
        if fault.delay:
            time.sleep(min(fault.delay, self.MAX_DELAY))
        if fault.drop:
            return Response(drop=True)
        if fault.status == 0:
            return None
        return Response(fault.status, fault.body, fault.headers)


Handler = Callable[[Request, str], Response | None]
"""(request, base URL of the sandbox) -> a response, or None when not this service's path."""


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(length, 1 << 20)) if length else b""
        request = Request(
            method=self.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        base = f"http://{self.headers.get('Host') or '127.0.0.1'}"
        response = self.server.dispatch(request, base)
        if response.drop:
            self.close_connection = True
            return
        self.send_response(response.status)
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_DELETE = do_PUT = do_HEAD = _handle

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: request lines would carry Green API tokens."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, dispatch: Callable[[Request, str], Response]) -> None:
        self.dispatch = dispatch
        super().__init__(("127.0.0.1", port), _RequestHandler)


def serve(port: int, dispatch: Callable[[Request, str], Response]) -> tuple[_Server, threading.Thread]:
    """Start serving on 127.0.0.1 (port 0: a free one) in a daemon thread."""
    server = _Server(port, dispatch)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="waqr-sandbox", daemon=True)
    thread.start()
    return server, thread
