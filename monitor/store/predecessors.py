"""The predecessor index in the database: monitor.similarity's design, kept in two tables.

``article_sketches`` holds one row per article, the sketch of its current version: the packed
MinHash signature, the shingle count, the folded title's key (indexed with the date) and the
`SCHEME` and authority it was made under. ``article_band_keys`` holds one row per LSH band key
(primary key ``(band_key, article_id)``, so a key lookup is an index range scan).

Finding a predecessor is two indexed lookups and one fetch by primary key, never a scan:
the earlier articles of the authority sharing most band keys with the new one, those with the
same folded title (most recent first), then their sketches, compared with `estimate_jaccard`
and chosen by `choose_predecessor`. Rows of another scheme or authority are never compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from monitor.similarity import (
    MIN_SHINGLES,
    SCHEME,
    Candidate,
    Sketch,
    band_keys,
    choose_predecessor,
    estimate_jaccard,
    normalize_authority,
    pack_signature,
    title_key,
    to_instant,
    unpack_signature,
)
from monitor.store.models import ArticleBandKey, ArticleSketch, ArticleVersion, StoredArticle

MAX_BAND_CANDIDATES = 200
"""Band candidates compared, those sharing most band keys first (a shared key count tracks the
similarity: a 0.45-similar article shares about 4 of the 40 keys, an unrelated one 0 or 1)."""
MAX_TITLE_CANDIDATES = 50
"""Articles with the same folded title compared, the most recent first."""


@dataclass(frozen=True, slots=True)
class Predecessor:
    """The earlier article a new directive most resembles, and why."""

    article_id: int
    version_id: int
    url: str
    title: str
    score: float
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Lookup:
    """What a search needs of the new article: its sketch, authority, date and own id."""

    authority: str
    sketch: Sketch
    before: datetime
    exclude_article_id: int | None = None

    @property
    def scope(self) -> str:
        return normalize_authority(self.authority)


_SKETCHES = cast(Table, ArticleSketch.__table__)
_BAND_KEYS = cast(Table, ArticleBandKey.__table__)
# Core statements, built once: executing them skips the ORM's per-call statement handling
_DELETE_BAND_KEYS = delete(_BAND_KEYS).where(_BAND_KEYS.c.article_id == bindparam("article_id"))
_DELETE_SKETCH = delete(_SKETCHES).where(_SKETCHES.c.article_id == bindparam("article_id"))
_INSERT_SKETCH = insert(_SKETCHES)
_INSERT_BAND_KEYS = insert(_BAND_KEYS)
_SKETCHES_OF = select(
    _SKETCHES.c.article_id,
    _SKETCHES.c.appeared_at,
    _SKETCHES.c.title_key,
    _SKETCHES.c.shingle_count,
    _SKETCHES.c.signature,
).where(_SKETCHES.c.article_id.in_(bindparam("ids", expanding=True)))
_ARTICLES = cast(Table, StoredArticle.__table__)
_VERSIONS = cast(Table, ArticleVersion.__table__)
_DESCRIBE = (
    select(_ARTICLES.c.url, _VERSIONS.c.id, _VERSIONS.c.title)
    .join(_SKETCHES, _SKETCHES.c.article_id == _ARTICLES.c.id)
    .join(_VERSIONS, _VERSIONS.c.id == _SKETCHES.c.version_id)
    .where(_ARTICLES.c.id == bindparam("article_id"))
)
_Search = tuple[Select[int], dict[str, Any]]
"""A cached statement and the parameters of one search."""


def store_sketch(
    session: Session,
    article_id: int,
    version_id: int,
    authority: str,
    appeared_at: datetime,
    item: Sketch,
    *,
    replace: bool = True,
) -> None:
    """Index (or re-index) an article: its sketch row and band keys replace any earlier ones.
    ``replace`` False: the article has no index rows yet (stored just now), none are deleted."""
    scope = normalize_authority(authority)
    connection = session.connection()
    if replace:
        connection.execute(_DELETE_BAND_KEYS, {"article_id": article_id})
        connection.execute(_DELETE_SKETCH, {"article_id": article_id})
    connection.execute(
        _INSERT_SKETCH,
        {
            "article_id": article_id,
            "version_id": version_id,
            "scheme": SCHEME,
            "authority": scope,
            "appeared_at": appeared_at,
            "title_key": title_key(scope, item.title_fold),
            "shingle_count": item.shingle_count,
            "signature": pack_signature(item.signature),
        },
    )
    keys = band_keys(scope, item)
    if keys:
        rows = [{"band_key": key, "article_id": article_id} for key in keys]
        connection.execute(_INSERT_BAND_KEYS, rows)


def find(session: Session, lookup: Lookup) -> Predecessor | None:
    """The predecessor of the article described by ``lookup``, or None."""
    scope = lookup.scope
    tkey = title_key(scope, lookup.sketch.title_fold)
    ids: set[int] = set()
    if lookup.sketch.comparable:
        ids.update(session.scalars(*_band_search(lookup)))
    if tkey is not None:
        ids.update(session.scalars(*_title_search(lookup, tkey)))
    if not ids:
        return None
    rows = session.execute(_SKETCHES_OF, {"ids": sorted(ids)}).all()
    match = choose_predecessor([_candidate(row, lookup.sketch, tkey) for row in rows])
    if match is None:
        return None
    return _describe(session, cast(int, match.article_id), match.score, match.reason)


def band_query(lookup: Lookup) -> Select[int]:
    """Ids of the eligible articles sharing most band keys with the new one."""
    statement, params = _band_search(lookup)
    return statement.params(params)


def title_query(lookup: Lookup, tkey: int) -> Select[int]:
    """Ids of the eligible articles with the same folded title, most recent first."""
    statement, params = _title_search(lookup, tkey)
    return statement.params(params)


def _band_search(lookup: Lookup) -> _Search:
    keys = band_keys(lookup.scope, lookup.sketch)
    return _band_statement(_excluding(lookup)), {**_eligible_params(lookup), "keys": keys}


def _title_search(lookup: Lookup, tkey: int) -> _Search:
    return _title_statement(_excluding(lookup)), {**_eligible_params(lookup), "title_key": tkey}


@cache
def _band_statement(excluding: bool) -> Select[int]:
    return (
        select(_BAND_KEYS.c.article_id)
        .join(_SKETCHES, _SKETCHES.c.article_id == _BAND_KEYS.c.article_id)
        .where(_BAND_KEYS.c.band_key.in_(bindparam("keys", expanding=True)))
        .where(*_eligible(excluding))
        .group_by(_BAND_KEYS.c.article_id)
        .order_by(func.count().desc(), _BAND_KEYS.c.article_id.desc())
        .limit(MAX_BAND_CANDIDATES)
    )


@cache
def _title_statement(excluding: bool) -> Select[int]:
    return (
        select(_SKETCHES.c.article_id)
        .where(_SKETCHES.c.title_key == bindparam("title_key"), *_eligible(excluding))
        .order_by(_SKETCHES.c.appeared_at.desc())
        .limit(MAX_TITLE_CANDIDATES)
    )


def _eligible(excluding: bool) -> list[Any]:
    """Same scheme, same authority, published earlier, not the article itself."""
    clauses: list[Any] = [
        _SKETCHES.c.scheme == SCHEME,
        _SKETCHES.c.authority == bindparam("scope"),
        _SKETCHES.c.appeared_at < bindparam("before"),
    ]
    if excluding:
        clauses.append(_SKETCHES.c.article_id != bindparam("exclude"))
    return clauses


def _excluding(lookup: Lookup) -> bool:
    return lookup.exclude_article_id is not None


def _eligible_params(lookup: Lookup) -> dict[str, Any]:
    params: dict[str, Any] = {"scope": lookup.scope, "before": lookup.before}
    if _excluding(lookup):
        params["exclude"] = lookup.exclude_article_id
    return params


def _candidate(row: Any, item: Sketch, tkey: int | None) -> Candidate:
    comparable = item.comparable and row.shingle_count >= MIN_SHINGLES
    jaccard = (
        estimate_jaccard(item.signature, unpack_signature(row.signature)) if comparable else 0.0
    )
    return Candidate(
        article_id=row.article_id,
        published=to_instant(row.appeared_at),
        title_match=tkey is not None and row.title_key == tkey,
        comparable=comparable,
        jaccard=jaccard,
    )


def _describe(session: Session, article_id: int, score: float, reason: str) -> Predecessor | None:
    row = session.execute(_DESCRIBE, {"article_id": article_id}).first()
    if row is None:
        return None
    url, version_id, title = row
    return Predecessor(article_id, version_id, url, title, round(score, 4), reason)


def stale_articles(session: Session, site_id: str, authority: str, limit: int) -> Sequence[int]:
    """Ids of the site's articles whose index rows are missing or out of date (another current
    version, scheme or authority), most recent first."""
    scope = normalize_authority(authority)
    query = (
        select(StoredArticle.id)
        .outerjoin(ArticleSketch, ArticleSketch.article_id == StoredArticle.id)
        .where(StoredArticle.site_id == site_id, StoredArticle.current_version_id.is_not(None))
        .where(
            or_(
                ArticleSketch.article_id.is_(None),
                ArticleSketch.scheme != SCHEME,
                ArticleSketch.authority != scope,
                ArticleSketch.version_id != StoredArticle.current_version_id,
            )
        )
        .order_by(StoredArticle.appeared_at.desc(), StoredArticle.id.desc())
        .limit(limit)
    )
    return session.scalars(query).all()
