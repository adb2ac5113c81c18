"""What the incremental crawl knows: stored URLs, and which articles are due for a re-check."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from crawler.urls import url_key
from monitor.config import RevisionsSection
from monitor.store.models import StoredArticle

_CHUNK = 500


def known_urls(session: Session, site_id: str, column_name: str | None = None) -> set[str]:
    """The canonical URLs of the site's stored articles (of one column, when given)."""
    query = select(StoredArticle.url).where(StoredArticle.site_id == site_id)
    if column_name is not None:
        query = query.where(StoredArticle.column_name == column_name)
    return set(session.scalars(query))


def due_for_recheck(
    session: Session,
    site_id: str,
    urls_on_first_page: Iterable[str],
    now: datetime,
    config: RevisionsSection,
) -> set[str]:
    """Canonical URLs of the stored articles to fetch again in this crawl: those on a first list
    page, the active ones younger than `recheck_days`, and the longest-unchecked older ones."""
    active: tuple[ColumnElement[bool], ...] = (
        StoredArticle.site_id == site_id,
        StoredArticle.status == "active",
    )
    due = _on_first_page(session, site_id, urls_on_first_page)
    young_since = now - timedelta(days=config.recheck_days)
    due.update(
        session.scalars(
            select(StoredArticle.url).where(*active, StoredArticle.appeared_at >= young_since)
        )
    )
    if config.older_per_crawl:
        older = (
            select(StoredArticle.url)
            .where(
                *active,
                StoredArticle.appeared_at < young_since,
                StoredArticle.last_checked < now - timedelta(days=config.older_every_days),
            )
            .order_by(StoredArticle.last_checked, StoredArticle.id)
            .limit(config.older_per_crawl)
        )
        due.update(session.scalars(older))
    return due


def _on_first_page(session: Session, site_id: str, urls: Iterable[str]) -> set[str]:
    """Stored articles a first list page shows, withdrawn ones too (back on a list: look again)."""
    keys = sorted({url_key(url) for url in urls})
    found: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        query = select(StoredArticle.url).where(
            StoredArticle.site_id == site_id, StoredArticle.url_key.in_(chunk)
        )
        found.update(session.scalars(query))
    return found
