"""ONE generic spider for every site: ``scrapy crawl listing -a site=<id>``.

Arguments (all but ``site`` optional): ``column=NAME`` (one column), ``max_pages=N`` (instead of
the YAML's), ``config=DIR`` (default ./config), ``database=URL`` (default: the configured store;
``none``: store nothing), ``known_urls=FILE`` (URLs to treat as known, one a line), ``output=FILE``
(JSON lines), ``stats=FILE`` (the run's stats as JSON, written at close), ``progress=1`` (progress
events on stdout, crawler.spiders.progress), ``state=DIR`` (the list-page cache folder, default
``<config>/../data/crawl-state``).

Per column: the adapter's first requests; each list page -> ``adapter.parse`` -> items; file items
become file articles, other items are fetched when unknown or due for a re-check; paging goes on
while a page shows news (crawler.spiders.state). Article pages -> ``extract_article`` -> the
item pipelines. A challenge answer never reaches a parser (crawler.middlewares).
When every list is read, known articles that vanished from a list or are due are probed: a
404/410 is withdrawal evidence. At close: listings, the run's status and stats into the ledger.

What the store knows and keeps reaches the spider only through its ledger (crawler.ledger,
chosen by the ``EDUWATCH_LEDGER`` setting); what became of each article, through Scrapy's
``item_scraped`` / ``item_dropped`` signals. The spider imports nothing of the monitor.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import scrapy
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.adapters.base import (
    Adapter,
    ListError,
    Listing,
    ListItem,
    ListResponse,
    PageRequest,
    adapter_for,
)
from crawler.items import CrawledArticle, now_utc
from crawler.ledger import Ledger, LedgerError, NullLedger, known_urls_file, make_ledger
from crawler.middlewares import (
    ROLE,
    VALIDATORS,
    VALIDATORS_SEEN,
    failure_reason,
    failure_status,
    response_charset,
)
from crawler.normalize import ExtractionError, extract_article, file_article, is_attachment_url
from crawler.offsite import scope_of
from crawler.render.planner import RenderPlanner, handler_stats
from crawler.scope import OutOfScope
from crawler.settings import site_settings
from crawler.sites import EffectiveColumn, load_site
from crawler.spiders.listcache import CachedPage, ListCache, page_key, write_atomically
from crawler.spiders.progress import Progress
from crawler.spiders.state import LISTED, ColumnRun, ColumnStatus, CrawlState

GONE = (404, 410)
FIRST_PAGE_FAILURE: dict[str, ColumnStatus] = {
    "challenge": "challenge",
    "robots": "blocked",
    "list_error": "broken",
}
_Output = Iterator[Request | CrawledArticle]


class ListingSpider(scrapy.Spider):
    name = "listing"

    def __init__(
        self,
        site: str = "",
        column: str | None = None,
        max_pages: str | int | None = None,
        config: str | None = None,
        database: str | None = None,
        known_urls: str | None = None,
        output: str | None = None,
        stats: str | None = None,
        progress: str | None = None,
        state: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not site:
            raise ValueError("which site? scrapy crawl listing -a site=<id>")
        self.config_dir = Path(config or "config")
        self.site = load_site(self.config_dir, site)
        targets = (self.site.column(column),) if column else self.site.effective_columns()
        self.targets: dict[str, EffectiveColumn] = {target.name: target for target in targets}
        self.max_pages = int(max_pages) if max_pages else None
        if self.max_pages is not None and self.max_pages < 1:
            raise ValueError(f"max_pages must be at least 1, not {max_pages}")
        self.output = Path(output) if output else None
        self.stats_path = Path(stats) if stats else None
        self.progress = Progress(progress not in (None, "", "0", "false"))
        self.given_known = known_urls_file(Path(known_urls)) if known_urls else set()
        self.database = database
        self.ledger: Ledger = NullLedger(self.site, self.config_dir)  # from_crawler: the setting's
        folder = Path(state) if state else self.config_dir.resolve().parent / "data" / "crawl-state"
        self.cache = ListCache.load(folder / f"{self.site.id}.json")
        self.scope = scope_of(self.site)
        self.render = RenderPlanner.for_site(self.site, self.targets, folder)
        self.adapters: dict[str, Adapter] = {}
        self.state: CrawlState | None = None
        self.validators: dict[str, dict[str, str]] = {}  # canonical URL -> its re-check's
        self.fatal: str | None = None
        self.probing = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ListingSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        for name, value in site_settings(spider.site).items():
            crawler.settings.set(name, value, priority="spider")
        for name, value in spider.render.configure(crawler.settings).items():
            crawler.settings.set(name, value, priority="spider")
        spider.ledger = make_ledger(
            crawler.settings, spider.site, spider.config_dir, spider.database
        )
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.on_item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(spider.on_item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(spider.on_error, signal=signals.spider_error)
        return spider

    # -- start -------------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Request]:
        self.fatal = self.render.unavailable()
        if self.fatal is not None:
            self.logger.error(self.fatal)
            return
        try:
            self.state = self._open_run()
        except LedgerError as error:
            self.fatal = str(error)
            self.logger.error(self.fatal)
            return
        state = self.state
        self.progress.emit(
            "start", run_id=self.ledger.run_id, site=self.site.id, columns=list(state.columns)
        )
        for name, target in self.targets.items():
            run = state.columns[name]
            try:
                adapter = self.adapters[name] = adapter_for(target)
                firsts = adapter.first_requests()
            except ListError as error:
                run.end("broken", str(error))
                self._settle(run)
                continue
            for page_request in firsts:
                yield self._list_request(run, page_request)

    def _open_run(self) -> CrawlState:
        self.ledger.open()
        columns = [
            ColumnRun(name, target.category, self.max_pages or target.max_pages)
            for name, target in self.targets.items()
        ]
        known = self.ledger.known() | self.given_known
        self.validators = self.ledger.validators()
        column_of = self.ledger.columns_of(self.targets)
        return CrawlState(columns, known, self.ledger.due(), self.ledger.canonical, column_of)

    # -- list pages --------------------------------------------------------------------------
    def _list_request(self, run: ColumnRun, page_request: PageRequest) -> Request:
        run.sent(page_request)
        meta: dict[str, Any] = {
            ROLE: "list",
            "column": run.name,
            "page_request": page_request,
            "handle_httpstatus_list": [304],
        }
        key = page_key(page_request)
        if key is not None:
            cached = self.cache.get(key)
            usable = cached is not None and cached.column == run.name and cached.items
            meta[VALIDATORS] = cached.validators if usable and cached else None
        return Request(
            page_request.url,
            method=page_request.method,
            body=page_request.body or None,
            headers={**self.site.headers, **dict(page_request.headers)} or None,
            callback=self.parse_list,
            errback=self.list_failed,
            meta=meta,
            priority=10,
            dont_filter=True,
        )

    def parse_list(self, response: Response) -> _Output:
        state = self._state()
        run = state.columns[response.meta["column"]]
        page_request: PageRequest = response.meta["page_request"]
        run.in_flight -= 1
        cached = self.cache.get(page_key(page_request))
        if response.status == 304:
            if cached is None:
                yield from self._list_problem(run, page_request, "unexpected_304", "304 uncached")
                return
            run.unchanged_pages += 1
            listing = Listing(cached.items, cached.rule, cached.next_requests)
        else:
            answer = ListResponse(
                page_request, response.url, response.status, response.body, self._charset(response)
            )
            try:
                listing = self.adapters[run.name].parse(answer)
            except ListError as error:
                yield from self._list_problem(run, page_request, "list_error", str(error))
                return
        yield from self._read_listing(run, page_request, listing, response)

    def _read_listing(
        self, run: ColumnRun, page_request: PageRequest, listing: Listing, response: Response
    ) -> _Output:
        state = self._state()
        fresh = response.status != 304
        rendering = self.render.after_list(run.name, response, len(listing.items))
        if rendering is not None:  # empty, but its scripts build it: the browser reads it
            run.in_flight += 1
            yield rendering
            return
        if not listing.items:
            self._page_event(run, page_request, response, listing, [])
            if run.pages == 0 and fresh:
                notes = "".join(f"; {note}" for note in listing.notes)
                reason = f"no list items on {page_request.url} (rule {listing.rule}{notes})"
                run.end("broken", reason)
            else:
                run.stopped = f"page {page_request.page} listed no items"
            yield from self._next_page(run)
            return
        run.pages += 1
        run.rule = run.rule or listing.rule
        key = page_key(page_request)
        if key is not None:
            run.read.add(key)
            if fresh:
                seen = response.meta.get(VALIDATORS_SEEN) or {}
                run.fresh[key] = CachedPage(
                    run.name, listing.rule, listing.items, listing.next_requests, **seen
                )
        if page_request.page == 1:  # a 304 too: re-checks follow their own schedule
            state.due |= self.ledger.due([item.url for item in listing.items])
        chosen = state.read_items(run, listing.items)
        self._page_event(run, page_request, response, listing, chosen)
        for item in chosen:
            yield from self._fetch(run, item)
        if state.has_news(listing.items):
            run.offer(listing.next_requests)
            if any(request.page > run.max_pages for request in listing.next_requests):
                run.stopped = f"max_pages {run.max_pages} reached"
        else:
            run.pending.clear()
            run.stopped = f"page {page_request.page}: every item known"
        yield from self._next_page(run)

    def _page_event(
        self,
        run: ColumnRun,
        page_request: PageRequest,
        response: Response,
        listing: Listing,
        chosen: list[ListItem],
    ) -> None:
        self.progress.emit(
            "page",
            column=run.name,
            page=page_request.page,
            status=response.status,
            items=len(listing.items),
            fetch=sum(not item.is_file for item in chosen),
            files=sum(item.is_file for item in chosen),
        )

    def _next_page(self, run: ColumnRun) -> _Output:
        following = run.next_page()
        if following is not None:
            yield self._list_request(run, following)
        else:
            self._settle(run)

    def _settle(self, run: ColumnRun) -> None:
        """A column whose paging is over gets its verdict (once)."""
        if run.in_flight or run.pending:
            return
        if run.status == "listing":
            unchanged = run.pages > 0 and run.pages == run.unchanged_pages
            run.end("unchanged" if unchanged else "ok")
        self.progress.emit("column", column=run.name, **run.summary())

    def list_failed(self, failure: Failure) -> _Output:
        request = failure.request  # type: ignore[attr-defined]
        run = self._state().columns[request.meta["column"]]
        run.in_flight -= 1
        reason = failure_reason(failure)
        yield from self._list_problem(
            run, request.meta["page_request"], reason, f"{reason}: {failure.getErrorMessage()}"
        )

    def _list_problem(
        self, run: ColumnRun, page_request: PageRequest, reason: str, message: str
    ) -> _Output:
        """A list page that failed: the column's verdict on its first page, a failure later."""
        self.progress.emit(
            "failure", column=run.name, reason=reason, url=page_request.url, scope="list"
        )
        if run.pages == 0 and page_request.page == 1:
            run.end(FIRST_PAGE_FAILURE.get(reason, "failed"), message)
            run.pending.clear()
        else:
            self._state().fail(f"list_{reason}", run)
        yield from self._next_page(run)

    # -- articles ----------------------------------------------------------------------------
    def _in_scope(self, url: str) -> bool:
        """Whether a URL is on the site's hosts (crawler.scope; the DNS check comes with the
        request, crawler.offsite). A list item elsewhere is skipped and counted, never fetched."""
        try:
            self.scope.check_name(url)
        except OutOfScope as error:
            self._state().offsite += 1
            self.logger.info("not fetched, off the site: %s (%s)", url, error)
            return False
        return True

    def _fetch(self, run: ColumnRun, item: ListItem) -> _Output:
        if not item.is_file and not self._in_scope(item.url):
            return
        if not item.is_file:
            meta = {ROLE: "article", "column": run.name, "url": item.url, "list_date": item.date}
            yield self._article_request(item.url, meta)
            return
        try:
            article = file_article(item.url, item.title, item.date)
        except ExtractionError as error:
            self._failed(run, error.code, item.url)
            return
        self._state().files += 1
        yield CrawledArticle(article, run.name, run.category, now_utc())

    def _article_request(self, url: str, meta: dict[str, Any], method: str = "GET") -> Request:
        """An article page (or a probe); a stored one's re-check is conditional: a 304 comes
        back to parse_article."""
        meta = {
            **meta,
            VALIDATORS: self.validators.get(self.ledger.canonical(url)),
            "handle_httpstatus_list": [304],
        }
        return Request(
            url,
            method=method,
            headers=self.site.headers or None,
            callback=self.parse_article,
            errback=self.article_failed,
            meta=meta,
            dont_filter=True,  # each URL once per crawl already (CrawlState); a redirect to a
            # page fetched before must not be dropped silently by Scrapy's duplicate filter
        )

    def parse_article(self, response: Response) -> _Output:
        state = self._state()
        run = state.columns[response.meta["column"]]
        url = response.meta["url"]
        if response.meta[ROLE] == "probe":
            state.alive.add(url)
        if response.request is not None and response.request.method == "HEAD":
            return  # a file probed: it is still there
        if response.status == 304:
            self._not_modified(run, url, bool(response.meta.get(VALIDATORS)))
            return
        rules = self.targets[run.name].extraction_rules()
        try:
            article = extract_article(response.body, response.url, self._charset(response), rules)
        except ExtractionError as error:
            self._failed(run, error.code, url)
            return
        article = replace(article, url=url)
        if article.published_at is None and response.meta.get("list_date"):
            article = replace(article, published_at=response.meta["list_date"])
        state.fetched += 1
        seen = response.meta.get(VALIDATORS_SEEN) or {}
        validators = {"etag": seen.get("etag"), "last_modified": seen.get("last_modified")}
        yield CrawledArticle(article, run.name, run.category, now_utc(), validators=validators)

    def _not_modified(self, run: ColumnRun, url: str, asked: bool) -> None:
        """A conditional re-check answered 304: checked and unchanged, recorded in the store."""
        try:
            change = self.ledger.not_modified(url, now_utc()) if asked else None
        except LedgerError as error:
            self.logger.error("%s: %s", url, error)
            self._failed(run, "store", url)
            return
        if asked and change is not None:
            state = self._state()
            state.not_modified += 1
            state.changes["unchanged"] += 1
            self.progress.emit("article", column=run.name, change="unchanged", title="")
            return
        self._failed(run, "unexpected_304", url)  # a 304 to a request that had no copy

    def article_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        state = self._state()
        run = state.columns[request.meta["column"]]
        url = request.meta["url"]
        status = failure_status(failure)
        if request.meta[ROLE] == "probe" and status in GONE and not state.listed_anywhere(url):
            state.gone(url, status or 0, run)
            self.progress.emit("gone", column=request.meta["column"], url=url, status=status)
            return
        self._failed(run, failure_reason(failure), url)

    def _failed(self, run: ColumnRun, reason: str, url: str) -> None:
        self._state().fail(reason, run)
        self.progress.emit("failure", column=run.name, reason=reason, url=url, scope="article")

    def on_item_scraped(self, item: Any, **_: Any) -> None:
        """An article through every pipeline: counted by its change (None: not stored)."""
        if not isinstance(item, CrawledArticle) or self.state is None:
            return
        if item.change is not None:
            self.state.changes[item.change] += 1
        self.progress.emit(
            "article", column=item.column, change=item.change, title=item.article.title
        )

    def on_item_dropped(self, item: Any, **_: Any) -> None:
        """An article a pipeline dropped (it could not be stored): a failure, reason ``store``."""
        if isinstance(item, CrawledArticle) and self.state is not None:
            self._failed(self.state.columns[item.column], "store", item.article.url)

    # -- probes, errors, close ---------------------------------------------------------------
    def on_idle(self) -> None:
        """Every list read and article handled: probe known articles no list showed, once."""
        if self.probing or self.state is None:
            return
        self.probing = True
        probes = [pair for pair in self.state.probes(self.cache) if self._in_scope(pair[0])]
        for url, column in probes:
            method = "HEAD" if is_attachment_url(url) else "GET"
            meta = {ROLE: "probe", "column": column, "url": url, "list_date": None}
            self.crawler.engine.crawl(self._article_request(url, meta, method))
        if probes:
            raise DontCloseSpider

    def on_error(self, failure: Failure, response: Response, spider: scrapy.Spider) -> None:
        if self.state is not None:
            self.state.fail("spider_error")

    def closed(self, reason: str) -> None:
        try:
            record = self._finish(reason)
        finally:
            self.ledger.close()
        if self.stats_path is not None:
            write_atomically(self.stats_path, json.dumps(record, ensure_ascii=False, indent=1))
        self.progress.emit("done", status=record["status"], error=record["error"])
        self.logger.info("crawl of %s: %s", self.site.id, json.dumps(record, ensure_ascii=False))

    def _finish(self, reason: str) -> dict[str, Any]:
        state = self.state
        if state is None:
            return self._record("failed", self.fatal or f"stopped: {reason}", {})
        status, error = state.outcome(reason)
        stats = {**state.stats(), **self._request_stats(), "browser": self._browser_stats()}
        try:
            for run in state.columns.values():
                if run.status in LISTED:
                    self.ledger.record_listing(run.name, run.seen.values(), run.gone)
            status = self.ledger.finish(status, stats, error)  # type: ignore[assignment]
        except LedgerError as problem:
            status, error = "failed", str(problem)
        if reason == "finished":
            self._save_cache(state, status == "ok")
            self.render.remember()
        return self._record(status, error, stats)

    def _record(self, status: str, error: str | None, stats: dict[str, Any]) -> dict[str, Any]:
        return {
            "site": self.site.id,
            "run_id": self.ledger.run_id,
            "status": status,
            "error": error,
            **stats,
        }

    def _request_stats(self) -> dict[str, Any]:
        collected = self.crawler.stats.get_stats() if self.crawler.stats else {}
        return {
            "requests": collected.get("downloader/request_count", 0),
            "retries": collected.get("retry/count", 0),
            "robots_forbidden": collected.get("robotstxt/forbidden", 0),
            **self.ledger.stats(),
        }

    def _browser_stats(self) -> dict[str, Any]:
        collected = self.crawler.stats.get_stats() if self.crawler.stats else {}
        return {**self.render.stats(), **handler_stats(collected)}

    def _save_cache(self, state: CrawlState, run_ok: bool) -> None:
        state.remember(self.cache, run_ok)
        try:
            self.cache.save()
        except OSError as error:
            self.logger.warning("cannot save the list cache %s: %s", self.cache.path, error)

    def _state(self) -> CrawlState:
        if self.state is None:
            raise RuntimeError("the crawl has not started")
        return self.state

    def _charset(self, response: Response) -> str | None:
        return self.site.encoding or response_charset(response)
