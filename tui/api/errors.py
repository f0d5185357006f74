"""Typed errors of the API clients.

Every failure of a client ends in an `ApiError` subclass whose text says which
service, what happened and (in `hint`) what to do. The text never contains a
secret: clients redact URLs before building an error.
"""

from __future__ import annotations

from pydantic import BaseModel


class GraphErrorBody(BaseModel):
    """The Graph API error envelope (`{"error": {...}}`)."""

    message: str = ""
    type: str | None = None
    code: int | None = None
    error_subcode: int | None = None
    error_user_title: str | None = None
    error_user_msg: str | None = None
    fbtrace_id: str | None = None
    is_transient: bool | None = None


class ApiError(Exception):
    """A request to a service failed. `str()` is safe to show and to log."""

    def __init__(
        self,
        service: str,
        message: str,
        *,
        hint: str | None = None,
        status: int | None = None,
        transient: bool = False,
        retry_after: float | None = None,
        graph: GraphErrorBody | None = None,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self.service = service
        self.message = message
        self.hint = hint
        self.status = status
        self.transient = transient
        self.retry_after = retry_after
        self.graph = graph
        self.code = code
        self.request_id = request_id
        super().__init__(self.text())

    def text(self) -> str:
        parts = [f"{self.service}: {self.message}"]
        if self.graph is not None:
            refs = []
            if self.graph.code is not None:
                refs.append(f"code {self.graph.code}")
            if self.graph.error_subcode:
                refs.append(f"subcode {self.graph.error_subcode}")
            if self.graph.fbtrace_id:
                refs.append(f"fbtrace_id {self.graph.fbtrace_id}")
            if refs:
                parts.append(f"({', '.join(refs)})")
        elif self.code:
            parts.append(f"({self.code}{', request ' + self.request_id if self.request_id else ''})")
        elif self.status:
            parts.append(f"(HTTP {self.status})")
        return " ".join(parts)

    def describe(self) -> str:
        """Message plus what to do, for the screen."""
        return f"{self.text()}\n{self.hint}" if self.hint else self.text()


class NetworkError(ApiError):
    """No answer: refused, DNS, timeout, connection dropped."""


class AuthError(ApiError):
    """Credentials refused (401, 403, Graph 190 and permission errors)."""


class NotFoundError(ApiError):
    """The thing asked for does not exist (Graph 803, HTTP 404)."""


class RateLimitError(ApiError):
    """Too many requests (HTTP 429, Graph throttling codes, Green 466 quota)."""


class RequestError(ApiError):
    """The service refused the request as invalid (Graph 100, HTTP 400)."""


class ServerError(ApiError):
    """The service failed (HTTP 5xx)."""


class BadResponseError(ApiError):
    """The answer could not be understood: not JSON, wrong shape, bad image, too large."""
