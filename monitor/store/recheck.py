"""What the incremental crawl knows: stored URLs, which articles are due for a re-check, and the
validators (ETag, Last-Modified) that make each re-check a conditional request."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from crawler.urls import url_key
from monitor.config import RevisionsSection
from monitor.store.models import ArticleVersion, StoredArticle

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Validators:
    """The ``ETag`` and ``Last-Modified`` headers of a page's last answer with content."""

    etag: str | None = None
    last_modified: str | None = None

    @classmethod
    def from_meta(cls, meta: dict[str, str | None] | None) -> Validators | None:
        """From the crawler's form (``{"etag": ..., "last_modified": ...}``); None stays None."""
        if meta is None:
            return None
        return cls(meta.get("etag") or None, meta.get("last_modified") or None)

    def as_meta(self) -> dict[str, str]:
        """The form crawler.middlewares.ConditionalGetMiddleware sends (empty: none)."""
        found = {"etag": self.etag, "last_modified": self.last_modified}
        return {key: value for key, value in found.items() if value}


def article_validators(
    session: Session, site_id: str, normalizer_version: str, rules_hash: str | None
) -> dict[str, Validators]:
    """Canonical URL -> validators, for the site's articles whose current version was extracted
    by this normalizer and these rules (the others must be fetched in full to be re-read)."""
    stamped = (
        ArticleVersion.rules_hash.is_(None)
        if rules_hash is None
        else ArticleVersion.rules_hash == rules_hash
    )
    query = (
        select(StoredArticle.url, StoredArticle.etag, StoredArticle.last_modified)
        .join(ArticleVersion, ArticleVersion.id == StoredArticle.current_version_id)
        .where(
            StoredArticle.site_id == site_id,
            or_(StoredArticle.etag.is_not(None), StoredArticle.last_modified.is_not(None)),
            ArticleVersion.normalizer_version == normalizer_version,
            stamped,
        )
    )
    return {url: Validators(etag, modified) for url, etag, modified in session.execute(query)}


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
