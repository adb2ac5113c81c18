"""Reads for the commands: articles, one article and its history, events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from crawler.urls import url_key
from monitor.errors import NotFoundError
from monitor.store.models import ArticleVersion, Event, StoredArticle


@dataclass(frozen=True, slots=True)
class ArticleRow:
    article: StoredArticle
    version: ArticleVersion | None


def list_articles(
    session: Session, site_id: str | None = None, since: datetime | None = None
) -> list[ArticleRow]:
    """Articles newest first (by when they appeared), with their current version."""
    query = select(StoredArticle, ArticleVersion).outerjoin(
        ArticleVersion, ArticleVersion.id == StoredArticle.current_version_id
    )
    if site_id is not None:
        query = query.where(StoredArticle.site_id == site_id)
    if since is not None:
        query = query.where(StoredArticle.appeared_at >= since)
    query = query.order_by(StoredArticle.appeared_at.desc(), StoredArticle.id.desc())
    return [ArticleRow(article, version) for article, version in session.execute(query)]


def find_article(session: Session, ref: str) -> StoredArticle:
    """An article by its id or by any URL that canonicalizes to its own."""
    article = session.get(StoredArticle, int(ref)) if ref.isdigit() else None
    if article is None and not ref.isdigit():
        article = session.scalars(
            select(StoredArticle).where(StoredArticle.url_key == url_key(ref))
        ).first()
    if article is None:
        raise NotFoundError(f"no article {ref!r} (give an article id or its URL)")
    return article


def article_versions(session: Session, article_id: int) -> Sequence[ArticleVersion]:
    """The article's stored versions, oldest first."""
    query = select(ArticleVersion).where(ArticleVersion.article_id == article_id)
    return session.scalars(query.order_by(ArticleVersion.id)).all()


def list_events(
    session: Session,
    since: datetime | None = None,
    site_id: str | None = None,
    kinds: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Events oldest first, each with its article's URL and its version's title when known."""
    version = aliased(ArticleVersion)
    query = (
        select(Event, StoredArticle.url, version.title)
        .outerjoin(StoredArticle, StoredArticle.id == Event.article_id)
        .outerjoin(version, version.id == Event.version_id)
    )
    if since is not None:
        query = query.where(Event.created_at >= since)
    if site_id is not None:
        query = query.where(Event.site_id == site_id)
    if kinds:
        query = query.where(Event.kind.in_(kinds))
    records = []
    for event, url, title in session.execute(query.order_by(Event.created_at, Event.id)):
        records.append(
            {
                "id": event.id,
                "kind": event.kind,
                "site": event.site_id,
                "url": url or event.payload.get("url"),
                "title": title or event.payload.get("title"),
                "created_at": event.created_at,
                "article_id": event.article_id,
                "version_id": event.version_id,
                "old_version_id": event.old_version_id,
                "payload": event.payload,
            }
        )
    return records
