"""Counters derived from the store at scrape time, read incrementally: each scrape reads only the
crawl runs finished and the deliveries sent since the last one (with an overlap, so a transaction
that committed late is not missed; ids already counted are skipped). The first scrape of a
process counts everything stored, as a counter that starts with the process."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store.delivery_models import Delivery
from monitor.store.models import CrawlRun

OVERLAP = timedelta(minutes=10)
LATENCY_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 6 * 3600.0, 86400.0)
EXTRACTION_REASONS = frozenset({"no_title", "no_body", "empty", "not_html", "bad_rule"})


def failure_stage(reason: str) -> str:
    """`render`, `extraction` or `fetch`: where a crawl's failure reason happened."""
    bare = reason.removeprefix("list_")
    if bare.startswith("render") or "playwright" in bare or "browser" in bare:
        return "render"
    return "extraction" if bare in EXTRACTION_REASONS else "fetch"


class _Cursor:
    """The rows read so far: a time mark and the ids seen within the overlap before it."""

    def __init__(self) -> None:
        self.mark: datetime | None = None
        self.seen: dict[int, datetime] = {}

    @property
    def since(self) -> datetime | None:
        return self.mark - OVERLAP if self.mark is not None else None

    def fresh(self, row_id: int, moment: datetime) -> bool:
        if row_id in self.seen:
            return False
        self.seen[row_id] = moment
        if self.mark is None or moment > self.mark:
            self.mark = moment
        return True

    def forget_old(self) -> None:
        since = self.since
        if since is not None:
            self.seen = {key: when for key, when in self.seen.items() if when >= since}


@dataclass
class Latency:
    buckets: list[int] = field(default_factory=lambda: [0] * len(LATENCY_BUCKETS))
    count: int = 0
    total: float = 0.0

    def observe(self, seconds: float) -> None:
        self.count += 1
        self.total += seconds
        for index, bound in enumerate(LATENCY_BUCKETS):
            if seconds <= bound:
                self.buckets[index] += 1

    def cumulative(self) -> list[tuple[str, float]]:
        pairs = [
            (str(bound), float(n)) for bound, n in zip(LATENCY_BUCKETS, self.buckets, strict=True)
        ]
        return [*pairs, ("+Inf", float(self.count))]


class Tally:
    """Crawls by site and result, pages fetched, failures by stage and reason, delivery latency."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.crawls: Counter[tuple[str, str]] = Counter()
        self.pages: Counter[tuple[str, str]] = Counter()
        self.failures: Counter[tuple[str, str, str]] = Counter()
        self.latency: dict[str, Latency] = {}
        self._runs = _Cursor()
        self._sent = _Cursor()

    def update(self, session: Session) -> None:
        with self.lock:
            self._read_runs(session)
            self._read_sent(session)

    def _read_runs(self, session: Session) -> None:
        query = select(
            CrawlRun.id, CrawlRun.finished_at, CrawlRun.site_id, CrawlRun.status, CrawlRun.stats
        ).where(CrawlRun.finished_at.is_not(None))
        if self._runs.since is not None:
            query = query.where(CrawlRun.finished_at >= self._runs.since)
        for run_id, finished, site, status, stats in _rows(session, query):
            if self._runs.fresh(run_id, finished):
                self._count_run(site, status, stats if isinstance(stats, dict) else {})
        self._runs.forget_old()

    def _count_run(self, site: str, status: str, stats: dict[str, Any]) -> None:
        self.crawls[site, status] += 1
        self.pages[site, "list"] += _number(stats.get("pages"))
        self.pages[site, "article"] += _number(stats.get("article_pages"))
        failures = stats.get("failures")
        for reason, n in failures.items() if isinstance(failures, dict) else ():
            self.failures[site, failure_stage(str(reason)), str(reason)] += _number(n)

    def _read_sent(self, session: Session) -> None:
        query = select(Delivery.id, Delivery.sent_at, Delivery.created_at, Delivery.mode).where(
            Delivery.status == "sent", Delivery.sent_at.is_not(None)
        )
        if self._sent.since is not None:
            query = query.where(Delivery.sent_at >= self._sent.since)
        for delivery_id, sent, created, mode in _rows(session, query):
            if self._sent.fresh(delivery_id, sent):
                seconds = max(0.0, (sent - created).total_seconds())
                self.latency.setdefault(mode, Latency()).observe(seconds)
        self._sent.forget_old()


def _rows(session: Session, query: Any) -> Iterable[tuple[Any, ...]]:
    rows: Iterable[tuple[Any, ...]] = session.execute(query.execution_options(yield_per=2000))
    return rows


def _number(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
