"""Deliveries are created here, in the transaction that records what they announce.

``fan_out`` is called by ``record_event`` for each new event: it routes the event by the newest
routing table the service published (``publish_routes``) and inserts one delivery per matching
(subscriber, channel). ``add_notice`` does the same for the operator's notices that are no event
(service start and stop, dead deliveries). Without a published table nothing is routed: a store
used by no service (tests, one-off commands before the first `eduwatch run`) sends nothing.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from monitor.alerts.routing import EventFacts, Route, RoutingTable, needs_text, route
from monitor.store.delivery_models import Delivery, RoutingSnapshot
from monitor.store.models import ArticleVersion, Site, StoredArticle
from monitor.store.types import utcnow


def delivery_key(*parts: object) -> str:
    """A stable idempotency key: the same parts give the same key after any crash or retry."""
    text = "\x1f".join(str(part) for part in parts)
    return "ew1-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:40]


def publish_routes(session: Session, table: RoutingTable, now: datetime) -> bool:
    """Make ``table`` the one that routes events from now on; False when it already is."""
    routes = table.model_dump(mode="json")
    encoded = json.dumps(routes, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(encoded.encode("utf-8")).hexdigest()
    latest = _latest(session)
    if latest is not None and latest.digest == digest:
        return False
    session.add(RoutingSnapshot(created_at=now, digest=digest, routes=routes))
    session.flush()
    return True


def current_routes(session: Session) -> RoutingTable | None:
    latest = _latest(session)
    return RoutingTable.model_validate(latest.routes) if latest is not None else None


def _latest(session: Session) -> RoutingSnapshot | None:
    return session.scalars(
        select(RoutingSnapshot).order_by(RoutingSnapshot.id.desc()).limit(1)
    ).first()


def fan_out(
    session: Session,
    event_id: int,
    kind: str,
    site_id: str,
    dedupe_key: str,
    payload: dict[str, Any],
    *,
    article_id: int | None,
    version_id: int | None,
) -> int:
    """One delivery per route of the event; returns how many were created."""
    table = current_routes(session)
    if table is None:
        return 0
    facts = _facts(session, table, kind, site_id, payload, article_id, version_id)
    routes = route(table, facts)
    _insert(session, routes, kind, event_id, dedupe_key, payload=None)
    return len(routes)


def add_notice(
    session: Session, kind: str, key: str, payload: dict[str, Any], now: datetime | None = None
) -> int:
    """An operator notice (``kind`` one of routing.SERVICE_KINDS) to every operator channel;
    ``key`` makes it once only. Returns how many deliveries were created."""
    table = current_routes(session)
    if table is None:
        return 0
    routes = route(table, EventFacts(kind=kind, site_id=""))
    keys = {delivery_key(key, r.subscriber, r.channel): r for r in routes}
    taken = set(
        session.scalars(
            select(Delivery.idempotency_key).where(Delivery.idempotency_key.in_(list(keys)))
        )
    )
    fresh = [r for k, r in keys.items() if k not in taken]
    _insert(session, fresh, kind, None, key, payload=payload, now=now)
    return len(fresh)


def _insert(
    session: Session,
    routes: list[Route],
    kind: str,
    event_id: int | None,
    key: str,
    payload: dict[str, Any] | None,
    now: datetime | None = None,
) -> None:
    if not routes:
        return
    moment = now or utcnow()
    rows = [
        {
            "event_id": event_id,
            "kind": kind,
            "subscriber": item.subscriber,
            "channel": item.channel,
            "mode": item.mode,
            "status": "pending",
            "attempts": 0,
            # digest deliveries wait for their subscriber's digest time
            "next_attempt_at": moment if item.mode == "immediate" else None,
            "idempotency_key": delivery_key(key, item.subscriber, item.channel),
            "payload": payload,
            "created_at": moment,
        }
        for item in routes
    ]
    session.execute(insert(Delivery), rows)


def _facts(
    session: Session,
    table: RoutingTable,
    kind: str,
    site_id: str,
    payload: dict[str, Any],
    article_id: int | None,
    version_id: int | None,
) -> EventFacts:
    site = session.get(Site, site_id)
    article = session.get(StoredArticle, article_id) if article_id is not None else None
    version = session.get(ArticleVersion, version_id) if version_id is not None else None
    title = version.title if version is not None else str(payload.get("title") or "")
    text = version.text if version is not None and needs_text(table) else ""
    return EventFacts(
        kind=kind,
        site_id=site_id,
        authority=site.authority if site is not None else "",
        category=article.category if article is not None else None,
        title=title,
        text=text,
    )
