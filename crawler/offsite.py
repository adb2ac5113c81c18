"""The downloader middleware that keeps a crawl on its site's own hosts (crawler.scope).

Every request the spider's crawl sends passes here first (before robots.txt is fetched for a
new host), the requests a redirect or a meta refresh makes too. One out of scope is refused
with ``OffsiteRefused``: its errback sees the failure, with the reason ``offsite_redirect``
(a redirect led there) or ``offsite_request``; no byte is sent to that host and nothing it
could answer becomes content. Host names other than the site's exact own hosts are resolved
once per crawl: a name of the site's domain that points to an internal address is refused.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from crawler.scope import Origin, OutOfScope, SiteScope

logger = logging.getLogger(__name__)


class OffsiteRefused(IgnoreRequest):
    """A request out of the site's scope; ``failure_reason`` is the reason the crawl counts."""

    def __init__(self, failure_reason: str, detail: str) -> None:
        self.failure_reason = failure_reason
        super().__init__(f"{failure_reason}: {detail}")


def scope_of(site: Any) -> SiteScope:
    """The scope of a SiteConfig: its columns' hosts and its ``allowed_hosts``."""
    urls = [column.url for column in site.columns]
    return SiteScope(urls, getattr(site, "allowed_hosts", ()))


class SiteScopeMiddleware:
    """Refuse requests that leave the site (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.scope: SiteScope | None = None
        self.resolved: dict[tuple[str, int | None], list[str]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteScopeMiddleware:
        return cls(crawler)

    def _scope(self) -> SiteScope | None:
        if self.scope is None:
            site = getattr(self.crawler.spider, "site", None)
            if site is None or not hasattr(site, "columns"):
                return None  # not a site's crawl: nothing to keep it to
            self.scope = scope_of(site)
        return self.scope

    async def process_request(self, request: Request) -> None:
        scope = self._scope()
        if scope is None:
            return None
        try:
            origin = scope.check_name(request.url)
            if origin is not None:
                scope.check_addresses(origin, await self._addresses(origin))
        except OutOfScope as error:
            reason = "offsite_redirect" if request.meta.get("redirect_urls") else "offsite_request"
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value(f"eduwatch/{reason}")
            chain = " -> ".join([*request.meta.get("redirect_urls", []), request.url])
            logger.warning("refused %s: %s (%s)", reason, error, chain[:500])
            raise OffsiteRefused(reason, f"{error} ({chain[:500]})") from None
        return None

    async def _addresses(self, origin: Origin) -> list[str]:
        """The addresses a host name resolves to (cached for the crawl; none when it does not
        resolve: the download then fails as a DNS error)."""
        key = (origin.host, origin.port)
        if key not in self.resolved:
            loop = asyncio.get_running_loop()
            try:
                infos = await loop.getaddrinfo(origin.host, origin.port, type=socket.SOCK_STREAM)
            except (OSError, UnicodeError):
                infos = []
            self.resolved[key] = sorted({str(info[4][0]) for info in infos})
        return self.resolved[key]
