"""The bookkeeping of one site crawl, free of Scrapy: what each column listed, which items to
fetch, when to stop paging, what failed and why, and the run's outcome and stats.

Decisions (issue 3, DESIGN.md):
- an item is fetched when its URL is not known yet, or the store says it is due for a re-check;
  each URL at most once per crawl, whichever column lists it;
- a column pages on while a page shows an article it did not know, up to its ``max_pages``;
- zero list items on a column (not a 304) is a broken column, never "no news";
- the run is ``failed`` when no column could be listed, ``partial`` when a column or an article
  failed, else ``ok``; a crawl that did not finish normally is ``failed``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from crawler.adapters.base import ListItem, PageRequest
from crawler.names import RunStatus
from crawler.spiders.listcache import CachedPage, ListCache
from crawler.spiders.probes import choose_probes

ColumnStatus = Literal["listing", "ok", "unchanged", "broken", "challenge", "failed", "blocked"]
LISTED: frozenset[str] = frozenset({"ok", "unchanged"})
RequestKey = tuple[str, str, bytes]


def request_key(request: PageRequest) -> RequestKey:
    return (request.method.upper(), request.url, request.body)


@dataclass(eq=False)
class ColumnRun:
    """One column's part of the crawl."""

    name: str
    category: str
    max_pages: int
    status: ColumnStatus = "listing"
    reason: str | None = None
    rule: str | None = None
    pages: int = 0  # list pages answered (200 or 304)
    unchanged_pages: int = 0  # ... of which 304
    items: int = 0  # list items read (with repeats across pages)
    failures: int = 0  # articles and later list pages of this column that failed
    in_flight: int = 0  # list requests out
    stopped: str | None = None  # why paging ended early
    seen: dict[str, str] = field(default_factory=dict)  # canonical URL -> URL as listed
    gone: dict[str, int] = field(default_factory=dict)  # vanished known URL -> 404/410
    fresh: dict[str, CachedPage] = field(default_factory=dict)  # pages answered 200 (cache)
    read: set[str] = field(default_factory=set)  # cache keys of the pages answered
    pending: dict[RequestKey, PageRequest] = field(default_factory=dict)
    requested: set[RequestKey] = field(default_factory=set)

    @property
    def listed(self) -> bool:
        return self.status in LISTED

    def end(self, status: ColumnStatus, reason: str | None = None) -> None:
        """Settle the column's status (a listed column keeps its first verdict)."""
        if self.status == "listing" or status not in LISTED:
            self.status, self.reason = status, reason

    def sent(self, request: PageRequest) -> None:
        self.requested.add(request_key(request))
        self.pending.pop(request_key(request), None)
        self.in_flight += 1

    def offer(self, requests: Iterable[PageRequest]) -> None:
        """Pages further on, as an adapter gives them (any order, repeats allowed)."""
        for request in requests:
            key = request_key(request)
            if key not in self.requested and 1 < request.page <= self.max_pages:
                self.pending.setdefault(key, request)

    def next_page(self) -> PageRequest | None:
        """The lowest pending page, or None when paging is over."""
        if not self.pending:
            return None
        return min(self.pending.values(), key=lambda request: request.page)

    def summary(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason,
            "rule": self.rule,
            "pages": self.pages,
            "unchanged_pages": self.unchanged_pages,
            "items": len(self.seen),
            "failures": self.failures,
            "stopped": self.stopped,
            "gone": len(self.gone),
        }


class CrawlState:
    """The whole crawl: columns, what is known and due, what was scheduled, counters."""

    def __init__(
        self,
        columns: Iterable[ColumnRun],
        known: set[str],
        due: set[str],
        canonical: Callable[[str], str],
        column_of: dict[str, str] | None = None,
    ) -> None:
        self.columns = {column.name: column for column in columns}
        self.known = known
        self.due = set(due)
        self.column_of = column_of or {}  # canonical URL of a stored article -> its column
        self.canonical = canonical
        self.scheduled: set[str] = set()
        self.failures: Counter[str] = Counter()
        self.changes: Counter[str] = Counter()
        self.fetched = 0  # article pages answered with content
        self.not_modified = 0  # conditional re-checks answered 304
        self.files = 0  # file articles made from list items
        self.probed = 0
        self.offsite = 0  # list items and probes off the site's hosts, not fetched
        self.alive: set[str] = set()  # probed URLs that answered with content
        self.started = time.monotonic()

    # -- lists -------------------------------------------------------------------------------
    def read_items(self, column: ColumnRun, items: Iterable[ListItem]) -> list[ListItem]:
        """Note a page's items; returns those to fetch (or to turn into file articles)."""
        chosen: list[ListItem] = []
        for item in items:
            key = self.canonical(item.url)
            column.items += 1
            column.seen.setdefault(key, item.url)
            if key in self.scheduled or (key in self.known and key not in self.due):
                continue
            self.scheduled.add(key)
            chosen.append(item)
        return chosen

    def has_news(self, items: Iterable[ListItem]) -> bool:
        """Whether a page shows an article unknown before this crawl (paging goes on)."""
        return any(self.canonical(item.url) not in self.known for item in items)

    def listed_anywhere(self, url: str) -> bool:
        key = self.canonical(url)
        return any(key in column.seen for column in self.columns.values())

    # -- probes ------------------------------------------------------------------------------
    def probes(self, cache: ListCache) -> list[tuple[str, str]]:
        """Known articles to request although no list of this crawl showed them
        (crawler.spiders.probes): ``(url, column)`` pairs, each once a crawl."""
        listed = [column for column in self.columns.values() if column.listed]
        before = [
            (column.name, cache.get(key)) for column in listed for key in sorted(column.fresh)
        ]
        vanished = [
            (item.url, name) for name, page in before for item in (page.items if page else ())
        ]
        chosen = choose_probes(
            vanished=vanished,
            suspects=cache.suspects,
            due=self.due,
            column_of=self.column_of,
            listed_columns={column.name for column in listed},
            known=self.known,
            skip=lambda key: key in self.scheduled or self.listed_anywhere(key),
            canonical=self.canonical,
        )
        self.scheduled.update(self.canonical(url) for url, _ in chosen)
        self.probed = len(chosen)
        return chosen

    def gone(self, url: str, status: int, column: ColumnRun) -> None:
        """A known article no list showed answered 404/410: withdrawal evidence."""
        column.gone[url] = status

    def remember(self, cache: ListCache, run_ok: bool) -> None:
        """Put what this crawl read into the list cache, and settle its suspects. A column with
        a failure keeps no validators: its next crawl reads the full list again, so nothing
        that failed hides behind a 304."""
        pages: dict[str, CachedPage] = {}
        for column in self.columns.values():
            if not column.listed:
                continue
            for key in column.read:
                page = column.fresh.get(key) or cache.get(key)
                if page is not None:
                    pages[key] = page.without_validators() if column.failures else page
        cache.update(pages)
        gone = {url: column.name for column in self.columns.values() for url in column.gone}
        cleared = {url for url in cache.suspects if url in self.alive or self.listed_anywhere(url)}
        cache.settle_suspects(gone, cleared, run_ok)

    # -- failures and outcome ----------------------------------------------------------------
    def fail(self, reason: str, column: ColumnRun | None = None) -> None:
        self.failures[reason] += 1
        if column is not None:
            column.failures += 1

    def outcome(self, close_reason: str) -> tuple[RunStatus, str | None]:
        columns = list(self.columns.values())
        problems = [f"{c.name}: {c.reason or c.status}" for c in columns if not c.listed]
        if close_reason != "finished":
            return "failed", f"the crawl stopped before its end ({close_reason})"
        if not any(column.listed for column in columns):
            return "failed", "; ".join(problems) or "no column to crawl"
        if problems or self.failures:
            failed = ", ".join(f"{reason} {n}" for reason, n in sorted(self.failures.items()))
            parts = problems + ([f"failed requests: {failed}"] if failed else [])
            return "partial", "; ".join(parts)
        return "ok", None

    def stats(self) -> dict[str, Any]:
        columns = self.columns.values()
        return {
            "pages": sum(column.pages for column in columns),
            "unchanged_pages": sum(column.unchanged_pages for column in columns),
            "items": len({key for column in columns for key in column.seen}),
            "articles": self.fetched + self.files,
            "article_pages": self.fetched,
            "not_modified": self.not_modified,
            "file_articles": self.files,
            "probes": self.probed,
            "offsite_items": self.offsite,
            "gone": sum(len(column.gone) for column in columns),
            "changes": dict(sorted(self.changes.items())),
            "failures": dict(sorted(self.failures.items())),
            "columns": {column.name: column.summary() for column in columns},
            "elapsed": round(time.monotonic() - self.started, 3),
        }
