"""Bounded history: events, old versions and crawl runs past the retention window go; articles
(their identity, so nothing old is ever "new" again) and current versions always stay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from monitor.config import RetentionSection
from monitor.store.models import ArticleVersion, CrawlRun, Event, StoredArticle


@dataclass(frozen=True, slots=True)
class PruneReport:
    events: int
    versions: int
    runs: int


def prune(session: Session, now: datetime, config: RetentionSection) -> PruneReport:
    """Delete what the retention setting no longer keeps; returns the counts deleted."""
    cutoff = now - timedelta(days=config.days)
    current = select(StoredArticle.current_version_id).where(
        StoredArticle.current_version_id.is_not(None)
    )
    ranked = select(
        ArticleVersion.id,
        func.row_number()
        .over(partition_by=ArticleVersion.article_id, order_by=ArticleVersion.id.desc())
        .label("rank"),
    ).subquery()
    beyond_count = select(ranked.c.id).where(ranked.c.rank > config.max_versions)
    old_versions = session.execute(
        delete(ArticleVersion)
        .where(ArticleVersion.id.not_in(current))
        .where((ArticleVersion.fetched_at < cutoff) | ArticleVersion.id.in_(beyond_count)),
        execution_options={"synchronize_session": False},
    )
    old_events = session.execute(
        delete(Event).where(Event.created_at < cutoff),
        execution_options={"synchronize_session": False},
    )
    old_runs = session.execute(
        delete(CrawlRun).where(CrawlRun.finished_at.is_not(None), CrawlRun.started_at < cutoff),
        execution_options={"synchronize_session": False},
    )
    return PruneReport(
        events=_count(old_events), versions=_count(old_versions), runs=_count(old_runs)
    )


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
