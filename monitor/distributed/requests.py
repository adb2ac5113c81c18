"""The requests of a distributed run (a mixin of monitor.distributed.spider.WorkerSpider): a
column job's first list requests, the next list pages, article requests and the run's probes.
A list page is asked conditionally when the shared list cache (monitor.distributed.listcache)
knows its validators; browser work is marked (monitor.distributed.browser) for the browser
workers' queue.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.adapters.base import Adapter, ListError, PageRequest, adapter_for
from crawler.middlewares import ROLE, VALIDATORS
from crawler.normalize import is_attachment_url
from crawler.sites import EffectiveColumn, SiteConfig
from crawler.spiders.listcache import CachedPage
from monitor.distributed.browser import BROWSER, MODE
from monitor.distributed.listcache import SharedListCache
from monitor.distributed.probes import RunProbes
from monitor.distributed.retry import REDIS_ERRORS, Backlog
from monitor.distributed.scrapy_redis_parts import CARRIED, RUN
from monitor.ingest import SiteRef


class RunRequests:
    """The spider's requests (see the module's docstring)."""

    crawler: Crawler
    mode: str
    sites: dict[str, SiteConfig]
    adapters: dict[tuple[str, str], Adapter]
    cache: SharedListCache
    probes: RunProbes
    backlog: Backlog

    if TYPE_CHECKING:

        def parse_list(self, response: Response) -> Any: ...

        def list_failed(self, failure: Failure) -> None: ...

        def parse_article(self, response: Response) -> Any: ...

        def article_failed(self, failure: Failure) -> None: ...

        def _settle(
            self, run: int, token: str, fields: dict[str, str] | None = None, **increments: int
        ) -> None: ...

        def ref_of(self, site: SiteConfig) -> SiteRef: ...

    def make_request_from_data(self, data: bytes) -> list[Request]:
        job = json.loads(data)
        run, site_id, column = int(job["run"]), str(job["site"]), str(job["column"])
        site = self.sites.get(site_id)
        try:
            if site is None:
                raise ListError(f"site {site_id!r} is not in this worker's configuration")
            target = site.column(column)
            firsts = self._adapter(site, target).first_requests()
        except (ListError, KeyError) as error:
            broken = {f"col:{column}": "broken", f"why:{column}": str(error)}
            self._settle(run, f"job:{column}", broken)
            return []
        browser = "configured" if self.mode == BROWSER else None
        requests = [
            self._list_request(site, target, run, first, browser, carried=index == 0)
            for index, first in enumerate(firsts)
        ]
        if not requests:
            self._settle(run, f"job:{column}")
        return requests

    def _list_request(
        self, site: SiteConfig, target: EffectiveColumn, run: int, page: PageRequest,
        browser: str | None, *, carried: bool = False,
    ) -> Request:  # fmt: skip
        meta: dict[str, Any] = {
            ROLE: "list",
            RUN: run,
            "site": site.id,
            "column": target.name,
            "page_request": page,
            "download_slot": site.id,
        }
        if carried:
            meta[CARRIED] = True
        if browser:
            meta[MODE] = browser  # rendered: never conditional
        elif page.method.upper() == "GET":
            cached = self._cached(site.id, page.url)
            usable = cached is not None and cached.column == target.name and cached.items
            meta[VALIDATORS] = cached.validators if usable and cached else None
            meta["handle_httpstatus_list"] = [304]
        return Request(
            page.url,
            method=page.method,
            body=page.body or None,
            headers={**site.headers, **dict(page.headers)} or None,
            callback=self.parse_list,
            errback=self.list_failed,
            meta=meta,
            priority=10,
            dont_filter=True,
        )

    def _adapter(self, site: SiteConfig, target: EffectiveColumn) -> Adapter:
        key = (site.id, target.name)
        if key not in self.adapters:
            self.adapters[key] = adapter_for(target)
        return self.adapters[key]

    def _schedule(self, request: Request, referer: str | None = None) -> None:
        """Into the shared queue now (the engine pushes it at once), not as callback output:
        so it skips the spider middlewares (the Referer is set here; depth and URL length,
        which our requests never exceed, go unchecked)."""
        if referer:
            request.headers.setdefault("Referer", referer)
        self.crawler.engine.crawl(request)

    def _article_request(
        self, run: int, site: SiteConfig, target: EffectiveColumn, url: str, date: str | None,
        browser: str | None, role: str = "article",
    ) -> Request:  # fmt: skip
        meta: dict[str, Any] = {
            ROLE: role,
            RUN: run,
            "site": site.id,
            "column": target.name,
            "url": url,
            "list_date": date,
            "download_slot": site.id,
        }
        head = role == "probe" and is_attachment_url(url)  # a file is probed with HEAD
        if browser and not head:
            meta[MODE] = browser  # never rendered
        return Request(
            url,
            method="HEAD" if head else "GET",
            headers=site.headers or None,
            callback=self.parse_article,
            errback=self.article_failed,
            meta=meta,
        )

    def _cached(self, site_id: str, url: str) -> CachedPage | None:
        backoff = self.backlog.backoff
        if not backoff.ready():
            return None
        try:
            return self.cache.get(site_id, url)
        except REDIS_ERRORS as error:
            backoff.failed(error, "reading the list cache")
            return None

    def _probe(self, run: int, counters: dict[str, str]) -> int:
        """Queue the run's probes (monitor.distributed.probes); how many."""
        site = self.sites[counters.get("site", "")]
        probes = self.probes.choose(run, counters, site, self.ref_of(site))
        for url, column in probes:
            target = site.column(column)
            browser = "configured" if target.render == BROWSER else None
            self._schedule(self._article_request(run, site, target, url, None, browser, "probe"))
        return len(probes)
