"""Withdrawal evidence: what each run saw on its lists and which pages answered 404/410.

A run records its listings as it goes; they count only when the run finishes `ok`. An article is
withdrawn when, on two such runs in a row, it was absent from every list of its site AND its page
answered 404/410. A failed run (site down, challenge page) neither counts nor resets anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crawler.urls import canonical_url, url_key
from monitor.errors import IngestError, NotFoundError
from monitor.store.baseline import keep_baseline_urls
from monitor.store.events import record_event
from monitor.store.models import ArticleVersion, CrawlRun, Listing, StoredArticle

GONE_STATUSES = frozenset({404, 410})
WITHDRAW_AFTER = 2  # runs in a row with the evidence
_CHUNK = 500


def record_listing(
    session: Session,
    run_id: int,
    column_name: str | None,
    urls_seen: Iterable[str],
    gone_urls: Mapping[str, int],
) -> int:
    """Keep what one column's list showed in this run; returns how many URLs it listed."""
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise NotFoundError(f"no crawl run {run_id}")
    if run.finished_at is not None:
        raise IngestError(f"crawl run {run_id} is finished; its listings are closed")
    seen = sorted({canonical_url(url) for url in urls_seen})
    gone = {canonical_url(url): int(status) for url, status in gone_urls.items()}
    session.add(Listing(crawl_run_id=run_id, column_name=column_name, seen=seen, gone=gone))
    if run.baseline:
        keep_baseline_urls(session, run.site_id, seen)
    return len(seen)


def listed_urls(session: Session, run_id: int) -> set[str]:
    """The canonical URLs the run's lists showed so far, in every column."""
    seen: set[str] = set()
    for urls in session.scalars(select(Listing.seen).where(Listing.crawl_run_id == run_id)):
        seen.update(urls)
    return seen


def listed_count(session: Session, run_id: int) -> int:
    """How many distinct URLs the run's lists showed (zero is a failure, never "no news")."""
    return len(listed_urls(session, run_id))


def apply_listings(session: Session, run: CrawlRun, now: datetime) -> list[int]:
    """Apply an `ok` run's evidence: listed articles reset, gone ones count, twice withdraws."""
    listings = list(session.scalars(select(Listing).where(Listing.crawl_run_id == run.id)))
    seen_keys = {url_key(url) for listing in listings for url in listing.seen}
    _mark_listed(session, run.site_id, seen_keys, now)
    gone: dict[str, int] = {}
    for listing in listings:
        gone.update(listing.gone)
    events: list[int] = []
    for url, status in sorted(gone.items()):
        key = url_key(url)
        if key in seen_keys or status not in GONE_STATUSES:
            continue
        article = session.scalars(
            select(StoredArticle)
            .where(StoredArticle.url_key == key, StoredArticle.site_id == run.site_id)
            .with_for_update()
        ).first()
        if article is None or article.status == "withdrawn":
            continue
        article.gone_count += 1
        article.last_gone_status = status
        if article.gone_count >= WITHDRAW_AFTER:
            events += _withdraw(session, article, run, status, now)
    return events


def _mark_listed(session: Session, site_id: str, keys: set[str], now: datetime) -> None:
    ordered = sorted(keys)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        session.execute(
            update(StoredArticle)
            .where(StoredArticle.site_id == site_id, StoredArticle.url_key.in_(chunk))
            .values(last_seen=now, gone_count=0, last_gone_status=None),
            execution_options={"synchronize_session": False},
        )


def _withdraw(
    session: Session, article: StoredArticle, run: CrawlRun, status: int, now: datetime
) -> list[int]:
    article.status = "withdrawn"
    article.withdrawn_at = now
    version = session.get(ArticleVersion, article.current_version_id)
    payload = {
        "url": article.url,
        "title": version.title if version else None,
        "http_status": status,
        "gone_runs": article.gone_count,
    }
    event_id = record_event(
        session,
        "withdrawn",
        article.site_id,
        f"withdrawn:{article.id}:{run.id}",
        now,
        payload,
        article_id=article.id,
        version_id=article.current_version_id,
        crawl_run_id=run.id,
    )
    return [event_id] if event_id is not None else []
