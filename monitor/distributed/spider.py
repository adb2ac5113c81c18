"""The worker's spider: column jobs from Redis -> list pages -> article pages -> the store.

A job (``{"site", "column", "run"}``, pushed by the leader) becomes the column's first list
request(s); a list page is parsed by the column's adapter, recorded as the run's listing, and its
unknown (or due) items become article requests; paging goes on while a page shows an article
the store does not know, up to the column's ``max_pages``. Every request goes through the shared
scrapy-redis queue, so any worker may take it. What a request yields is queued before it is
acked; an article page is acked when its article is stored (scrapy_redis_parts).

List pages are asked conditionally (monitor.distributed.listcache): a 304 is read from the
shared cache and its first-page articles are not re-checked. When a run's work is all acked, its
known articles that no list showed (vanished, suspected, due) are probed before it closes: a
404/410 is withdrawal evidence (monitor.distributed.probes).
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy_redis.spiders import RedisSpider
from twisted.internet import task
from twisted.python.failure import Failure

from crawler.adapters.base import Adapter, ListError, ListResponse, PageRequest
from crawler.items import CrawledArticle, now_utc
from crawler.middlewares import (
    ROLE,
    VALIDATORS_SEEN,
    failure_reason,
    failure_status,
    response_charset,
)
from crawler.normalize import ExtractionError, extract_article, file_article
from crawler.sites import EffectiveColumn, SiteConfig, load_sites
from crawler.spiders.listcache import CachedPage, page_key
from crawler.urls import canonical_url
from monitor.config import ServiceConfig, load_config
from monitor.distributed.bookkeeping import RunBook
from monitor.distributed.browser import BROWSER, MODE, escalation
from monitor.distributed.items import RunArticle, rendered
from monitor.distributed.keys import Keys
from monitor.distributed.life import PageMeter, WorkerLife
from monitor.distributed.listcache import SharedListCache
from monitor.distributed.probes import RunProbes, alive_field, gone_field, is_gone
from monitor.distributed.requests import RunRequests
from monitor.distributed.retry import Backlog
from monitor.distributed.runs import RunCloser
from monitor.distributed.scrapy_redis_parts import RUN, LeasedQueue
from monitor.ingest import SiteRef, record_listing
from monitor.store import Store, open_configured

__all__ = ["WorkerSpider"]

FIRST_PAGE_FAILURE = {"challenge": "challenge", "robots": "blocked", "list_error": "broken"}
_Output = Iterator[Request | CrawledArticle]


class WorkerSpider(RunRequests, WorkerLife, RunBook, RedisSpider):
    """Column jobs to stored articles (see the module's docstring); its requests are made by
    monitor.distributed.requests, its runs counted by monitor.distributed.bookkeeping, its
    heartbeat is monitor.distributed.life's."""

    name = "eduwatch-worker"
    redis_batch_size = 64

    def __init__(
        self,
        config: str = "config",
        worker: str = "",
        service: ServiceConfig | None = None,
        sites: Iterable[SiteConfig] | None = None,
        browser: bool = False,
        **kwargs: Any,
    ) -> None:
        """``service`` and ``sites``: the configuration the worker command loaded (else read
        from ``config``); ``browser``: take the browser work (monitor.distributed.browser)."""
        super().__init__(**kwargs)
        self.config_dir = Path(config)
        service = service or load_config(self.config_dir)
        self.keys = Keys(service.redis.prefix)
        self.mode = BROWSER if browser else "http"
        self.redis_key = self.keys.jobs(self.mode)
        self.worker_id = worker or f"{socket.gethostname()}-{os.getpid()}"
        self.ttl = service.redis.worker_ttl.total_seconds()
        if sites is None:
            sites = load_sites(self.config_dir).sites
        self.sites: dict[str, SiteConfig] = {site.id: site for site in sites}
        self.refs: dict[str, SiteRef] = {}
        self.store: Store = open_configured(service)
        self.queue: LeasedQueue  # set by the scheduler's queue when it opens
        self.closer: RunCloser  # set in from_crawler, as these (they need the Redis client)
        self.cache: SharedListCache
        self.probes: RunProbes
        self.adapters: dict[tuple[str, str], Adapter] = {}
        self.known: OrderedDict[int, set[str]] = OrderedDict()
        self.due: OrderedDict[int, set[str]] = OrderedDict()
        self.meter = PageMeter()
        self.current_site: str | None = None
        self.started = time.time()
        self.state = "crawling"
        self.backlog = Backlog()  # Redis writes owed in an outage (the scheduler's pushes too)
        self.beat: task.LoopingCall | None = None
        self.next_reap = 0.0  # monotonic time of the next look for dead workers' requests

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> WorkerSpider:
        spider: WorkerSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.closer = RunCloser(spider.server, spider.keys, spider.store)
        spider.probes = spider.closer.probes
        spider.cache = spider.probes.cache
        crawler.signals.connect(spider.on_item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(spider.on_item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(spider.on_opened, signal=signals.spider_opened)
        crawler.signals.connect(spider.on_closed, signal=signals.spider_closed)
        return spider

    # -- list pages --------------------------------------------------------------------------
    def parse_list(self, response: Response) -> list[RunArticle]:
        """The page's requests are queued (and counted in the run) before the page is acked;
        its file items (counted already) go on to the pipelines. Yielding the requests would
        not do: Scrapy schedules a callback's output in parallel tasks after it returns."""
        items: list[RunArticle] = []
        try:
            for output in self._parse_list(response):
                if isinstance(output, Request):
                    self._schedule(output, referer=response.url)
                else:
                    assert isinstance(output, RunArticle)
                    items.append(output)
        except Exception:
            for item in items:  # counted, and never to reach the pipelines
                self._item_done(item)
            raise
        finally:
            self._ack(response.request)
        return items

    def _parse_list(self, response: Response) -> _Output:
        meta = response.meta
        run, site = int(meta[RUN]), self.sites[meta["site"]]
        target = site.column(meta["column"])
        page: PageRequest = meta["page_request"]
        browser: str | None = meta.get(MODE)  # what the page yields is browser work too
        self._page(site.id)
        cached = self._cached(site.id, page.url) if response.status == 304 else None
        if response.status == 304 and cached is not None:
            listing = SharedListCache.listing(cached)
        elif response.status == 304:
            self._list_problem(run, target.name, page, "unexpected_304", "304 uncached")
            return
        else:
            charset = site.encoding or response_charset(response)
            answer = ListResponse(page, response.url, response.status, response.body, charset)
            try:
                listing = self._adapter(site, target).parse(answer)
            except ListError as error:
                self._list_problem(run, target.name, page, "list_error", str(error))
                return
            if listing.items and page_key(page) is not None:
                seen = meta.get(VALIDATORS_SEEN) or {}
                fresh = CachedPage(
                    target.name, listing.rule, listing.items, listing.next_requests, **seen
                )
                known = self._known(run, self.ref_of(site))
                self.backlog.run(
                    lambda: self.probes.note_page(run, site.id, page.url, fresh, known),
                    "caching a list",
                )
        if not listing.items:
            if page.page == 1:
                why = f"no list items on {page.url} (rule {listing.rule})"
                self._count(run, {f"col:{target.name}": "broken", f"why:{target.name}": why})
            return
        fields = {f"col:{target.name}": "ok"} if page.page == 1 else {}
        self._count(run, fields, pages=1, items=len(listing.items), **rendered(response.meta))
        ref = self.ref_of(site)
        urls = [item.url for item in listing.items]
        record_listing(self.store, run, target.name, urls)
        known = self._known(run, ref)
        first_fresh = page.page == 1 and response.status != 304
        due = self._due(run, ref, urls if first_fresh else [])
        for item in listing.items:
            key = canonical_url(item.url)
            if key in known and key not in due:
                continue
            if item.is_file:
                yield from self._file(run, site, target, item.url, item.title, item.date)
            else:
                yield self._article_request(run, site, target, item.url, item.date, browser)
        if any(canonical_url(url) not in known for url in urls) and page.page < target.max_pages:
            following = [r for r in listing.next_requests if r.page == page.page + 1]
            if following:
                yield self._list_request(site, target, run, following[0], browser)

    def list_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        try:
            if self._escalated(request, failure):
                return
            reason = failure_reason(failure)
            message = f"{reason}: {failure.getErrorMessage()}"
            meta = request.meta
            self._list_problem(
                int(meta[RUN]), meta["column"], meta["page_request"], reason, message
            )
        finally:
            self._ack(request)

    def _list_problem(
        self, run: int, column: str, page: PageRequest, reason: str, message: str
    ) -> None:
        if page.page == 1:
            status = FIRST_PAGE_FAILURE.get(reason, "failed")
            self._count(run, {f"col:{column}": status, f"why:{column}": message})
        else:
            self._count(run, {}, **{f"fail:list_{reason}": 1})

    # -- articles ----------------------------------------------------------------------------
    def _file(
        self, run: int, site: SiteConfig, target: EffectiveColumn, url: str, title: str,
        date: str | None,
    ) -> _Output:  # fmt: skip
        try:
            article = file_article(url, title, date)
        except ExtractionError as error:
            self._count(run, {}, **{f"fail:{error.code}": 1})
            return
        self._count(run, {}, pending=1)  # the item counts until it is stored
        yield RunArticle(
            article, target.name, target.category, now_utc(), site_id=site.id, run_id=run,
            token=secrets.token_hex(8),
        )  # fmt: skip

    def parse_article(self, response: Response) -> _Output:
        meta = response.meta
        run, site = int(meta[RUN]), self.sites[meta["site"]]
        target = site.column(meta["column"])
        self._page(site.id)
        if meta[ROLE] == "probe":
            if response.request is not None and response.request.method == "HEAD":
                self._ack(response.request, alive_field(meta["url"]))  # a file: still there
                return
            self._count(run, alive_field(meta["url"]))
        try:
            article = extract_article(
                response.body,
                response.url,
                site.encoding or response_charset(response),
                target.extraction_rules(),
            )
        except ExtractionError as error:
            self._ack(response.request, {}, **{f"fail:{error.code}": 1})
            return
        article = replace(article, url=meta["url"])
        if article.published_at is None and meta.get("list_date"):
            article = replace(article, published_at=meta["list_date"])
        yield RunArticle(
            article,
            target.name,
            target.category,
            now_utc(),
            site_id=site.id,
            run_id=run,
            request=response.request,
        )

    def article_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        meta, status = request.meta, failure_status(failure)
        fields: dict[str, str] = {}
        increments: dict[str, int] = {}
        try:
            if self._escalated(request, failure):
                pass
            elif meta[ROLE] == "probe" and status is not None and is_gone(status):  # evidence
                fields, increments = gone_field(meta["url"], meta["column"], status), {"gone": 1}
            else:
                increments = {f"fail:{failure_reason(failure)}": 1}
        finally:
            self._ack(request, fields, **increments)

    def on_item_scraped(self, item: Any, **_: Any) -> None:
        if isinstance(item, RunArticle):
            change = {f"change:{item.change}": 1} if item.change else {}
            page = item.request.meta if item.request is not None else {}
            self._item_done(item, articles=1, **change, **rendered(page))

    def on_item_dropped(self, item: Any, **_: Any) -> None:
        if isinstance(item, RunArticle):
            self._item_done(item, **{"fail:store": 1})

    def _item_done(self, item: RunArticle, **increments: int) -> None:
        """The item is stored (or dropped): its counts go with its request's ack."""
        if item.request is not None:
            self._ack(item.request, {}, **increments)
        else:
            self._settle(item.run_id, item.token, {}, **increments)

    def _escalated(self, request: Request, failure: Failure) -> bool:
        """A challenge on a column set to ``render: auto``: a copy of the request goes on to
        the browser workers (queued, and counted, before this one is acked)."""
        site = self.sites.get(str(request.meta.get("site")))
        try:
            render = site.column(request.meta["column"]).render if site is not None else None
        except KeyError:  # the column is gone from this worker's configuration
            return False
        copy = escalation(request, failure, render) if render is not None else None
        if copy is None:
            return False
        self._schedule(copy)
        self._count(int(request.meta[RUN]), {}, escalated=1)
        return True

    def _page(self, site_id: str) -> None:
        self.meter.add()
        self.current_site = site_id
