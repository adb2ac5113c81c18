"""Predecessor linking wired into ingest: the `IngestHooks` implementations and index upkeep.

- `index_version` (every stored version, baseline ones too): the article's index rows now
  describe this version (monitor.store.predecessors).
- `find_predecessor` (every article raising a `new` event): the earlier article of the same
  authority it most resembles, or None.
- `refresh_index` (at the start of each crawl of a site): re-indexes the site's articles whose
  rows are missing or stale (stored before the index existed, under another SCHEME, another
  authority name, or a version stored without the hooks); bounded per call.
- `predecessor_of` (the `diff` command): the predecessor recorded on the article's `new` event,
  else one searched now (a baseline article has no event).

The authority is the site's configured ``authority`` (its id when that is empty). An article's
content for similarity is its title and body paragraphs (not the rendered text format, whose
summary repeats the body).
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.similarity import Sketch, sketch
from monitor.store import predecessors
from monitor.store.models import ArticleVersion, Event, Site, StoredArticle
from monitor.store.predecessors import Lookup, Predecessor

REFRESH_PER_RUN = 500
"""Articles re-indexed at most per crawl of a site (the rest at the next crawls)."""

__all__ = [
    "Predecessor",
    "find_predecessor",
    "index_version",
    "predecessor_of",
    "refresh_index",
    "version_sketch",
]


def authority_of(session: Session, site_id: str) -> str:
    """The site's authority (e.g. 山西, 教育部): what scopes predecessor search."""
    site = session.get(Site, site_id)
    authority = site.authority.strip() if site is not None else ""
    return authority or site_id


def version_sketch(version: ArticleVersion) -> Sketch:
    return _sketch(version.title, "\n".join(version.paragraphs))


@lru_cache(maxsize=16)
def _sketch(title: str, body: str) -> Sketch:
    """Ingest sketches a new version twice (to index it, then to search): computed once."""
    return sketch(title, body)


def index_version(session: Session, article: StoredArticle, version: ArticleVersion) -> None:
    """THE INDEX HOOK: the article's index rows now describe ``version``. A first version (none
    before it) is a new article's, stored in this transaction: it has no rows to replace."""
    _index(session, article, version, replace=version.previous_version_id is not None)


def _index(
    session: Session, article: StoredArticle, version: ArticleVersion, *, replace: bool
) -> None:
    predecessors.store_sketch(
        session,
        article.id,
        version.id,
        authority_of(session, article.site_id),
        article.appeared_at,
        version_sketch(version),
        replace=replace,
    )


def find_predecessor(
    session: Session, article: StoredArticle, version: ArticleVersion
) -> Predecessor | None:
    """THE PREDECESSOR HOOK: the earlier article of the same authority ``version`` resembles."""
    lookup = Lookup(
        authority=authority_of(session, article.site_id),
        sketch=version_sketch(version),
        before=article.appeared_at,
        exclude_article_id=article.id,
    )
    return predecessors.find(session, lookup)


def refresh_index(session: Session, site_id: str, limit: int = REFRESH_PER_RUN) -> int:
    """Re-index up to ``limit`` of the site's articles whose index rows are missing or stale;
    returns how many."""
    stale = predecessors.stale_articles(session, site_id, authority_of(session, site_id), limit)
    for article_id in stale:
        article = session.get(StoredArticle, article_id)
        if article is None or article.current_version_id is None:
            continue
        version = session.get(ArticleVersion, article.current_version_id)
        if version is not None:
            _index(session, article, version, replace=True)
    return len(stale)


def predecessor_of(session: Session, article: StoredArticle) -> Predecessor | None:
    """The predecessor recorded on the article's `new` event, else one searched now."""
    recorded = session.scalars(
        select(Event).where(Event.article_id == article.id, Event.kind == "new").limit(1)
    ).first()
    if recorded is not None and recorded.old_version_id is not None:
        found = _recorded(session, recorded)
        if found is not None:
            return found
    if article.current_version_id is None:
        return None
    current = session.get(ArticleVersion, article.current_version_id)
    return find_predecessor(session, article, current) if current is not None else None


def _recorded(session: Session, event: Event) -> Predecessor | None:
    version = session.get(ArticleVersion, event.old_version_id)
    if version is None:
        return None
    earlier = session.get(StoredArticle, version.article_id)
    info = event.payload.get("predecessor") or {}
    return Predecessor(
        article_id=version.article_id,
        version_id=version.id,
        url=earlier.url if earlier is not None else str(info.get("url", "")),
        title=version.title,
        score=float(info.get("score", 0.0)),
        reason=str(info.get("reason", "")),
    )
