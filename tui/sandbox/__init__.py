"""A simulator of the three services on 127.0.0.1, for `waqr sandbox`, `--demo` and tests.

Besides the services' own paths it answers a few control paths under `/_sandbox/`
(simulate the phone's scan, force an instance state, inject faults).
"""

from __future__ import annotations

import json
from typing import Any

from tui.sandbox import green as green_mod
from tui.sandbox import meta as meta_mod
from tui.sandbox.green import GreenSandbox
from tui.sandbox.http import Faults, Request, Response, json_response, serve
from tui.sandbox.meta import MetaSandbox


class Sandbox:
    """All simulated services behind one loopback HTTP server."""

    def __init__(
        self, *, green: GreenSandbox | None = None, meta: MetaSandbox | None = None, strict: bool = True
    ) -> None:
        """`strict=False`: the lenient simulator (first-party fields, no image format, cursors
        that never go stale...), for showing that the clients work against both."""
        from tui.sandbox.cams import CamsSandbox

        self.strict = strict
        self.meta = meta or MetaSandbox(strict=strict)
        self.green = green or GreenSandbox()
        self.cams = CamsSandbox(strict=strict)
        self.faults = Faults()
        self._server: Any = None
        self.url = ""

    def dispatch(self, request: Request, base: str) -> Response:
        if request.path == "/_sandbox/faults":
            return self._fault_control(request)
        fault = self.faults.take(request)
        if fault is not None:
            response = self.faults.respond(fault)
            if response is not None:
                return response
        for service in (self.meta, self.green, self.cams):
            try:
                response = service.handle(request, base)
            except Exception as exc:  # a sandbox bug must still answer like a server
                return json_response({"message": f"sandbox error: {type(exc).__name__}"}, 500)
            if response is not None:
                return response
        return json_response({"message": f"no such path: {request.path}"}, 404)

    def _fault_control(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.faults.clear()
            return json_response({"ok": True})
        spec = json.loads(request.body or b"{}")
        self.faults.add(spec.pop("pattern"), **spec)
        return json_response({"ok": True})

    def start(self, port: int = 0) -> Sandbox:
        self._server, _thread = serve(port, self.dispatch)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Sandbox:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def settings(self) -> dict[str, Any]:
        """Setting overrides that point waqr at this sandbox with its credentials."""
        from tui.sandbox import cams as cams_mod

        return {
            "meta.base_url": self.url,
            "meta.phone_number_id": meta_mod.PHONE_NUMBER_ID,
            "meta.access_token": meta_mod.TOKEN,
            "green.api_url": self.url,
            "green.id_instance": green_mod.ID_INSTANCE,
            "green.api_token_instance": green_mod.TOKEN,
            "alibaba.endpoint": self.url,
            "alibaba.access_key_id": cams_mod.ACCESS_KEY_ID,
            "alibaba.access_key_secret": cams_mod.ACCESS_KEY_SECRET,
            "alibaba.phone_number": cams_mod.PHONE_NUMBER,
        }
