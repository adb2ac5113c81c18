"""What to do with one crawled article: new, revised, unchanged, or part of a silent baseline.

The crawler's last pipeline calls, per site run::

    store = open_store(config=load_config(config_dir))
    run_id = start_run(store, site)
    due = due_for_recheck(store, site.id, first_page_urls)      # and known_urls(store, site.id)
    ingest_article(store, site, column, category, article, fetched_at, run_id)  # per article
    record_not_modified(store, site, url, checked_at)          # a conditional re-check: 304
    record_listing(store, run_id, column, urls_seen, gone_urls)                # per column listed
    finish_run(store, run_id, "ok" | "partial" | "failed", stats, error)

Each call is its own transaction, so a crawl killed half way loses nothing it stored and stores
nothing twice. ``ingest_batch(store, [IngestRequest(site, column, ...), ...])`` stores several
articles in one transaction, a SAVEPOINT each (the distributed worker's group commit); each
article's outcome is the one `ingest_article` gives it.

Rules (DESIGN.md, "Rules that keep alerts trustworthy"):

- A site's first crawl, and the first crawl after its extraction rules changed, is a silent
  baseline: articles and versions are stored, no event is raised (a rules change can make a list
  show old articles under new URLs). An article a baseline run listed but could not fetch is
  part of the baseline too: silent whenever it is first stored (monitor.store.baseline).
- Each fetch keeps the page's ``ETag``/``Last-Modified`` (``validators``): the next re-check is a
  conditional request, and a 304 is recorded as checked and unchanged (`record_not_modified`).
- A version stored with another normalizer version or other rules than the current ones is
  re-baselined silently when the article is next fetched: a new version, no `revised` event.
  New articles found after a normalizer upgrade still raise `new` (their identity does not
  depend on the normalizer).

Predecessor linking is on by default (`LINKING_HOOKS`, monitor.linking): every stored version is
indexed, and a `new` event names the earlier article of the same authority it most resembles in
``old_version_id`` and ``payload["predecessor"]``. Events carry their diff in ``payload["diff"]``
(monitor.changes JSON): a `revised` one against the previous version, a `new` one against its
predecessor. `start_run` re-indexes the site's articles whose index rows are missing or stale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import Insert, Table, bindparam, insert, select, update
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_dict, set_committed_value

from crawler.names import ChangeKind
from crawler.normalize import NORMALIZER_VERSION, Article
from crawler.urls import canonical_url, url_key
from monitor import linking
from monitor.changes import change_json, compare_versions
from monitor.errors import ConcurrentIngestError, IngestError
from monitor.store import Store, recheck, runs
from monitor.store import listing as listing_store
from monitor.store.baseline import listed_in_baseline
from monitor.store.events import record_event
from monitor.store.models import ArticleVersion, CrawlRun, Site, StoredArticle
from monitor.store.predecessors import Predecessor
from monitor.store.recheck import Validators
from monitor.store.runs import RunOutcome, RunStatus
from monitor.store.sites import SiteRef, ensure_site, in_baseline, rules_hash
from monitor.store.types import utcnow
from monitor.store.versions import appeared_at, build_version, fingerprint, restamp

__all__ = [
    "LINKING_HOOKS",
    "NO_HOOKS",
    "IngestHooks",
    "IngestRequest",
    "IngestResult",
    "Outcome",
    "Predecessor",
    "RunOutcome",
    "SiteRef",
    "Validators",
    "article_validators",
    "canonical_url",
    "due_for_recheck",
    "fingerprint",
    "finish_run",
    "ingest_article",
    "ingest_batch",
    "known_urls",
    "listed_urls",
    "record_listing",
    "record_not_modified",
    "rules_hash",
    "start_run",
]

IngestKind = ChangeKind
# statements built once, run for every article
_ARTICLE_BY_KEY = (
    select(StoredArticle).where(StoredArticle.url_key == bindparam("url_key")).with_for_update()
)
_ARTICLES = cast(Table, StoredArticle.__table__)
_VERSIONS = cast(Table, ArticleVersion.__table__)
_INSERT_ARTICLE = insert(_ARTICLES).returning(_ARTICLES.c.id)
_INSERT_VERSION = insert(_VERSIONS).returning(_VERSIONS.c.id)
_SET_CURRENT = (
    update(_ARTICLES)
    .where(_ARTICLES.c.id == bindparam("article_id"))
    .values(current_version_id=bindparam("version_id"))
)

_RACE_ERRORS = (IntegrityError, ConcurrentIngestError)
"""Another worker stored the same article first: tried once more, in a new transaction."""
_CONFINED_ERRORS = (IntegrityError, DataError)
"""Database errors of one statement: rolling back to the SAVEPOINT before it undoes them. Any
other (a lost connection, a deadlock) may have spoiled the whole transaction."""


@dataclass(frozen=True, slots=True)
class IngestResult:
    kind: IngestKind
    event_id: int | None
    article_id: int
    version_id: int


Outcome = IngestResult | Exception
"""What storing one article of a batch gave: its result, or what it raised."""


class PredecessorFinder(Protocol):
    def __call__(
        self, session: Session, article: StoredArticle, version: ArticleVersion
    ) -> Predecessor | None: ...


class VersionIndexer(Protocol):
    def __call__(
        self, session: Session, article: StoredArticle, version: ArticleVersion
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class IngestHooks:
    """Where similarity plugs in: ``index_version`` sees every stored version (baseline ones
    too), ``find_predecessor`` every article that raises a `new` event; both run in the ingest
    transaction. A predecessor becomes the event's ``old_version_id`` and its
    ``payload["predecessor"]``."""

    find_predecessor: PredecessorFinder | None = None
    index_version: VersionIndexer | None = None


NO_HOOKS = IngestHooks()
LINKING_HOOKS = IngestHooks(
    find_predecessor=linking.find_predecessor, index_version=linking.index_version
)
"""The default: the database predecessor index of monitor.linking."""


def ingest_article(
    target: Store | Session,
    site: SiteRef,
    column_name: str | None,
    category: str | None,
    article: Article,
    fetched_at: datetime,
    crawl_run_id: int | None,
    *,
    normalizer_version: str = NORMALIZER_VERSION,
    hooks: IngestHooks = LINKING_HOOKS,
    validators: Validators | None = None,
) -> IngestResult:
    """Store one article and decide. Given a Store: its own transaction, retried once when another
    worker stored the same article first. Given a Session: the caller's transaction, no retry.
    ``validators``: the page answer's ETag/Last-Modified, kept for conditional re-checks (None:
    not known, the stored ones stay)."""
    request = IngestRequest(
        site,
        column_name,
        category,
        article,
        fetched_at,
        crawl_run_id,
        normalizer_version,
        hooks,
        validators,
    )
    if isinstance(target, Session):
        return request.run(target)
    return _store_alone(target, request)


def ingest_batch(store: Store, requests: Sequence[IngestRequest]) -> list[Outcome]:
    """Store several articles in one transaction, each in a SAVEPOINT of its own, so that one
    article's failure spoils none of the others. Each outcome is what `ingest_article` returns
    (or raises) for that article alone: one that lost a race to another worker is tried once
    more in its own transaction after the batch commits. When the batch itself fails (its
    commit, the connection), every article is stored alone, as by `ingest_article`."""
    try:
        with store.transaction() as session:
            session.info["held"] = _shared_rows(session, requests)
            outcomes = [_in_savepoint(session, request) for request in requests]
    except Exception:
        return [_outcome(_store_alone, store, request) for request in requests]
    return [
        _outcome(_store_once, store, request) if isinstance(outcome, _RACE_ERRORS) else outcome
        for request, outcome in zip(requests, outcomes, strict=True)
    ]


def _shared_rows(session: Session, requests: Sequence[IngestRequest]) -> list[object]:
    """The batch's crawl runs and sites, read once: the session's identity map holds rows only
    while they are referenced, so without these references each article would read them again."""
    run_ids = {request.crawl_run_id for request in requests} - {None}
    site_ids = {request.site.id for request in requests}
    held: list[object] = [session.get(CrawlRun, run_id) for run_id in run_ids]
    return held + [session.get(Site, site_id) for site_id in site_ids]


def _in_savepoint(session: Session, request: IngestRequest) -> Outcome:
    """One article of a batch; what it raises is its outcome, its writes rolled back. A database
    error that may have spoiled the whole transaction is raised (the batch fails)."""
    try:
        with session.begin_nested():
            return request.run(session)
    except Exception as error:
        if isinstance(error, SQLAlchemyError) and not isinstance(error, _CONFINED_ERRORS):
            raise
        return error


def _store_alone(store: Store, request: IngestRequest) -> IngestResult:
    """In its own transaction, retried once when another worker stored the article first."""
    try:
        return _store_once(store, request)
    except _RACE_ERRORS:
        return _store_once(store, request)


def _store_once(store: Store, request: IngestRequest) -> IngestResult:
    with store.transaction() as session:
        return request.run(session)


def _outcome(
    store_one: Callable[[Store, IngestRequest], IngestResult], store: Store, request: IngestRequest
) -> Outcome:
    try:
        return store_one(store, request)
    except Exception as error:
        return error


@dataclass(frozen=True, slots=True)
class IngestRequest:
    """One article to store and decide: what `ingest_article` is given, `ingest_batch` a list of."""

    site: SiteRef
    column_name: str | None
    category: str | None
    article: Article
    fetched_at: datetime
    crawl_run_id: int | None
    normalizer_version: str = NORMALIZER_VERSION
    hooks: IngestHooks = LINKING_HOOKS
    validators: Validators | None = None

    def __post_init__(self) -> None:
        if self.fetched_at.tzinfo is None or self.fetched_at.utcoffset() is None:
            raise IngestError(f"fetched_at {self.fetched_at!r} has no time zone")

    def run(self, session: Session) -> IngestResult:
        if self.crawl_run_id is not None and session.get(CrawlRun, self.crawl_run_id) is None:
            raise IngestError(f"no crawl run {self.crawl_run_id}: call start_run first")
        site_row = ensure_site(session, self.site)
        silent = in_baseline(site_row, self.site.rules_hash)
        url = canonical_url(self.article.url)
        digest = fingerprint(self.article)
        stored = session.scalars(_ARTICLE_BY_KEY, {"url_key": url_key(url)}).first()
        if stored is None:
            return self._store_new(session, url, digest, silent)
        return self._store_seen(session, stored, url, digest, silent)

    def _store_new(self, session: Session, url: str, digest: str, silent: bool) -> IngestResult:
        stored = StoredArticle(
            site_id=self.site.id,
            url=url,
            url_key=url_key(url),
            column_name=self.column_name,
            category=self.category,
            first_seen=self.fetched_at,
            last_seen=self.fetched_at,
            last_checked=self.fetched_at,
            appeared_at=appeared_at(self.article.published_at, self.fetched_at),
            gone_count=0,
            status="active",
        )
        _keep_validators(stored, self.validators)
        stored.id = _insert(session, _INSERT_ARTICLE, stored)
        version = self._add_version(session, stored, digest, previous=None)
        if silent or listed_in_baseline(session, self.site.id, url):
            return IngestResult("baseline", None, stored.id, version.id)
        payload: dict[str, Any] = {"url": url, "title": version.title}
        payload["published_at"] = version.published_at
        predecessor = self._predecessor(session, stored, version)
        if predecessor is not None:
            payload["predecessor"] = {
                "article_id": predecessor.article_id,
                "version_id": predecessor.version_id,
                "url": predecessor.url,
                "title": predecessor.title,
                "score": predecessor.score,
                "reason": predecessor.reason,
            }
            earlier = session.get(ArticleVersion, predecessor.version_id)
            if earlier is not None:
                payload["diff"] = change_json(compare_versions(earlier, version))
        event_id = self._event(
            session, "new", f"new:{stored.id}", stored, version, payload, old=predecessor
        )
        return IngestResult("new", event_id, stored.id, version.id)

    def _store_seen(
        self, session: Session, stored: StoredArticle, url: str, digest: str, silent: bool
    ) -> IngestResult:
        self._mark_checked(stored, url)
        current = (
            session.get(ArticleVersion, stored.current_version_id)
            if stored.current_version_id is not None
            else None
        )
        if current is not None and current.fingerprint == digest:
            if self._stamped_otherwise(current):
                restamp(
                    current, self.article, digest, self.normalizer_version, self.site.rules_hash
                )
            return IngestResult("unchanged", None, stored.id, current.id)
        version = self._add_version(session, stored, digest, previous=current)
        if silent or current is None or self._stamped_otherwise(current):
            return IngestResult("baseline", None, stored.id, version.id)
        payload: dict[str, Any] = {"url": url, "title": version.title, "old_title": current.title}
        payload["diff"] = change_json(compare_versions(current, version))
        key = f"revised:{stored.id}:{current.id}"
        event_id = self._event(session, "revised", key, stored, version, payload, old=current)
        return IngestResult("revised", event_id, stored.id, version.id)

    def _stamped_otherwise(self, version: ArticleVersion) -> bool:
        """Extracted by another normalizer or other site rules than this crawl's."""
        return (
            version.normalizer_version != self.normalizer_version
            or version.rules_hash != self.site.rules_hash
        )

    def _mark_checked(self, stored: StoredArticle, url: str) -> None:
        """The page answered with content: it is here, whatever the lists said before."""
        stored.url = url
        mark_present(stored, self.fetched_at)
        _keep_validators(stored, self.validators)
        if self.column_name is not None:
            stored.column_name = self.column_name
        if self.category is not None:
            stored.category = self.category

    def _add_version(
        self,
        session: Session,
        stored: StoredArticle,
        digest: str,
        previous: ArticleVersion | None,
    ) -> ArticleVersion:
        version = build_version(
            self.article,
            article_id=stored.id,
            digest=digest,
            normalizer_version=self.normalizer_version,
            rules_hash=self.site.rules_hash,
            fetched_at=self.fetched_at,
            crawl_run_id=self.crawl_run_id,
            previous_version_id=previous.id if previous is not None else None,
        )
        version.id = _insert(session, _INSERT_VERSION, version)
        session.execute(_SET_CURRENT, {"article_id": stored.id, "version_id": version.id})
        set_committed_value(stored, "current_version_id", version.id)
        if self.hooks.index_version is not None:
            self.hooks.index_version(session, stored, version)
        return version

    def _predecessor(
        self, session: Session, stored: StoredArticle, version: ArticleVersion
    ) -> Predecessor | None:
        """THE PREDECESSOR HOOK: the earlier article this new one most resembles, if wired."""
        if self.hooks.find_predecessor is None:
            return None
        return self.hooks.find_predecessor(session, stored, version)

    def _event(
        self,
        session: Session,
        kind: str,
        key: str,
        stored: StoredArticle,
        version: ArticleVersion,
        payload: dict[str, Any],
        old: ArticleVersion | Predecessor | None,
    ) -> int:
        old_id = old.version_id if isinstance(old, Predecessor) else old.id if old else None
        event_id = record_event(
            session,
            kind,
            self.site.id,
            key,
            self.fetched_at,
            payload,
            article_id=stored.id,
            version_id=version.id,
            old_version_id=old_id,
            crawl_run_id=self.crawl_run_id,
        )
        if event_id is None:
            raise ConcurrentIngestError(f"{kind} event {key} exists: another worker stored it")
        return event_id


def _insert(session: Session, statement: Insert, row: StoredArticle | ArticleVersion) -> int:
    """INSERT a new row with a statement built once, not through the ORM's unit of work (several
    times the cost per row); the object stays out of the session. Returns its id."""
    given = instance_dict(row)
    values = {c.key: given[c.key] for c in statement.table.columns if c.key in given}
    return int(session.execute(statement, values).scalar_one())


def mark_present(stored: StoredArticle, checked_at: datetime) -> None:
    """The page answered (with content or a 304): it is here, whatever the lists said before."""
    stored.last_checked = max(stored.last_checked, checked_at)
    stored.last_seen = max(stored.last_seen, checked_at)
    stored.gone_count = 0
    stored.last_gone_status = None
    stored.status = "active"
    stored.withdrawn_at = None


def _keep_validators(stored: StoredArticle, validators: Validators | None) -> None:
    if validators is not None:
        stored.etag, stored.last_modified = validators.etag, validators.last_modified


def record_not_modified(
    store: Store, site: SiteRef | str, url: str, checked_at: datetime
) -> IngestResult | None:
    """A conditional re-check answered 304: the stored article is checked and unchanged.
    None when the store has no such article of the site (the 304 then tells nothing)."""
    if checked_at.tzinfo is None or checked_at.utcoffset() is None:
        raise IngestError(f"checked_at {checked_at!r} has no time zone")
    with store.transaction() as session:
        stored = session.scalars(
            select(StoredArticle)
            .where(
                StoredArticle.url_key == url_key(canonical_url(url)),
                StoredArticle.site_id == _site_id(site),
            )
            .with_for_update()
        ).first()
        if stored is None or stored.current_version_id is None:
            return None
        mark_present(stored, checked_at)
        return IngestResult("unchanged", None, stored.id, stored.current_version_id)


def article_validators(
    store: Store, site: SiteRef, normalizer_version: str = NORMALIZER_VERSION
) -> dict[str, Validators]:
    """Canonical URL -> the validators to re-check it with (monitor.store.recheck)."""
    with store.transaction() as session:
        return recheck.article_validators(session, site.id, normalizer_version, site.rules_hash)


def start_run(
    store: Store,
    site: SiteRef,
    *,
    now: datetime | None = None,
    normalizer_version: str = NORMALIZER_VERSION,
) -> int:
    """Open a crawl run of ``site``; returns its id for ingest, record_listing and finish_run.
    The site's earlier runs left `running` by a dead process are finished first (failed,
    `interrupted`). Re-indexes the site's articles with missing or stale predecessor index rows
    (a bounded number, monitor.linking.REFRESH_PER_RUN)."""
    moment = now or utcnow()
    with store.transaction() as session:
        runs.interrupt_orphans(session, moment, store.config, site.id)
    with store.transaction() as session:
        run_id = runs.start_run(session, site, moment, normalizer_version)
        linking.refresh_index(session, site.id)
        return run_id


def finish_run(
    store: Store,
    run_id: int,
    status: RunStatus,
    stats: dict[str, Any] | None = None,
    error: str | None = None,
    *,
    now: datetime | None = None,
) -> RunOutcome:
    """Close a run: `ok`, `partial` (some articles failed) or `failed` (site down, challenge,
    crash). Zero list items makes it `failed`. Only `ok` runs apply withdrawal evidence."""
    with store.transaction() as session:
        return runs.finish_run(session, run_id, status, stats, error, now or utcnow(), store.config)


def record_listing(
    store: Store,
    run_id: int,
    column_name: str | None,
    urls_seen: Iterable[str],
    gone_urls: Mapping[str, int] | None = None,
) -> int:
    """What one column's list showed in this run, and the known article pages that answered
    404/410 (``{url: status}``); call it for every column listed, even with nothing seen."""
    with store.transaction() as session:
        return listing_store.record_listing(
            session, run_id, column_name, urls_seen, gone_urls or {}
        )


def listed_urls(store: Store, run_id: int) -> set[str]:
    """The canonical URLs a run's recorded listings showed so far, in every column."""
    with store.transaction() as session:
        return listing_store.listed_urls(session, run_id)


def known_urls(store: Store, site: SiteRef | str, column_name: str | None = None) -> set[str]:
    """Canonical URLs of the site's stored articles (compare with ``canonical_url(url)``)."""
    with store.transaction() as session:
        return recheck.known_urls(session, _site_id(site), column_name)


def due_for_recheck(
    store: Store,
    site: SiteRef | str,
    urls_on_first_page: Iterable[str],
    now: datetime | None = None,
) -> set[str]:
    """Canonical URLs of the stored articles to fetch again in this crawl."""
    with store.transaction() as session:
        return recheck.due_for_recheck(
            session, _site_id(site), urls_on_first_page, now or utcnow(), store.config.revisions
        )


def _site_id(site: SiteRef | str) -> str:
    return site if isinstance(site, str) else site.id
