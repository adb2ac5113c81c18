"""Article identity: the canonical URL, and its key (the same URL over http or https)."""

from __future__ import annotations

import hashlib
from urllib.parse import unquote_plus, urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
# Query parameters that say who shared or clicked a link, never which page it is.
TRACKING_PARAMS = frozenset(
    {
        "spm",
        "from",
        "isappinstalled",
        "scene",
        "clicktime",
        "enterid",
        "wxfrom",
        "share_token",
        "sharer_sharetime",
        "sharer_shareid",
        "fbclid",
        "gclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
    }
)
TRACKING_PREFIXES = ("utm_",)


def canonical_url(url: str) -> str:
    """The URL without fragment, default port, tracking parameters; host lower-cased, the
    remaining query sorted (its meaning kept: ``?id=3&page=2`` stays)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port is None or DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = sorted(pair for pair in parts.query.split("&") if pair and not _is_tracking(pair))
    return urlunsplit((scheme, netloc, parts.path or "/", "&".join(query), ""))


def url_key(url: str) -> str:
    """sha256 of the canonical URL without its scheme: a site moving to https keeps its articles."""
    canonical = canonical_url(url)
    scheme_less = canonical.split("://", 1)[-1]
    return hashlib.sha256(scheme_less.encode("utf-8")).hexdigest()


def _is_tracking(pair: str) -> bool:
    """Whether a raw ``key=value`` pair of a query names a tracking parameter."""
    lowered = unquote_plus(pair.split("=", 1)[0]).lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)
