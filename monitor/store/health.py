"""Site health events: failing after N failed runs (once), recovered (once), stale (once a lull)."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.config import StaleSection
from monitor.store.events import record_event
from monitor.store.models import CrawlRun, Site, StoredArticle

RHYTHM_SAMPLE = 200  # the latest articles whose gaps make a site's usual rhythm


def note_failure(
    session: Session, site: Site, run: CrawlRun, now: datetime, failing_after: int
) -> list[int]:
    """Count a failed run; the run that reaches ``failing_after`` in a row raises `site_failing`."""
    site.consecutive_failures += 1
    if site.consecutive_failures < failing_after or site.failing_alerted_at is not None:
        return []
    site.failing_alerted_at = now
    payload = {"failures": site.consecutive_failures, "error": run.error, "name": site.name}
    event_id = record_event(
        session,
        "site_failing",
        site.id,
        f"site_failing:{site.id}:{run.id}",
        now,
        payload,
        crawl_run_id=run.id,
    )
    return [event_id] if event_id is not None else []


def note_success(session: Session, site: Site, run: CrawlRun, now: datetime) -> list[int]:
    """A healthy run ends a failure streak; if the streak was alerted, `site_recovered` once."""
    failures, alerted_at = site.consecutive_failures, site.failing_alerted_at
    site.consecutive_failures = 0
    site.failing_alerted_at = None
    if alerted_at is None:
        return []
    payload = {"failures": failures, "failing_since": alerted_at.isoformat(), "name": site.name}
    event_id = record_event(
        session,
        "site_recovered",
        site.id,
        f"site_recovered:{site.id}:{run.id}",
        now,
        payload,
        crawl_run_id=run.id,
    )
    return [event_id] if event_id is not None else []


def stale_threshold(appearances: list[datetime], config: StaleSection) -> timedelta | None:
    """max(floor, multiplier x the percentile gap), or None without enough history to tell."""
    if len(appearances) < config.min_articles:
        return None
    ordered = sorted(appearances)
    gaps = sorted((b - a).total_seconds() for a, b in pairwise(ordered))
    usual = timedelta(seconds=percentile(gaps, config.percentile) * config.multiplier)
    return max(config.floor, usual)


def check_stale(
    session: Session,
    site_id: str,
    now: datetime,
    config: StaleSection,
    run_id: int | None = None,
    baselined_at: datetime | None = None,
) -> list[int]:
    """Raise `site_stale` once for the current lull when the site has been quiet too long. The
    lull starts at the newest article, or at the baseline when that is later: a first crawl of a
    site whose newest article is old is no lull."""
    appearances = list(
        session.scalars(
            select(StoredArticle.appeared_at)
            .where(StoredArticle.site_id == site_id)
            .order_by(StoredArticle.appeared_at.desc())
            .limit(RHYTHM_SAMPLE)
        )
    )
    threshold = stale_threshold(appearances, config)
    if threshold is None:
        return []
    last = max([*appearances, *([baselined_at] if baselined_at is not None else [])])
    quiet = now - last
    if quiet <= threshold:
        return []
    payload = {
        "last_new_at": last.isoformat(),
        "quiet_days": round(quiet.total_seconds() / 86400, 1),
        "threshold_days": round(threshold.total_seconds() / 86400, 1),
    }
    key = f"site_stale:{site_id}:{last.isoformat()}"
    event_id = record_event(session, "site_stale", site_id, key, now, payload, crawl_run_id=run_id)
    return [event_id] if event_id is not None else []


def percentile(values: list[float], pct: float) -> float:
    """The ``pct`` percentile of sorted ``values`` by linear interpolation (0 when empty)."""
    if not values:
        return 0.0
    position = (len(values) - 1) * pct / 100
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)
