"""Typed errors of the API clients.

Every failure of a client ends in an `ApiError` subclass whose text says which
service, what happened and (in `hint`) what to do. The text never contains a
secret: every error is built with its service's redactor (see `HttpService.error`),
which runs over every outside text the error holds before the error exists.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel

MAX_TEXT = 500
"""Longest message kept from a service: an error page is not a message."""


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


def _clean(text: str | None, redact: Callable[[str], str] | None) -> str | None:
    if text is None:
        return None
    text = redact(text) if redact else text
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


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
        outcome_unknown: bool = False,
        redact: Callable[[str], str] | None = None,
    ) -> None:
        self.service = service
        self.message = _clean(message, redact) or ""
        self.hint = _clean(hint, redact)
        self.status = status
        self.transient = transient
        self.retry_after = retry_after
        self.graph = _clean_graph(graph, redact)
        self.code = _clean(code, redact)
        self.request_id = _clean(request_id, redact)
        self.outcome_unknown = outcome_unknown
        """True when a request that must not be repeated (a create) was sent and its
        answer was lost: it may have happened. Look before sending it again."""
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


def _clean_graph(graph: GraphErrorBody | None, redact: Callable[[str], str] | None) -> GraphErrorBody | None:
    if graph is None:
        return None
    texts = ("message", "type", "error_user_title", "error_user_msg", "fbtrace_id")
    return graph.model_copy(update={key: _clean(getattr(graph, key), redact) for key in texts})


class NetworkError(ApiError):
    """No answer: refused, DNS, deadline passed, connection dropped.

    `outcome_unknown` is True when the request was a create that may have reached the
    service before the answer was lost."""


class AuthError(ApiError):
    """Credentials refused (401, 403, Graph 104/190 and permission errors)."""


class NotFoundError(ApiError):
    """The thing asked for does not exist (Graph 803 or 100/33, HTTP 404, CAMS `*.NotExist`)."""


class RateLimitError(ApiError):
    """Too many requests (HTTP 429, Graph throttling codes, Green 466 quota, CAMS flow control)."""


class RequestError(ApiError):
    """The service refused the request as invalid (Graph 100, HTTP 400), or it could not be built."""


class StaleCursorError(RequestError):
    """A paging cursor is no longer valid (the list changed): reload from the first page."""


class ServerError(ApiError):
    """The service failed (HTTP 5xx)."""


class BadResponseError(ApiError):
    """The answer could not be understood: not JSON, wrong shape, bad image, too large."""
