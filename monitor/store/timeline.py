"""Reads for the dashboard (monitor.web): the changes timeline with its filters and paging, each
site's health, and the deliveries page by page. Read-only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from crawler.names import ARTICLE_EVENT_KINDS, SHANGHAI
from monitor.store.delivery_models import Delivery
from monitor.store.models import ArticleVersion, CrawlRun, Event, Listing, Site, StoredArticle

T = TypeVar("T")
SUMMARY_PREFIX = 220  # characters of a version's text that hold its summary line (line 3)


@dataclass(frozen=True, slots=True)
class ChangeFilter:
    """What the timeline shows; every field empty shows every change. Dates are Shanghai days,
    both ends included; the keyword is looked for in the title and the document number."""

    site: str | None = None
    authority: str | None = None
    category: str | None = None
    kind: str | None = None
    keyword: str | None = None
    since: date | None = None
    until: date | None = None

    def query_args(self) -> dict[str, str]:
        """The filter as URL query arguments (empty ones left out)."""
        values = {
            "site": self.site,
            "authority": self.authority,
            "category": self.category,
            "kind": self.kind,
            "q": self.keyword,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True, slots=True)
class Change:
    """One row of the timeline: an event and what it is about."""

    event_id: int
    kind: str
    created_at: datetime
    site_id: str
    site_name: str
    authority: str
    article_id: int | None
    url: str | None
    category: str | None
    title: str
    lead: str | None
    published_at: str | None
    document_number: str | None
    summary: str | None  # the text's summary line (its first 200 characters of body)
    version_id: int | None
    old_version_id: int | None
    counts: dict[str, int] = field(default_factory=dict)
    predecessor: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def shanghai_day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), SHANGHAI)


def _filtered(query: Any, filters: ChangeFilter, dialect: str) -> Any:
    kinds = [filters.kind] if filters.kind else list(ARTICLE_EVENT_KINDS)
    query = query.where(Event.kind.in_(kinds))
    if filters.site:
        query = query.where(Event.site_id == filters.site)
    if filters.authority:
        query = query.where(Site.authority == filters.authority)
    if filters.category:
        query = query.where(StoredArticle.category == filters.category)
    if filters.keyword:
        query = query.where(_mentions(filters.keyword.strip(), dialect))
    if filters.since:
        query = query.where(Event.created_at >= shanghai_day_start(filters.since))
    if filters.until:
        query = query.where(Event.created_at < shanghai_day_start(filters.until + timedelta(1)))
    return query


def _mentions(word: str, dialect: str) -> Any:
    """The event's version has ``word`` in its title or document number, ignoring the case of
    Latin letters (SQLite's LIKE already does). A correlated scalar subquery, so that the
    database looks at the versions of the events at hand, not at every version it stores (a
    join lets PostgreSQL scan all of them with the pattern)."""
    heading = (
        select(ArticleVersion.title + "\x1f" + func.coalesce(ArticleVersion.document_number, ""))
        .where(ArticleVersion.id == Event.version_id)
        .scalar_subquery()
    )
    if dialect == "sqlite":
        return heading.contains(word, autoescape=True)
    return heading.icontains(word, autoescape=True)


def _joined(query: Any, filters: ChangeFilter, version: Any, full: bool) -> Any:
    """The joins the filters (and, for the rows, the columns) need; outer joins, so that the
    planner keeps the events as the outer loop (in time order) whatever its statistics say."""
    if full or filters.category:
        query = query.outerjoin(StoredArticle, StoredArticle.id == Event.article_id)
    if full:
        query = query.outerjoin(version, version.id == Event.version_id)
    if full or filters.authority:
        query = query.outerjoin(Site, Site.id == Event.site_id)
    return query


def list_changes(
    session: Session, filters: ChangeFilter, page: int = 1, per_page: int = 50
) -> Page[Change]:
    """The changes newest first, one page of them, and how many match in all.

    With a filter that needs a join (keyword, category, authority), the matching events are
    found in one pass (their ids, in order); otherwise counted, then one page read."""
    version = aliased(ArticleVersion)
    dialect = session.get_bind().dialect.name
    newest = (Event.created_at.desc(), Event.id.desc())
    if filters.keyword or filters.category or filters.authority:
        matching = _joined(select(Event.id), filters, version, full=False)
        ids = list(session.scalars(_filtered(matching, filters, dialect).order_by(*newest)))
        total, wanted = len(ids), ids[(page - 1) * per_page : page * per_page]
        if not wanted:
            return Page([], page, per_page, total)
        chosen = Event.id.in_(wanted)
    else:
        counting = _filtered(select(func.count(Event.id)), filters, dialect)
        total, chosen = int(session.scalar(counting) or 0), None
    columns = select(
        Event, Site.name, Site.authority, StoredArticle.url, StoredArticle.category,
        version.title, version.lead, version.published_at, version.document_number,
        func.substr(version.text, 1, SUMMARY_PREFIX),
    )  # fmt: skip
    query = _joined(columns, filters, version, full=True).order_by(*newest)
    if chosen is not None:
        query = query.where(chosen)
    else:
        query = _filtered(query, filters, dialect)
        query = query.offset((page - 1) * per_page).limit(per_page)
    items = [_change(*row) for row in session.execute(query)]
    return Page(items, page, per_page, total)


def summary_of(head: str | None) -> str | None:
    """The summary line of the article format (line 3, after `摘要` and an empty line)."""
    lines = (head or "").split("\n")
    return lines[2] if len(lines) > 2 and lines[0] == "摘要" and lines[2] else None


def _change(
    event: Event,
    site_name: str | None,
    authority: str | None,
    url: str | None,
    category: str | None,
    title: str | None,
    lead: str | None,
    published_at: str | None,
    document_number: str | None,
    head: str | None,
) -> Change:
    payload = event.payload or {}
    diff = payload.get("diff") or {}
    predecessor = payload.get("predecessor")
    return Change(
        event_id=event.id,
        kind=event.kind,
        created_at=event.created_at,
        site_id=event.site_id,
        site_name=site_name or event.site_id,
        authority=authority or "",
        article_id=event.article_id,
        url=url or payload.get("url"),
        category=category,
        title=title or str(payload.get("title") or ""),
        lead=lead,
        published_at=published_at,
        document_number=document_number,
        summary=summary_of(head),
        version_id=event.version_id,
        old_version_id=event.old_version_id,
        counts=dict(diff.get("counts") or {}),
        predecessor=predecessor if isinstance(predecessor, dict) else None,
    )


# --- sites -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SiteState:
    """What the store knows of one site's health."""

    site_id: str
    consecutive_failures: int = 0
    baselined_at: datetime | None = None
    last_run: CrawlRun | None = None
    last_ok: datetime | None = None
    last_failure: CrawlRun | None = None
    articles: int = 0
    columns: dict[str, int] = field(default_factory=dict)  # column name -> items listed last run


def site_states(session: Session) -> dict[str, SiteState]:
    """Every stored site's health: its latest run, latest healthy run and latest failed run,
    its article count, and how many items each column listed in its latest run."""
    latest = _latest_runs(session, None)
    failed = _latest_runs(session, ("failed",))
    healthy = dict(
        session.execute(
            select(CrawlRun.site_id, func.max(CrawlRun.started_at))
            .where(CrawlRun.status.in_(("ok", "partial")))
            .group_by(CrawlRun.site_id)
        ).all()
    )
    counts = dict(
        session.execute(
            select(StoredArticle.site_id, func.count()).group_by(StoredArticle.site_id)
        ).all()
    )
    listed: dict[str, dict[str, int]] = {}
    run_sites = {run.id: run.site_id for run in latest.values()}
    if run_sites:
        rows = session.execute(
            select(Listing.crawl_run_id, Listing.column_name, Listing.seen).where(
                Listing.crawl_run_id.in_(list(run_sites))
            )
        )
        for run_id, column, seen in rows:
            listed.setdefault(run_sites[run_id], {})[column or ""] = len(seen or [])
    return {
        site.id: SiteState(
            site_id=site.id,
            consecutive_failures=site.consecutive_failures,
            baselined_at=site.baselined_at,
            last_run=latest.get(site.id),
            last_ok=healthy.get(site.id),
            last_failure=failed.get(site.id),
            articles=int(counts.get(site.id, 0)),
            columns=listed.get(site.id, {}),
        )
        for site in session.scalars(select(Site))
    }


def _latest_runs(session: Session, statuses: Sequence[str] | None) -> dict[str, CrawlRun]:
    newest = select(CrawlRun.site_id, func.max(CrawlRun.id).label("run_id"))
    if statuses is not None:
        newest = newest.where(CrawlRun.status.in_(statuses))
    ids = newest.group_by(CrawlRun.site_id).subquery()
    runs = session.scalars(select(CrawlRun).join(ids, CrawlRun.id == ids.c.run_id))
    return {run.site_id: run for run in runs}


# --- deliveries ------------------------------------------------------------------------------


def deliveries_page(
    session: Session, status: str | None, page: int = 1, per_page: int = 50
) -> Page[Delivery]:
    """Deliveries newest first, one page, of one status or all."""
    counting = select(func.count(Delivery.id))
    query = select(Delivery).order_by(Delivery.id.desc())
    if status is not None:
        counting = counting.where(Delivery.status == status)
        query = query.where(Delivery.status == status)
    total = int(session.scalar(counting) or 0)
    rows = session.scalars(query.offset((page - 1) * per_page).limit(per_page)).all()
    return Page(list(rows), page, per_page, total)
