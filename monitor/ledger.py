"""The monitor's side of the crawler's door (crawler.ledger): a site run in the store, and the
item pipeline that stores.

``RunLedger`` is the only place a crawl calls ``monitor.ingest`` (DESIGN.md: the last pipeline
crosses, nothing else): it opens the run, says what the store knows and what is due, ingests
each article in its own transaction, records the listings and finishes the run. The crawler
meets it only through the ``Ledger`` protocol, by the dotted path of the ``EDUWATCH_LEDGER``
setting (monitor.scrapy_settings).

``IngestPipeline`` hands each ``CrawledArticle`` to the spider's ledger, which ingests it in the
crawl process; with ``EDUWATCH_STORE_WRITER_AFTER = N`` a store writer process (monitor.writer)
takes over after N articles, so a big crawl at no delay (a backfill) stores on another core
while it downloads, for about 130 MB more (bench/crawl.py). Scheduled crawls wait a second
between requests: storing inline costs them nothing. The spider learns what became of each
article from Scrapy's ``item_scraped`` / ``item_dropped`` signals, not from the pipeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.settings import BaseSettings
from sqlalchemy.exc import SQLAlchemyError

from crawler.items import CrawledArticle
from crawler.ledger import LedgerError
from crawler.sites import SiteConfig
from crawler.urls import canonical_url
from monitor.config import load_config
from monitor.errors import EduwatchError
from monitor.ingest import (
    SiteRef,
    due_for_recheck,
    finish_run,
    ingest_article,
    known_urls,
    record_listing,
    rules_hash,
    start_run,
)
from monitor.store import Store, database_url, open_configured
from monitor.writer import IngestFailed, StoreWriter, WriterSetup

STORE_ERRORS = (EduwatchError, SQLAlchemyError, OSError)
WRITER_SETTING = "EDUWATCH_STORE_WRITER_AFTER"


def site_rules(site: SiteConfig) -> dict[str, Any]:
    """What makes a site's crawl extract what it does: its columns with their adapter, options
    and selectors. A change starts a silent baseline (monitor.ingest)."""
    return {
        "columns": [
            {
                "name": column.name,
                "url": column.url,
                "adapter": column.adapter,
                "options": column.options.model_dump(mode="json"),
                "list": column.list_selectors.model_dump(mode="json"),
                "article": column.article_selectors.model_dump(mode="json"),
            }
            for column in site.effective_columns()
        ]
    }


def site_ref(site: SiteConfig) -> SiteRef:
    return SiteRef(site.id, site.name, site.authority, rules_hash(site_rules(site)))


class RunLedger:
    """One crawl run of a site in the store (``database`` URL, else the configured one)."""

    def __init__(
        self,
        site: SiteConfig,
        config_dir: Path,
        database: str | None = None,
        settings: BaseSettings | None = None,
    ) -> None:
        self.site = site_ref(site)
        self.config_dir = config_dir
        self.database = database
        self.store: Store | None = None
        self.run_id: int | None = None
        self.url: str | None = None
        self.writer: StoreWriter | None = None
        # articles stored here before a writer takes over (None: all of them)
        self.writer_after = _writer_after(settings.get(WRITER_SETTING) if settings else None)
        self.inline_count = 0
        self.writer_count = 0  # articles handed to the writer

    def open(self) -> None:
        """Open the store (migrated) and start the run; LedgerError when it cannot."""
        with _ledger_errors("cannot open the store"):
            config = load_config(self.config_dir)
            self.url = database_url(config, self.database)
            self.store = open_configured(config, self.database)
            self.run_id = start_run(self.store, self.site)

    def canonical(self, url: str) -> str:
        return canonical_url(url)

    def known(self) -> set[str]:
        with _ledger_errors("cannot read the known articles"):
            return known_urls(self.store, self.site) if self.store else set()

    def columns_of(self, columns: Iterable[str]) -> dict[str, str]:
        """Canonical URL -> column, for the stored articles of these columns."""
        if self.store is None:
            return {}
        found: dict[str, str] = {}
        with _ledger_errors("cannot read the known articles"):
            for column in columns:
                found.update(dict.fromkeys(known_urls(self.store, self.site, column), column))
        return found

    def due(self, first_page_urls: Iterable[str] = ()) -> set[str]:
        if self.store is None:
            return set()
        with _ledger_errors("cannot read the articles due for a re-check"):
            return due_for_recheck(self.store, self.site, first_page_urls)

    async def ingest(self, item: CrawledArticle) -> str | None:
        """Store one article in its own transaction, here or in the writer process; its change
        kind, None without a store. IngestFailed when it could not be stored."""
        if self.store is None or self.url is None:
            return None
        inline = self.writer_after is None or self.inline_count < self.writer_after
        if self.writer is None and inline:
            self.inline_count += 1
            try:
                return ingest_article(
                    self.store,
                    self.site,
                    item.column,
                    item.category,
                    item.article,
                    item.fetched_at,
                    self.run_id,
                ).kind
            except STORE_ERRORS as error:
                raise IngestFailed(f"{type(error).__name__}: {error}") from error
        if self.writer is None:
            self.writer = StoreWriter(
                WriterSetup(self.url, self.config_dir, self.site, self.run_id)
            )
            self.writer.start()
        self.writer_count += 1
        return await self.writer.ingest(item)

    def record_listing(
        self, column: str | None, urls_seen: Iterable[str], gone: Mapping[str, int]
    ) -> None:
        if self.store is not None and self.run_id is not None:
            with _ledger_errors("cannot record the listing"):
                record_listing(self.store, self.run_id, column, urls_seen, gone)

    def finish(self, status: str, stats: dict[str, Any], error: str | None) -> str:
        """Close the run; returns the status the store recorded (zero items make it failed)."""
        if self.store is None or self.run_id is None:
            return status
        with _ledger_errors("cannot record the run"):
            outcome = finish_run(self.store, self.run_id, status, stats, error)  # type: ignore[arg-type]
        return outcome.status

    def stats(self) -> dict[str, Any]:
        return {"stored_by_writer": self.writer_count}

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        if self.store is not None:
            self.store.close()
            self.store = None


@contextmanager
def _ledger_errors(doing: str) -> Iterator[None]:
    try:
        yield
    except STORE_ERRORS as error:
        raise LedgerError(f"{doing}: {type(error).__name__}: {error}") from error


def _writer_after(value: Any) -> int | None:
    return None if value in (None, "", "none", "None") else int(value)


class IngestPipeline:
    """Article -> the spider's RunLedger -> monitor.ingest, one transaction per article. The
    article's fate reaches the spider as ``item_scraped`` (its ``change`` set) or
    ``item_dropped`` (not stored)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IngestPipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        ledger = getattr(self.crawler.spider, "ledger", None)
        if not isinstance(item, CrawledArticle) or not isinstance(ledger, RunLedger):
            return item
        try:
            item.change = await ledger.ingest(item)
        except IngestFailed as error:
            raise DropItem(f"not stored: {item.article.url}: {error}") from error
        return item
