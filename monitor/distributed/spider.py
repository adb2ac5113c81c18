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

import json
import os
import socket
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from scrapy_redis.spiders import RedisSpider
from twisted.internet import task
from twisted.python.failure import Failure

from crawler.adapters.base import Adapter, ListError, ListResponse, PageRequest, adapter_for
from crawler.items import CrawledArticle, now_utc
from crawler.middlewares import (
    ROLE,
    VALIDATORS,
    VALIDATORS_SEEN,
    failure_reason,
    failure_status,
    response_charset,
)
from crawler.normalize import ExtractionError, extract_article, file_article, is_attachment_url
from crawler.sites import EffectiveColumn, SiteConfig, load_sites
from crawler.spiders.listcache import CachedPage, page_key
from crawler.urls import canonical_url
from monitor.config import ServiceConfig, load_config
from monitor.distributed.browser import BROWSER, MODE, escalation
from monitor.distributed.keys import Keys
from monitor.distributed.listcache import SharedListCache
from monitor.distributed.probes import RunProbes, alive_field, gone_field, is_gone
from monitor.distributed.retry import REDIS_ERRORS, Backoff
from monitor.distributed.runs import RunCloser
from monitor.distributed.scrapy_redis_parts import CARRIED, RUN, LeasedQueue, RunScheduler
from monitor.ingest import SiteRef, due_for_recheck, known_urls, record_listing
from monitor.ledger import STORE_ERRORS, site_ref
from monitor.store import Store, open_configured

FIRST_PAGE_FAILURE = {"challenge": "challenge", "robots": "blocked", "list_error": "broken"}
RUN_CACHE = 512  # runs whose known URLs a worker keeps in memory
_Output = Iterator[Request | CrawledArticle]


def rendered(meta: dict[str, Any]) -> dict[str, int]:
    """The run counter of a page (its request's meta) the browser rendered."""
    return {"rendered": 1} if meta.get("playwright") else {}


@dataclass(slots=True)
class RunArticle(CrawledArticle):
    """An article of a distributed run; ``request`` is acked once it is stored."""

    site_id: str = ""
    run_id: int = 0
    request: Request | None = None


class PageMeter:
    """Pages answered, and how many in the last minute."""

    def __init__(self) -> None:
        self.total = 0
        self.recent: deque[float] = deque()

    def add(self) -> None:
        now = time.monotonic()
        self.total += 1
        self.recent.append(now)
        while self.recent and self.recent[0] < now - 60:
            self.recent.popleft()

    def per_minute(self) -> int:
        cutoff = time.monotonic() - 60
        while self.recent and self.recent[0] < cutoff:
            self.recent.popleft()
        return len(self.recent)


class WorkerSpider(RedisSpider):
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
        self.queue: LeasedQueue | None = None  # set by the scheduler's queue when it opens
        self.frontier: RunScheduler | None = None  # the scheduler, set when it opens
        self.closer: RunCloser | None = None
        self.cache: SharedListCache  # set in from_crawler (they need the Redis client)
        self.probes: RunProbes
        self.adapters: dict[tuple[str, str], Adapter] = {}
        self.known: OrderedDict[int, set[str]] = OrderedDict()
        self.due: OrderedDict[int, set[str]] = OrderedDict()
        self.meter = PageMeter()
        self.current_site: str | None = None
        self.started = time.time()
        self.state = "crawling"
        self.backoff = Backoff()
        self.later: list[tuple[Callable[[], None], str]] = []  # Redis writes owed (an outage)
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

    # -- jobs --------------------------------------------------------------------------------
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
            self._count(run, {f"col:{column}": "broken", f"why:{column}": str(error)})
            self._uncount(run)
            return []
        browser = "configured" if self.mode == BROWSER else None
        requests = [
            self._list_request(site, target, run, first, browser, carried=index == 0)
            for index, first in enumerate(firsts)
        ]
        if not requests:
            self._uncount(run)
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

    # -- list pages --------------------------------------------------------------------------
    def parse_list(self, response: Response) -> list[RunArticle]:
        """The page's requests are queued (and counted in the run) before the page is acked;
        its file items (counted already) go on to the pipelines. Yielding the requests would
        not do: Scrapy schedules a callback's output in parallel tasks after it returns."""
        try:
            items: list[RunArticle] = []
            for output in self._parse_list(response):
                if isinstance(output, Request):
                    output.headers.setdefault("Referer", response.url)
                    self.crawler.engine.crawl(output)
                else:
                    assert isinstance(output, RunArticle)
                    items.append(output)
            return items
        finally:
            self._ack(response.request)

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
                known = self._known(run, self._ref(site))
                self._redis(
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
        ref = self._ref(site)
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
        if browser and not (role == "probe" and is_attachment_url(url)):
            meta[MODE] = browser  # a file is probed with HEAD, never rendered
        return Request(
            url,
            method="HEAD" if role == "probe" and is_attachment_url(url) else "GET",
            headers=site.headers or None,
            callback=self.parse_article,
            errback=self.article_failed,
            meta=meta,
        )

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
            article, target.name, target.category, now_utc(), site_id=site.id, run_id=run
        )

    def parse_article(self, response: Response) -> _Output:
        meta = response.meta
        run, site = int(meta[RUN]), self.sites[meta["site"]]
        target = site.column(meta["column"])
        self._page(site.id)
        if meta[ROLE] == "probe":
            self._count(run, alive_field(meta["url"]))
            if response.request is not None and response.request.method == "HEAD":
                self._ack(response.request)  # a file probed: it is still there
                return
        try:
            article = extract_article(
                response.body,
                response.url,
                site.encoding or response_charset(response),
                target.extraction_rules(),
            )
        except ExtractionError as error:
            self._count(run, {}, **{f"fail:{error.code}": 1})
            self._ack(response.request)
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
        try:
            if self._escalated(request, failure):
                return
            if meta[ROLE] == "probe" and status is not None and is_gone(status):  # evidence
                self._count(int(meta[RUN]), gone_field(meta["url"], meta["column"], status), gone=1)
            else:
                self._count(int(meta[RUN]), {}, **{f"fail:{failure_reason(failure)}": 1})
        finally:
            self._ack(request)

    def on_item_scraped(self, item: Any, **_: Any) -> None:
        if isinstance(item, RunArticle):
            change = {f"change:{item.change}": 1} if item.change else {}
            page = item.request.meta if item.request is not None else {}
            self._count(item.run_id, {}, articles=1, **change, **rendered(page))
            self._item_done(item)

    def on_item_dropped(self, item: Any, **_: Any) -> None:
        if isinstance(item, RunArticle):
            self._count(item.run_id, {}, **{"fail:store": 1})
            self._item_done(item)

    def _item_done(self, item: RunArticle) -> None:
        if item.request is not None:
            self._ack(item.request)
        else:
            self._uncount(item.run_id)

    def _escalated(self, request: Request, failure: Failure) -> bool:
        """A challenge on a column set to ``render: auto``: the request goes on to the browser
        workers (queued, and counted, before the caller acks this one)."""
        site = self.sites.get(str(request.meta.get("site")))
        if site is None:
            return False
        copy = escalation(request, failure, site.column(request.meta["column"]).render)
        if copy is None:
            return False
        self.crawler.engine.crawl(copy)
        self._count(int(request.meta[RUN]), {}, escalated=1)
        return True

    def _cached(self, site_id: str, url: str) -> CachedPage | None:
        if not self.backoff.ready():
            return None
        try:
            return self.cache.get(site_id, url)
        except REDIS_ERRORS as error:
            self.backoff.failed(error, "reading the list cache")
            return None

    # -- the store ---------------------------------------------------------------------------
    def _ref(self, site: SiteConfig) -> SiteRef:
        if site.id not in self.refs:
            self.refs[site.id] = site_ref(site)
        return self.refs[site.id]

    def _known(self, run: int, ref: SiteRef) -> set[str]:
        if run not in self.known:
            self.known[run] = known_urls(self.store, ref)
            while len(self.known) > RUN_CACHE:
                self.known.popitem(last=False)
        return self.known[run]

    def _due(self, run: int, ref: SiteRef, first_page: list[str]) -> set[str]:
        if run not in self.due:
            self.due[run] = due_for_recheck(self.store, ref, [])
            while len(self.due) > RUN_CACHE:
                self.due.popitem(last=False)
        if first_page:
            self.due[run] |= due_for_recheck(self.store, ref, first_page)
        return self.due[run]

    # -- Redis bookkeeping -------------------------------------------------------------------
    def _redis(self, action: Callable[[], None], what: str) -> None:
        """Do it now, or (Redis down) once Redis is back: nothing counted is lost. It waits, too,
        behind requests still to be queued: an ack before their push could close their run."""
        waiting = self.frontier is not None and bool(self.frontier.waiting)
        if self.later or waiting or not self.backoff.ready():
            self.later.append((action, what))
            return
        try:
            action()
        except REDIS_ERRORS as error:
            self.backoff.failed(error, what)
            self.later.append((action, what))

    def _retry_later(self) -> None:
        """The owed writes, in order, after the requests waiting to be queued (an ack replayed
        first could close a run whose work is still to be pushed)."""
        if self.frontier is not None:
            self.frontier.flush_waiting()
        while self.later:
            action, _ = self.later[0]
            action()
            self.later.pop(0)

    def _count(self, run: int, fields: dict[str, str], **increments: int) -> None:
        key = self.keys.run(run)

        def count() -> None:
            with self.server.pipeline() as pipe:
                if fields:
                    pipe.hset(key, mapping=fields)
                for name, amount in increments.items():
                    pipe.hincrby(key, name, amount)
                pipe.execute()

        self._redis(count, f"counting run {run}")

    def _uncount(self, run: int) -> None:
        def uncount() -> None:
            if int(self.server.hincrby(self.keys.run(run), "pending", -1)) <= 0:
                self._done(run)

        self._redis(uncount, f"counting run {run}")

    def _ack(self, request: Request | None) -> None:
        queue = self.queue
        if request is None or queue is None:
            return

        def ack() -> None:
            left = queue.ack(request)
            if left is not None and left <= 0:
                self._done(int(request.meta[RUN]))

        self._redis(ack, "acking a request")

    def _done(self, run: int) -> None:
        """The run's work is all acked: its probes are queued (once, by whoever claims them;
        a guard in ``pending`` holds the run open meanwhile), else it closes."""
        assert self.closer is not None
        counters = self.closer.claim_probes(run)
        if counters is None:
            self._close(run)
            return
        try:
            site = self.sites[counters.get("site", "")]
            probes = self.probes.choose(run, counters, site, self._ref(site))
            self._count(run, {}, probes=len(probes))
            for url, column in probes:
                target = site.column(column)
                browser = "configured" if target.render == BROWSER else None
                request = self._article_request(run, site, target, url, None, browser, "probe")
                self.crawler.engine.crawl(request)
        except STORE_ERRORS + REDIS_ERRORS + (KeyError,) as error:
            self.logger.error("run %s: its probes are not made: %s", run, error)
            self._count(run, {}, **{"fail:probes": 1})
        finally:
            self._uncount(run)

    def _close(self, run: int) -> None:
        assert self.closer is not None
        status = self.closer.close(run)
        self.known.pop(run, None)
        self.due.pop(run, None)
        if status is not None:
            self.logger.info("run %s finished: %s", run, status)

    def _page(self, site_id: str) -> None:
        self.meter.add()
        self.current_site = site_id

    # -- life --------------------------------------------------------------------------------
    def on_opened(self, spider: Any) -> None:
        self.beat = task.LoopingCall(self.heartbeat)
        self.beat.start(min(1.0, self.ttl / 3), now=True)

    def heartbeat(self) -> None:
        """Say this worker is alive (and what it does), put dead workers' work back, and take
        more jobs when the shared queue runs low (rather than at the next idle moment)."""
        if not self.backoff.ready():
            return
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": round(self.started),
            "beat": round(time.time(), 3),
            "state": self.state,
            "mode": self.mode,
            "site": self.current_site or "",
            "pages": self.meter.total,
            "pages_per_min": self.meter.per_minute(),
        }
        key = self.keys.worker(self.worker_id)
        try:
            self._retry_later()
            with self.server.pipeline() as pipe:
                pipe.hset(key, mapping=info)
                pipe.pexpire(key, int(self.ttl * 1000))
                pipe.sadd(self.keys.workers, self.worker_id)
                pipe.execute()
            if self.queue is not None:
                if time.monotonic() >= self.next_reap:  # a SCAN: once a TTL is enough
                    self.next_reap = time.monotonic() + self.ttl
                    moved = self.queue.requeue_dead()
                    if moved:
                        self.logger.warning("%d request(s) of dead workers put back", moved)
                    self._heal_lost_replies()
                if self.state == "crawling" and len(self.queue) < self.redis_batch_size:
                    self.schedule_next_requests()
                self._look_at_the_queue()
        except REDIS_ERRORS as error:
            self.backoff.failed(error, "sending the heartbeat")
            return
        self.backoff.succeeded()

    def _heal_lost_replies(self) -> None:
        """A reply lost to a Redis outage leaves a request taken that nobody holds, or a run
        whose work is all acked but never closed: put the one back, finish the other."""
        assert self.queue is not None and self.closer is not None
        orphans = self.queue.requeue_orphans()
        if orphans:
            self.logger.warning("%d request(s) taken but never received put back", orphans)
        for run in self.closer.stalled():
            self.logger.warning("run %s: all its work was done, unheard: finishing it", run)
            self._done(run)

    def _look_at_the_queue(self) -> None:
        """Have the engine ask the shared queue for work now: on its own it looks every 5 s
        (stack research §3: a worker joins up to 5 s late). Scrapy has no public call for it."""
        slot = getattr(self.crawler.engine, "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()

    def spider_idle(self) -> None:
        """scrapy-redis's idle handler, kept alive through a Redis outage."""
        if self.state == "crawling" and self.backoff.ready():
            try:
                self.schedule_next_requests()
            except REDIS_ERRORS as error:
                self.backoff.failed(error, "reading the jobs")
        raise DontCloseSpider

    def on_closed(self, spider: Any, reason: str) -> None:
        self.state = "stopped"
        if self.beat is not None and self.beat.running:
            self.beat.stop()
        try:
            self.server.delete(self.keys.worker(self.worker_id))
            self.server.srem(self.keys.workers, self.worker_id)
        except REDIS_ERRORS as error:
            self.logger.warning("cannot remove the worker's heartbeat: %s", error)
        self.store.close()
