"""Each site's health for the Sites page and /api/sites: its configuration (columns, schedule,
render mode) joined with what the store knows (last run, result, failures, next run)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from crawler.sites import SiteConfig
from monitor.logs import REDACT
from monitor.scheduler import next_due
from monitor.store.timeline import SiteState, site_states

SORT_KEYS = ("id", "authority", "last_run", "result", "failures", "next_run", "articles")
RESULT_ORDER = {"failed": 0, "partial": 1, "running": 2, "ok": 3, None: 4}


@dataclass(frozen=True, slots=True)
class ColumnRow:
    name: str
    category: str
    url: str
    listed: int | None  # items its list showed in the site's last run (None: not crawled)


@dataclass(frozen=True, slots=True)
class SiteRow:
    id: str
    name: str
    authority: str
    configured: bool
    enabled: bool
    render: str | None  # how pages are fetched (`render:` of the site file), when it says
    schedule: str | None
    last_run: datetime | None
    result: str | None
    error: str | None
    next_run: datetime | None
    due_now: bool
    failures: int
    last_failure: datetime | None
    last_failure_error: str | None
    last_ok: datetime | None
    articles: int
    columns: list[ColumnRow] = field(default_factory=list)


def site_rows(
    session: Session,
    configs: Sequence[SiteConfig],
    now: datetime,
    authority: str | None = None,
    sort: str = "id",
    descending: bool = False,
) -> list[SiteRow]:
    """The configured sites (and stored ones no longer configured), filtered and sorted."""
    states = site_states(session)
    rows = [_row(config, states.get(config.id), now) for config in configs]
    configured = {config.id for config in configs}
    rows += [_orphan(state) for site_id, state in states.items() if site_id not in configured]
    if authority:
        rows = [row for row in rows if row.authority == authority]
    rows.sort(key=lambda row: _sort_key(row, sort), reverse=descending)
    return rows


def _row(config: SiteConfig, state: SiteState | None, now: datetime) -> SiteRow:
    state = state or SiteState(config.id)
    run = state.last_run
    due = next_due(config.schedule, run.started_at if run else None) if config.enabled else None
    columns = [
        ColumnRow(column.name, column.category, column.url, state.columns.get(column.name))
        for column in config.columns
    ]
    return SiteRow(
        id=config.id,
        name=config.name,
        authority=config.authority,
        configured=True,
        enabled=config.enabled,
        render=render_mode(config),
        schedule=config.schedule.expression,
        last_run=run.started_at if run else None,
        result=run.status if run else None,
        error=_hidden(run.error) if run else None,
        next_run=due,
        due_now=config.enabled and (due is None or due <= now),
        failures=state.consecutive_failures,
        last_failure=state.last_failure.started_at if state.last_failure else None,
        last_failure_error=_hidden(state.last_failure.error) if state.last_failure else None,
        last_ok=state.last_ok,
        articles=state.articles,
        columns=columns,
    )


def render_mode(config: SiteConfig) -> str | None:
    """The site's render mode (`render:`), for site configurations that have one."""
    value: Any = getattr(config, "render", None)
    return None if value is None else str(value)


def _orphan(state: SiteState) -> SiteRow:
    run = state.last_run
    return SiteRow(
        id=state.site_id,
        name=state.site_id,
        authority="",
        configured=False,
        enabled=False,
        render=None,
        schedule=None,
        last_run=run.started_at if run else None,
        result=run.status if run else None,
        error=_hidden(run.error) if run else None,
        next_run=None,
        due_now=False,
        failures=state.consecutive_failures,
        last_failure=state.last_failure.started_at if state.last_failure else None,
        last_failure_error=_hidden(state.last_failure.error) if state.last_failure else None,
        last_ok=state.last_ok,
        articles=state.articles,
    )


def _hidden(text: str | None) -> str | None:
    """The text with the running service's secrets (monitor.logs.REDACT) blanked out."""
    return REDACT(text) if text else text


def _sort_key(row: SiteRow, sort: str) -> tuple[Any, ...]:
    never = datetime.min.isoformat()
    keys: dict[str, Any] = {
        "authority": row.authority,
        "last_run": row.last_run.isoformat() if row.last_run else never,
        "result": RESULT_ORDER.get(row.result, 4),
        "failures": row.failures,
        "next_run": row.next_run.isoformat() if row.next_run else never,
        "articles": row.articles,
    }
    return (keys.get(sort, ""), row.id)
