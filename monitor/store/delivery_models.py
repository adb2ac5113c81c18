"""The outbox tables: one delivery per (event, subscriber, channel), every attempt at sending
it, and the routing tables the service published (monitor.alerts.routing).

A delivery is `pending` until a worker sends it (`sent`); a failed attempt makes it `failed`
with `next_attempt_at` set by the backoff; past the attempt limit, or on an error retrying
cannot help, it is `dead` with `last_error` kept. `claimed_by`/`claimed_until` are the lease of
the worker sending it right now. Digest deliveries wait with no `next_attempt_at` until their
subscriber's digest time seals them into one batch (`digest_key`), sent as one message.
Operator notices (service start/stop, a channel failing or recovered) have no event: their
`payload` says it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from monitor.store.models import Base
from monitor.store.types import JSONType, UTCDateTime, utcnow

DELIVERY_STATUSES = ("pending", "sent", "failed", "dead")
OPEN_STATUSES = ("pending", "failed")
ATTEMPT_OUTCOMES = ("sent", "failed", "interrupted")


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_batch", "subscriber", "channel", "digest_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    subscriber: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(100))
    mode: Mapped[str] = mapped_column(String(16), default="immediate")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    digest_key: Mapped[str | None] = mapped_column(String(100))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeliveryAttempt(Base):
    """One try at sending a delivery; `outcome` is None while it is in flight."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)


class RoutingSnapshot(Base):
    """A routing table the service accepted; the newest one routes every event recorded."""

    __tablename__ = "routing_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    digest: Mapped[str] = mapped_column(String(64))
    routes: Mapped[dict[str, Any]] = mapped_column(JSONType)


class ChannelHealth(Base):
    """One channel's health: `failures` in a row, the channel's back-off (`next_try_at`: none of
    its deliveries is tried before), and whether the operator was told it is failing."""

    __tablename__ = "channel_health"

    subscriber: Mapped[str] = mapped_column(String(200), primary_key=True)
    channel: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    alerted: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str | None] = mapped_column(Text)
