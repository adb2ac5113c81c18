"""Crawl-run bookkeeping: a run starts, records its listings, and finishes with a status that
drives the site's baseline, its withdrawal evidence and its health events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.names import RunStatus
from monitor.config import ServiceConfig
from monitor.errors import NotFoundError
from monitor.store.health import check_stale, note_failure, note_success
from monitor.store.listing import apply_listings, listed_count
from monitor.store.models import CrawlRun, Site
from monitor.store.owners import owner_alive, process_owner
from monitor.store.sites import SiteRef, ensure_site, in_baseline

FINISH_STATUSES = ("ok", "partial", "failed")
INTERRUPTED = "interrupted"
OWNER_GRACE = timedelta(minutes=10)  # past the crawl timeout, a run elsewhere has no owner left
NO_LIST_ITEMS = "no list items: a broken site or adapter, never 'no news'"


@dataclass(frozen=True, slots=True)
class RunOutcome:
    run_id: int
    status: str  # as recorded: `ok`/`partial` with zero list items became `failed`
    event_ids: tuple[int, ...]


def start_run(
    session: Session,
    site: SiteRef,
    now: datetime,
    normalizer_version: str,
    owner: str | None = None,
) -> int:
    """Open a crawl run for ``site`` (created on first sight), owned by this process (or
    ``owner``); returns the run id."""
    row = ensure_site(session, site)
    run = CrawlRun(
        site_id=site.id,
        started_at=now,
        status="running",
        owner=owner or process_owner(),
        rules_hash=site.rules_hash,
        normalizer_version=normalizer_version,
        baseline=in_baseline(row, site.rules_hash),
    )
    session.add(run)
    session.flush()
    return run.id


def finish_run(
    session: Session,
    run_id: int,
    status: RunStatus,
    stats: dict[str, Any] | None,
    error: str | None,
    now: datetime,
    config: ServiceConfig,
) -> RunOutcome:
    """Close a run (a second call changes nothing) and raise what it implies."""
    if status not in FINISH_STATUSES:
        raise ValueError(f"run status {status!r}; expected one of {', '.join(FINISH_STATUSES)}")
    run = session.get(CrawlRun, run_id, with_for_update=True)
    if run is None:
        raise NotFoundError(f"no crawl run {run_id}")
    if run.finished_at is not None:
        return RunOutcome(run.id, run.status, ())
    site = session.get(Site, run.site_id, with_for_update=True)
    if site is None:
        raise NotFoundError(f"no site {run.site_id}")
    if status != "failed" and listed_count(session, run.id) == 0:
        status, error = "failed", error or NO_LIST_ITEMS
    run.status, run.finished_at, run.stats, run.error = status, now, stats, error
    if status == "failed":
        events = note_failure(session, site, run, now, config.alerts.failing_after)
        return RunOutcome(run.id, status, tuple(events))
    events = note_success(session, site, run, now)
    _complete_baseline(site, run, now)
    if status == "ok":
        events += apply_listings(session, run, now)
    events += check_stale(session, site.id, now, config.stale, run.id, site.baselined_at)
    return RunOutcome(run.id, status, tuple(events))


def interrupt_orphans(
    session: Session,
    now: datetime,
    config: ServiceConfig,
    site_id: str | None = None,
    error: str | None = None,
) -> list[int]:
    """Runs still `running` whose owner is gone (killed, crashed, its machine restarted) are
    finished as `failed`, reason `interrupted` (or ``error`` when the caller knows how the
    owner died), and count toward `site_failing` like any failed run. All sites', or
    ``site_id``'s. Returns the ids of the runs so finished."""
    query = select(CrawlRun).where(CrawlRun.status == "running", CrawlRun.finished_at.is_(None))
    if site_id is not None:
        query = query.where(CrawlRun.site_id == site_id)
    patience = config.scheduler.crawl_timeout + OWNER_GRACE
    finished: list[int] = []
    for run in session.scalars(query.order_by(CrawlRun.id)).all():
        if owner_alive(run.owner, run.started_at, now, patience):
            continue
        why = error or f"{INTERRUPTED}: its crawl process ({run.owner or 'unknown'}) is gone"
        finish_run(session, run.id, "failed", {"reason": INTERRUPTED}, why, now, config)
        finished.append(run.id)
    return finished


def last_durations(session: Session, sample: int = 2000) -> dict[str, timedelta]:
    """How long each site's last finished crawl run took (among the ``sample`` latest runs)."""
    rows = session.execute(
        select(CrawlRun.site_id, CrawlRun.started_at, CrawlRun.finished_at)
        .where(CrawlRun.finished_at.is_not(None))
        .order_by(CrawlRun.id.desc())
        .limit(sample)
    )
    found: dict[str, timedelta] = {}
    for site_id, started, finished in rows:
        if finished is not None:
            found.setdefault(str(site_id), finished - started)
    return found


def _complete_baseline(site: Site, run: CrawlRun, now: datetime) -> None:
    """A healthy run ends the site's baseline: later crawls of these rules raise events."""
    if site.baselined_at is None:
        site.baselined_at = now
    site.rules_hash = run.rules_hash
    site.normalizer_version = run.normalizer_version
