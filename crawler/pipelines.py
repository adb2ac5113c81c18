"""The crawler's crossing into the service: a site run in the store, and the item pipelines.

``RunLedger`` is the only place the crawler calls ``monitor.ingest`` (DESIGN.md: the last
pipeline crosses, nothing else): it opens the run, says what the store knows and what is due,
ingests each article in its own transaction, records the listings and finishes the run. With no
database (``database=none``) it stores nothing and knows only the URLs it was given.

``IngestPipeline`` hands each ``CrawledArticle`` to the ledger, which ingests it in the crawl
process; with ``EDUWATCH_STORE_WRITER_AFTER = N`` a store writer process
(crawler.spiders.writer) takes over after N articles, so a big crawl at no delay (a backfill)
stores on another core while it downloads, for about 130 MB more (bench/crawl.py). Scheduled
crawls wait a second between requests: storing inline costs them nothing. ``JsonLinesPipeline``
writes each article as one JSON line when the crawl was given an output file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from sqlalchemy.exc import SQLAlchemyError

from crawler.normalize import Article
from crawler.sites import SiteConfig
from crawler.spiders.writer import IngestFailed, StoreWriter, WriterSetup
from monitor.config import load_config
from monitor.errors import EduwatchError
from monitor.ingest import (
    SiteRef,
    Validators,
    article_validators,
    canonical_url,
    due_for_recheck,
    finish_run,
    ingest_article,
    known_urls,
    record_listing,
    record_not_modified,
    rules_hash,
    start_run,
)
from monitor.store import Store, open_store

NO_DATABASE = "none"
STORE_ERRORS = (EduwatchError, SQLAlchemyError, OSError)


class LedgerError(Exception):
    """The store cannot open, answer or record the run (the reason is the store's error)."""


@dataclass(slots=True)
class CrawledArticle:
    """One article of the crawl on its way through the pipelines."""

    article: Article
    column: str
    category: str
    fetched_at: datetime
    change: str | None = None  # new, revised, unchanged, baseline (None: not stored)
    validators: Validators | None = None  # the page answer's ETag/Last-Modified (None: no page)

    def record(self, site_id: str) -> dict[str, Any]:
        """The JSON line of ``--output``: the article's fields and where it came from."""
        return {
            "site": site_id,
            "column": self.column,
            "category": self.category,
            **self.article.to_dict(),
            "fetched_at": self.fetched_at.isoformat(),
            "change": self.change,
        }


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

    def __init__(self, site: SiteConfig, config_dir: Path, database: str | None = None) -> None:
        self.site = site_ref(site)
        self.config_dir = config_dir
        self.database = database
        self.store: Store | None = None
        self.run_id: int | None = None
        self.url: str | None = None
        self.writer: StoreWriter | None = None
        self.writer_after: int | None = None  # articles stored here before a writer takes over
        self.inline_count = 0
        self.writer_count = 0  # articles handed to the writer

    @property
    def enabled(self) -> bool:
        return self.database != NO_DATABASE

    def open(self) -> None:
        """Open the store (migrated) and start the run; LedgerError when it cannot."""
        if not self.enabled:
            return
        with _ledger_errors("cannot open the store"):
            config = load_config(self.config_dir)
            self.url = self.database or config.database.url
            self.store = open_store(self.url, config)
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
                    validators=item.validators,
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

    def validators(self) -> dict[str, dict[str, str]]:
        """Canonical URL -> the validators a re-check of it sends (crawler.middlewares)."""
        if self.store is None:
            return {}
        with _ledger_errors("cannot read the articles' validators"):
            found = article_validators(self.store, self.site)
        return {url: meta for url, found_one in found.items() if (meta := found_one.as_meta())}

    def not_modified(self, url: str, checked_at: datetime) -> str | None:
        """A re-check answered 304: recorded as checked; ``unchanged``, or None when the store
        has no such article (or there is no store)."""
        if self.store is None:
            return None
        with _ledger_errors("cannot record the re-check"):
            result = record_not_modified(self.store, self.site, url, checked_at)
        return result.kind if result is not None else None

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


def known_urls_file(path: Path) -> set[str]:
    """Canonical URLs of a file of URLs, one a line (blank lines and ``#`` comments skipped)."""
    lines = path.read_text("utf-8").splitlines()
    return {
        canonical_url(line.strip()) for line in lines if line.strip() and not line.startswith("#")
    }


def now_utc() -> datetime:
    return datetime.now(UTC)


class IngestPipeline:
    """Article -> monitor.ingest, one transaction per article."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IngestPipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        spider: Any = self.crawler.spider
        ledger: RunLedger | None = getattr(spider, "ledger", None)
        if not isinstance(item, CrawledArticle) or ledger is None:
            return item
        try:
            item.change = await ledger.ingest(item)
        except IngestFailed as error:
            spider.article_stored(item, None, f"store: {error}")
            raise DropItem(f"not stored: {item.article.url}: {error}") from error
        spider.article_stored(item, item.change, None)
        return item


class JsonLinesPipeline:
    """Each article as one JSON line (UTF-8, Chinese as is) when the crawl has ``output``."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.file: IO[str] | None = None
        self.site_id = ""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        spider: Any = self.crawler.spider
        output: Path | None = getattr(spider, "output", None)
        if output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
            self.file = output.open("w", encoding="utf-8")
            self.site_id = spider.site.id

    def process_item(self, item: Any) -> Any:
        if self.file is not None and isinstance(item, CrawledArticle):
            self.file.write(json.dumps(item.record(self.site_id), ensure_ascii=False) + "\n")
            self.file.flush()
        return item

    def close_spider(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
