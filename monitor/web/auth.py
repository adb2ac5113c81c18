"""Who may use the dashboard: on loopback everyone may read; on any other address every route
but /healthz needs the operator token (HTTP basic auth with the token as password, or
``Authorization: Bearer TOKEN``). Retrying a delivery always needs the token, and a request from
another origin (a cross-site form) is refused."""

from __future__ import annotations

import base64
import binascii
import hmac
from urllib.parse import urlsplit

from starlette.requests import Request

OPEN_PATHS = frozenset({"/healthz"})
CHALLENGE = {"WWW-Authenticate": 'Basic realm="eduwatch", charset="UTF-8"'}


def presented_token(request: Request) -> str | None:
    """The token of the request's Authorization header (Bearer, or a basic-auth password)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    return None


def matches(expected: str | None, given: str | None) -> bool:
    """True when a token is configured and ``given`` is it (compared in constant time)."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def same_origin(request: Request) -> bool:
    """False for a request whose Origin (or Referer) names another host than it was sent to."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin != "null"
    return urlsplit(origin).netloc == request.headers.get("host", "")
