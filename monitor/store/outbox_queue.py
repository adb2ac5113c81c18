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
from monitor.alerts.routing import RoutingTable
from monitor.errors import NotFoundError, StoreError
from monitor.store.alert_content import event_content, notice_content
from monitor.store.channel_health import (
    Failure,
    backing_off,
    note_failure,
    note_success,
    reserve_probe,
    try_now,
)
from monitor.store.deliveries import delivery_key
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
    channel_failures: int = 0  # the channel's failures in a row when it was claimed


def claim_next(session: Session, worker: str, now: datetime, lease: timedelta) -> Claim | None:
    """Lease the most overdue delivery (with its digest batch) to ``worker``, or None."""
    lead = session.scalars(
        select(Delivery)
        .where(
            Delivery.status.in_(OPEN_STATUSES),
            Delivery.next_attempt_at <= now,
            or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
            ~backing_off(now),
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if lead is None:
        return None
    seen = reserve_probe(session, lead.subscriber, lead.channel, now, now + lease)
    if seen is None:  # another worker probes this failing channel right now
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
        channel_failures=seen,
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


def record_sent(session: Session, claim: Claim, worker: str, now: datetime) -> int:
    """The claim was sent; returns the failures in a row its channel had (0: it was healthy)."""
    for row in _claimed_rows(session, claim):
        row.status, row.sent_at, row.last_error = "sent", now, None
        row.next_attempt_at = row.claimed_by = row.claimed_until = None
    _close_attempts(session, claim, worker, now, "sent", None)
    return note_success(session, claim.subscriber, claim.channel, now)


@dataclass(frozen=True, slots=True)
class FailureOutcome:
    dead: bool  # the delivery is given up (the channel's notice tells the operator)
    channel: Failure


def record_failure(
    session: Session,
    claim: Claim,
    worker: str,
    now: datetime,
    error: str,
    retry_at: datetime | None,
    channel_retry_at: datetime,
    failing_after: int,
) -> FailureOutcome:
    """A failed attempt: the delivery retried at ``retry_at`` (not before its channel's next
    try), or `dead` when None; its channel's health noted (monitor.store.channel_health)."""
    rows = [row for row in _claimed_rows(session, claim) if row.status != "sent"]
    for row in rows:
        row.status = "failed" if retry_at is not None else "dead"
        row.last_error = error
        row.claimed_by = row.claimed_until = None
    _close_attempts(session, claim, worker, now, "failed", error)
    channel = note_failure(
        session, claim.subscriber, claim.channel, claim.channel_failures, now, error,
        channel_retry_at, failing_after,
    )  # fmt: skip
    due = retry_at
    if due is not None and channel.next_try_at is not None:
        due = max(due, channel.next_try_at)
    for index, row in enumerate(rows):
        row.next_attempt_at = due if index == 0 else None  # a batch is due by its lead
    return FailureOutcome(retry_at is None and bool(rows), channel)


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
    try_now(session, {(item.subscriber, item.channel) for item in rows}, now)
    return [item.id for item in rows]


def retry_matching(
    session: Session,
    status: str,
    now: datetime,
    channel: str | None = None,
    since: datetime | None = None,
) -> list[int]:
    """`eduwatch deliveries retry --status dead [--channel C] [--since T]`: every delivery of
    that status (failed or dead), of that channel (``subscriber/channel``, or a channel name of
    any subscriber), created since ``since``, due again as ``retry`` makes one. Returns the
    ids made due."""
    if status not in ("failed", "dead"):
        raise StoreError(f"--status {status}: only failed or dead deliveries are sent again")
    query = select(Delivery.id).where(Delivery.status == status).order_by(Delivery.id)
    if channel is not None:
        subscriber, _, name = channel.rpartition("/")
        query = query.where(Delivery.channel == name)
        if subscriber:
            query = query.where(Delivery.subscriber == subscriber)
    if since is not None:
        query = query.where(Delivery.created_at >= since)
    done: list[int] = []
    for delivery_id in session.scalars(query).all():
        if delivery_id not in done:
            done += retry(session, delivery_id, now)
    return done


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
