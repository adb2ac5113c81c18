"""The outbox queue: claim a due delivery (or digest batch), record how its attempt ended.

Claims are made row by row: ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, and on SQLite
the store's ``BEGIN IMMEDIATE`` transactions (one writer at a time). A claim is a lease
(``claimed_by``/``claimed_until``) plus an open attempt row, committed before anything is sent:
a worker that dies mid-send leaves the lease, which expires (or is released at the next start
on the same host), and the delivery is sent again with the same idempotency key. A delivery
recorded as `sent` is never claimed again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, func, or_, select, update
from sqlalchemy.orm import Session

from monitor.alerts.contract import AlertContent
from monitor.alerts.routing import OPERATOR, RoutingTable
from monitor.errors import NotFoundError, StoreError
from monitor.store.alert_content import event_content, notice_content
from monitor.store.deliveries import add_notice, delivery_key
from monitor.store.delivery_models import (
    DELIVERY_STATUSES,
    OPEN_STATUSES,
    Delivery,
    DeliveryAttempt,
    RoutingSnapshot,
)
from monitor.store.models import Event


@dataclass(frozen=True, slots=True)
class Claim:
    """One message to send: a delivery, or every delivery of one digest batch."""

    ids: tuple[int, ...]
    key: str  # the alert's idempotency key
    subscriber: str
    channel: str
    attempt: int
    digest: bool
    contents: tuple[AlertContent, ...]


def claim_next(session: Session, worker: str, now: datetime, lease: timedelta) -> Claim | None:
    """Lease the most overdue delivery (with its digest batch) to ``worker``, or None."""
    lead = session.scalars(
        select(Delivery)
        .where(
            Delivery.status.in_(OPEN_STATUSES),
            Delivery.next_attempt_at <= now,
            or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if lead is None:
        return None
    rows = [lead]
    if lead.digest_key is not None:
        rows = list(session.scalars(_batch(lead).with_for_update()))
    for row in rows:
        row.attempts += 1
        row.claimed_by, row.claimed_until = worker, now + lease
        session.add(
            DeliveryAttempt(delivery_id=row.id, number=row.attempts, worker=worker, started_at=now)
        )
    session.flush()
    return Claim(
        ids=tuple(row.id for row in rows),
        key=lead.digest_key or lead.idempotency_key,
        subscriber=lead.subscriber,
        channel=lead.channel,
        attempt=lead.attempts,
        digest=lead.digest_key is not None,
        contents=tuple(_content(session, row) for row in rows),
    )


def _batch(lead: Delivery) -> Select[Delivery]:
    return (
        select(Delivery)
        .where(
            Delivery.subscriber == lead.subscriber,
            Delivery.channel == lead.channel,
            Delivery.digest_key == lead.digest_key,
            Delivery.status.in_(OPEN_STATUSES),
        )
        .order_by(Delivery.id)
    )


def _content(session: Session, row: Delivery) -> AlertContent:
    if row.event_id is None:
        return notice_content(row)
    event = session.get(Event, row.event_id)
    if event is None:
        raise StoreError(f"delivery {row.id}: its event {row.event_id} is gone")
    return event_content(session, event)


def record_sent(session: Session, claim: Claim, worker: str, now: datetime) -> None:
    for row in _claimed_rows(session, claim):
        row.status, row.sent_at, row.last_error = "sent", now, None
        row.next_attempt_at = row.claimed_by = row.claimed_until = None
    _close_attempts(session, claim, worker, now, "sent", None)


def record_failure(
    session: Session,
    claim: Claim,
    worker: str,
    now: datetime,
    error: str,
    retry_at: datetime | None,
) -> bool:
    """A failed attempt: retried at ``retry_at``, or `dead` when None (the operator is told).
    Returns True when the delivery is now dead."""
    rows = [row for row in _claimed_rows(session, claim) if row.status != "sent"]
    for index, row in enumerate(rows):
        row.status = "failed" if retry_at is not None else "dead"
        row.last_error = error
        row.claimed_by = row.claimed_until = None
        row.next_attempt_at = retry_at if index == 0 else None  # a batch is due by its lead
    _close_attempts(session, claim, worker, now, "failed", error)
    if retry_at is not None or not rows:
        return False
    if claim.subscriber != OPERATOR:
        title = next((c.title for c in claim.contents if c.title), None)
        payload = {
            "delivery_ids": list(claim.ids),
            "subscriber": claim.subscriber,
            "channel": claim.channel,
            "attempts": claim.attempt,
            "error": error,
            "title": f"告警投递失败：{claim.subscriber}/{claim.channel}",
            "alert_title": title,
        }
        add_notice(session, "delivery_dead", f"delivery_dead:{claim.key}", payload, now)
    return True


def _claimed_rows(session: Session, claim: Claim) -> Sequence[Delivery]:
    return session.scalars(
        select(Delivery).where(Delivery.id.in_(claim.ids)).order_by(Delivery.id).with_for_update()
    ).all()


def _close_attempts(
    session: Session, claim: Claim, worker: str, now: datetime, outcome: str, error: str | None
) -> None:
    session.execute(
        update(DeliveryAttempt)
        .where(
            DeliveryAttempt.delivery_id.in_(claim.ids),
            DeliveryAttempt.worker == worker,
            DeliveryAttempt.outcome.is_(None),
        )
        .values(finished_at=now, outcome=outcome, error=error),
        execution_options={"synchronize_session": False},
    )


def seal_digest(session: Session, subscriber: str, channel: str, now: datetime) -> int:
    """Gather a subscriber channel's waiting digest deliveries into one batch, due now;
    returns how many (0: nothing to send, no message)."""
    ids = list(
        session.scalars(
            select(Delivery.id)
            .where(
                Delivery.subscriber == subscriber,
                Delivery.channel == channel,
                Delivery.mode == "digest",
                Delivery.digest_key.is_(None),
                Delivery.status == "pending",
            )
            .order_by(Delivery.id)
            .with_for_update()
        )
    )
    if not ids:
        return 0
    key = delivery_key("digest", subscriber, channel, ids[0], now.isoformat())
    session.execute(
        update(Delivery).where(Delivery.id.in_(ids)).values(digest_key=key),
        execution_options={"synchronize_session": False},
    )
    session.execute(
        update(Delivery).where(Delivery.id == ids[0]).values(next_attempt_at=now),
        execution_options={"synchronize_session": False},
    )
    return len(ids)


def release_claims(session: Session, now: datetime, abandoned: Callable[[str], bool]) -> int:
    """Free the leases of workers that are gone (``abandoned(claimed_by)``): their deliveries
    are due again at once; their open attempts are recorded as interrupted."""
    rows = session.scalars(
        select(Delivery)
        .where(Delivery.claimed_by.is_not(None), Delivery.status.in_(OPEN_STATUSES))
        .with_for_update()
    ).all()
    freed = [row for row in rows if row.claimed_by is not None and abandoned(row.claimed_by)]
    for row in freed:
        session.execute(
            update(DeliveryAttempt)
            .where(
                DeliveryAttempt.delivery_id == row.id,
                DeliveryAttempt.worker == row.claimed_by,
                DeliveryAttempt.outcome.is_(None),
            )
            .values(finished_at=now, outcome="interrupted"),
            execution_options={"synchronize_session": False},
        )
        row.claimed_by = row.claimed_until = None
    return len(freed)


def retry(session: Session, delivery_id: int, now: datetime) -> list[int]:
    """`eduwatch deliveries retry ID`: a failed or dead delivery (its digest batch with it) is
    due again now with a fresh attempt budget. Returns the ids made due."""
    row = session.get(Delivery, delivery_id, with_for_update=True)
    if row is None:
        raise NotFoundError(f"no delivery {delivery_id}")
    if row.status == "sent":
        raise StoreError(f"delivery {delivery_id} was sent at {row.sent_at}; it is not sent again")
    if row.mode == "digest" and row.digest_key is None:
        return []  # still waiting for its digest time
    rows = [row]
    if row.digest_key is not None:
        rows = list(
            session.scalars(
                select(Delivery)
                .where(Delivery.digest_key == row.digest_key, Delivery.status != "sent")
                .order_by(Delivery.id)
                .with_for_update()
            )
        )
    for index, item in enumerate(rows):
        item.status, item.attempts = "pending", 0
        item.claimed_by = item.claimed_until = None
        item.next_attempt_at = now if index == 0 else None
    return [item.id for item in rows]


def wake_digests_of(session: Session, table: RoutingTable, now: datetime) -> int:
    """Digest deliveries still waiting whose subscriber is no longer in digest mode (or gone)
    are due now, one by one (a gone subscriber's end `dead` at their first attempt)."""
    digest = [s.name for s in table.subscribers if s.mode == "digest"]
    result = session.execute(
        update(Delivery)
        .where(
            Delivery.mode == "digest",
            Delivery.digest_key.is_(None),
            Delivery.status == "pending",
            Delivery.subscriber.not_in(digest),
        )
        .values(mode="immediate", next_attempt_at=now),
        execution_options={"synchronize_session": False},
    )
    return int(getattr(result, "rowcount", 0) or 0)


def backlog(session: Session) -> dict[str, int]:
    """How many deliveries there are of each status (digest ones waiting count as pending)."""
    counts = dict.fromkeys(DELIVERY_STATUSES, 0)
    query = select(Delivery.status, func.count()).group_by(Delivery.status)
    for status, number in session.execute(query):
        counts[str(status)] = int(number)
    return counts


def list_deliveries(session: Session, status: str | None, limit: int) -> Sequence[Delivery]:
    query = select(Delivery).order_by(Delivery.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Delivery.status == status)
    return session.scalars(query).all()


def prune_deliveries(session: Session, cutoff: datetime) -> int:
    """Delete finished operator notices older than ``cutoff`` (event deliveries go with their
    events) and routing tables superseded before it."""
    notices = session.execute(
        delete(Delivery).where(
            Delivery.event_id.is_(None),
            Delivery.status.in_(("sent", "dead")),
            Delivery.created_at < cutoff,
        ),
        execution_options={"synchronize_session": False},
    )
    newest = select(func.max(RoutingSnapshot.id)).scalar_subquery()
    session.execute(
        delete(RoutingSnapshot).where(
            RoutingSnapshot.created_at < cutoff, RoutingSnapshot.id != newest
        ),
        execution_options={"synchronize_session": False},
    )
    return int(getattr(notices, "rowcount", 0) or 0)
