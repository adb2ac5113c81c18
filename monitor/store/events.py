"""The one way an event is created: insert-or-nothing on its unique `dedupe_key`.

Each new event is fanned out here into its deliveries (monitor.store.deliveries), in the same
transaction: an event is never recorded without them, nor twice.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from crawler.names import EVENT_KINDS
from monitor.store.deliveries import fan_out
from monitor.store.models import Event

_EVENTS = cast(Table, Event.__table__)


def record_event(
    session: Session,
    kind: str,
    site_id: str,
    dedupe_key: str,
    created_at: datetime,
    payload: dict[str, Any],
    *,
    article_id: int | None = None,
    version_id: int | None = None,
    old_version_id: int | None = None,
    crawl_run_id: int | None = None,
) -> int | None:
    """Insert an event and its deliveries; its id, or None when one with this key exists."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {kind!r}; expected one of {', '.join(EVENT_KINDS)}")
    values = {
        "kind": kind,
        "site_id": site_id,
        "dedupe_key": dedupe_key,
        "created_at": created_at,
        "payload": payload,
        "article_id": article_id,
        "version_id": version_id,
        "old_version_id": old_version_id,
        "crawl_run_id": crawl_run_id,
    }
    session.flush()  # what is pending goes first, as before any ORM statement
    statement = _insert_ignoring_duplicates(session.get_bind().dialect.name)
    event_id: int | None = session.execute(statement, values).scalar_one_or_none()
    if event_id is not None:
        fan_out(
            session,
            event_id,
            kind,
            site_id,
            dedupe_key,
            payload,
            article_id=article_id,
            version_id=version_id,
        )
    return event_id


@cache
def _insert_ignoring_duplicates(dialect: str) -> Insert:
    """INSERT ... ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, built once per dialect."""
    if dialect == "postgresql":
        pg = postgresql.insert(_EVENTS)
        return pg.on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(_EVENTS.c.id)
    if dialect == "sqlite":
        lite = sqlite.insert(_EVENTS)
        return lite.on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(_EVENTS.c.id)
    raise NotImplementedError(f"eduwatch stores events in SQLite or PostgreSQL, not {dialect}")
