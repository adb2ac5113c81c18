"""Crawl-run bookkeeping: a run starts, records its listings, and finishes with a status that
drives the site's baseline, its withdrawal evidence and its health events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from crawler.names import RunStatus
from monitor.config import ServiceConfig
from monitor.errors import NotFoundError
from monitor.store.health import check_stale, note_failure, note_success
from monitor.store.listing import apply_listings, listed_count
from monitor.store.models import CrawlRun, Site
from monitor.store.sites import SiteRef, ensure_site, in_baseline

FINISH_STATUSES = ("ok", "partial", "failed")
NO_LIST_ITEMS = "no list items: a broken site or adapter, never 'no news'"


@dataclass(frozen=True, slots=True)
class RunOutcome:
    run_id: int
    status: str  # as recorded: `ok`/`partial` with zero list items became `failed`
    event_ids: tuple[int, ...]


def start_run(session: Session, site: SiteRef, now: datetime, normalizer_version: str) -> int:
    """Open a crawl run for ``site`` (created on first sight); returns the run id."""
    row = ensure_site(session, site)
    run = CrawlRun(
        site_id=site.id,
        started_at=now,
        status="running",
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
    events += check_stale(session, site.id, now, config.stale, run.id)
    return RunOutcome(run.id, status, tuple(events))


def _complete_baseline(site: Site, run: CrawlRun, now: datetime) -> None:
    """A healthy run ends the site's baseline: later crawls of these rules raise events."""
    if site.baselined_at is None:
        site.baselined_at = now
    site.rules_hash = run.rules_hash
    site.normalizer_version = run.normalizer_version
