"""Alibaba Cloud request signing, V3 (`ACS3-HMAC-SHA256`), for RPC-style APIs."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from urllib.parse import quote

ALGORITHM = "ACS3-HMAC-SHA256"


def encode(value: str) -> str:
    """Percent-encode as the signer wants it: only unreserved characters stay (space is %20)."""
    return quote(value, safe="~")


def canonical_query(params: Mapping[str, str]) -> str:
    return "&".join(f"{encode(k)}={encode(params[k])}" for k in sorted(params))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_request(
    method: str, path: str, params: Mapping[str, str], headers: Mapping[str, str], body: bytes
) -> tuple[str, str]:
    """(canonical request, signed header names) of the request; `headers` are those to sign."""
    names = sorted(k.lower() for k in headers)
    lowered = {k.lower(): v.strip() for k, v in headers.items()}
    canon_headers = "".join(f"{name}:{lowered[name]}\n" for name in names)
    signed = ";".join(names)
    text = "\n".join([method.upper(), path or "/", canonical_query(params), canon_headers, signed, sha256_hex(body)])
    return text, signed


def signature(secret: str, canonical: str) -> str:
    to_sign = f"{ALGORITHM}\n{sha256_hex(canonical.encode())}"
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def sign(
    *,
    method: str,
    host: str,
    action: str,
    version: str,
    params: Mapping[str, str],
    key_id: str,
    secret: str,
    body: bytes = b"",
    date: datetime | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The headers of a signed request, `Authorization` included."""
    when = (date or datetime.now(timezone.utc)).astimezone(timezone.utc)
    headers = {
        "host": host,
        "x-acs-action": action,
        "x-acs-version": version,
        "x-acs-date": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": nonce or uuid.uuid4().hex,
        "x-acs-content-sha256": sha256_hex(body),
    }
    canonical, signed = canonical_request(method, "/", params, headers, body)
    headers["Authorization"] = (
        f"{ALGORITHM} Credential={key_id},SignedHeaders={signed},Signature={signature(secret, canonical)}"
    )
    return headers
