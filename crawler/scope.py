"""Where a site's crawl may send requests: its own sites, never elsewhere (issue 10).

A request is in scope when its URL is http(s) and its host is

- one of the site's own origins (the host and port of a column URL), or a host the site file
  allows (``allowed_hosts``: ``files.example.gov.cn`` any port, or ``10.1.2.3:8080`` that port);
- else a host name of the same registrable domain as a column's host, by the public-suffix list
  (``jyt.shanxi.gov.cn`` and ``www.shanxi.gov.cn`` share ``shanxi.gov.cn``;
  ``shanxi.gov.cn.evil.com`` or ``evilshanxi.gov.cn`` do not), or an IP literal equal to a
  column's IP host;

and, unless it is one of those exact own origins or allowed hosts, none of its addresses is
loopback, private, link-local, multicast, reserved or unspecified (IP literals and resolved
names alike): a site on ``127.0.0.1:8080`` may be crawled, a redirect from it to
``localhost:9000`` or ``127.0.0.1:9000`` may not.

The public-suffix list is tldextract's bundled snapshot: no network fetch, no cache file.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

import tldextract

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
DEFAULT_PORTS = {"http": 80, "https": 443}


@cache
def _extractor() -> tldextract.TLDExtract:
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )


def registrable_domain(host: str) -> str | None:
    """``jyt.shanxi.gov.cn`` -> ``shanxi.gov.cn``; None for IP literals and bare names."""
    if ip_literal(host) is not None:
        return None
    parts = _extractor()(host)
    if not parts.suffix or not parts.domain:
        return None
    return f"{parts.domain}.{parts.suffix}"


def ip_literal(host: str) -> IpAddress | None:
    """The address when ``host`` is an IP literal (``[::1]`` too), else None."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_internal(address: IpAddress) -> bool:
    """Loopback, private, link-local, shared, multicast, reserved or unspecified."""
    return not address.is_global or address.is_multicast


@dataclass(frozen=True, slots=True)
class Origin:
    host: str
    port: int | None  # None: any port


def origin_of(url: str) -> tuple[str, Origin] | None:
    """(scheme, origin) of an http(s) URL, None for any other or a malformed one."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    return scheme, Origin(host, port or DEFAULT_PORTS[scheme])


def parse_allowed_host(value: str) -> Origin:
    """``host`` or ``host:port`` (``[v6]:port``) of ``allowed_hosts``; ValueError when not."""
    text = value.strip().lower()
    if not text or any(c in text for c in "/?#@ ") or "://" in text:
        raise ValueError(f"expected a host name or IP, optionally :port, got {value!r}")
    parts = urlsplit(f"http://{text}")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"expected a port from 1 to 65535 in {value!r}") from None
    if not parts.hostname:
        raise ValueError(f"expected a host name or IP, optionally :port, got {value!r}")
    return Origin(parts.hostname.rstrip("."), port)


class OutOfScope(Exception):
    """Why a URL is out of the site's scope (the message says which rule)."""


class SiteScope:
    """The hosts one site's crawl may reach (see the module docstring)."""

    def __init__(self, column_urls: Iterable[str], allowed_hosts: Iterable[str] = ()) -> None:
        self.own: set[Origin] = set()
        for url in column_urls:
            found = origin_of(url)
            if found is not None:
                self.own.add(found[1])
        self.allowed = {parse_allowed_host(host) for host in allowed_hosts}
        self.domains = {d for d in map(registrable_domain, self._own_hosts()) if d}
        self.own_ips = {ip for ip in map(ip_literal, self._own_hosts()) if ip is not None}

    def _own_hosts(self) -> set[str]:
        return {origin.host for origin in self.own}

    def exact(self, origin: Origin) -> bool:
        """One of the site's own hosts (an IP literal: with its port) or an allowed host: no
        address check."""
        if origin in self.own:
            return True
        if ip_literal(origin.host) is None and origin.host in self._own_hosts():
            return True
        return any(
            allowed.host == origin.host and allowed.port in (None, origin.port)
            for allowed in self.allowed
        )

    def check_name(self, url: str) -> Origin | None:
        """The URL's origin when it may need a DNS check (None: an exact own origin); raises
        OutOfScope when the scheme, host or IP literal is not the site's."""
        found = origin_of(url)
        if found is None:
            raise OutOfScope(f"not an http(s) URL: {url[:200]}")
        origin = found[1]
        if self.exact(origin):
            return None
        address = ip_literal(origin.host)
        if address is not None:
            if address not in self.own_ips:
                raise OutOfScope(f"{origin.host} is not one of the site's hosts")
            if is_internal(address):
                raise OutOfScope(f"{origin.host}:{origin.port} is an internal address")
            return None
        domain = registrable_domain(origin.host)
        if domain is None or domain not in self.domains:
            raise OutOfScope(f"{origin.host} is not a host of the site's domains")
        return origin

    @staticmethod
    def check_addresses(origin: Origin, addresses: Iterable[str]) -> None:
        """Raise OutOfScope when a name of the site's domain resolves to an internal address."""
        for text in addresses:
            address = ip_literal(text.split("%", 1)[0])
            if address is not None and is_internal(address):
                raise OutOfScope(f"{origin.host} resolves to an internal address ({address})")
