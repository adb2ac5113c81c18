"""The tables: sites, crawl runs (and the listings they saw), articles, their versions, events,
and the predecessor index (each article's sketch and band keys, see monitor.store.predecessors).

Deliveries (issue 5) will reference ``events.id``. Every timestamp is aware and stored in UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from monitor.store.types import JSONType, UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Site(Base):
    """A watched site; `rules_hash` and `normalizer_version` are those of its last baseline."""

    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    authority: Mapped[str] = mapped_column(String(200), default="")
    rules_hash: Mapped[str | None] = mapped_column(String(64))
    normalizer_version: Mapped[str | None] = mapped_column(String(32))
    baselined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    failing_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="running")
    stats: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    error: Mapped[str | None] = mapped_column(Text)
    rules_hash: Mapped[str | None] = mapped_column(String(64))
    normalizer_version: Mapped[str] = mapped_column(String(32))
    baseline: Mapped[bool] = mapped_column(Boolean, default=False)


class Listing(Base):
    """What one run saw on one column's list, and which article pages answered 404/410.

    Applied as withdrawal evidence only when the run finishes `ok`."""

    __tablename__ = "listings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crawl_run_id: Mapped[int] = mapped_column(
        ForeignKey("crawl_runs.id", ondelete="CASCADE"), index=True
    )
    column_name: Mapped[str | None] = mapped_column(String(200))
    seen: Mapped[list[str]] = mapped_column(JSONType)
    gone: Mapped[dict[str, int]] = mapped_column(JSONType)


class StoredArticle(Base):
    """One article, identified by its canonical URL (`url_key`: sha256 of it without the scheme)."""

    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_site_appeared", "site_id", "appeared_at"),
        Index("ix_articles_site_column", "site_id", "column_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)
    url_key: Mapped[str] = mapped_column(String(64), unique=True)
    column_name: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(200))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_checked: Mapped[datetime] = mapped_column(UTCDateTime)
    appeared_at: Mapped[datetime] = mapped_column(UTCDateTime)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("article_versions.id", use_alter=True)
    )
    gone_count: Mapped[int] = mapped_column(Integer, default=0)
    last_gone_status: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="active")
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ArticleVersion(Base):
    """One content of an article; `previous_version_id` chains them (one successor each)."""

    __tablename__ = "article_versions"
    __table_args__ = (UniqueConstraint("article_id", "previous_version_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    previous_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("article_versions.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(Text)
    published_at: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str | None] = mapped_column(Text)
    document_number: Mapped[str | None] = mapped_column(String(200))
    lead: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    paragraphs: Mapped[list[str]] = mapped_column(JSONType)
    attachments: Mapped[list[dict[str, str]]] = mapped_column(JSONType)
    images: Mapped[list[str]] = mapped_column(JSONType)
    method: Mapped[str] = mapped_column(String(40), default="")
    fingerprint: Mapped[str] = mapped_column(String(64))
    normalizer_version: Mapped[str] = mapped_column(String(32))
    rules_hash: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    crawl_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("crawl_runs.id", ondelete="SET NULL")
    )


class Event(Base):
    """Something worth telling; `dedupe_key` is unique so no retry can raise it twice."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("article_versions.id", ondelete="SET NULL")
    )
    old_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("article_versions.id", ondelete="SET NULL")
    )
    crawl_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("crawl_runs.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)


class ArticleSketch(Base):
    """The predecessor index of one article: the sketch of its current version (monitor.similarity)
    under `scheme`; keys of another scheme or authority are never compared, only rebuilt."""

    __tablename__ = "article_sketches"
    __table_args__ = (Index("ix_article_sketches_title_key", "title_key", "appeared_at"),)

    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    version_id: Mapped[int] = mapped_column(ForeignKey("article_versions.id", ondelete="CASCADE"))
    scheme: Mapped[str] = mapped_column(String(40))
    authority: Mapped[str] = mapped_column(String(200))
    appeared_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title_key: Mapped[int | None] = mapped_column(BigInteger)
    shingle_count: Mapped[int] = mapped_column(Integer)
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class ArticleBandKey(Base):
    """One LSH band key of an article's sketch: articles sharing a key are candidates."""

    __tablename__ = "article_band_keys"
    __table_args__ = ({"sqlite_with_rowid": False},)

    band_key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("article_sketches.article_id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
        index=True,
    )
