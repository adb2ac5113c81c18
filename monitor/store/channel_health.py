"""Each alert channel's health, so that a broken channel is one story, not a flood.

A channel that fails is put in back-off as a whole: none of its deliveries is tried before its
``next_try_at``, and then one at a time (the claim that probes it reserves the channel for its
lease). Each failure of a probe is one back-off step: one warning in the log. The operator hears
once when the channel reaches ``failing_after`` failures in a row (`channel_failing`, with the
deliveries waiting), and once when a send gets through again (`channel_recovered`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from monitor.alerts.routing import OPERATOR
from monitor.store.deliveries import add_notice
from monitor.store.delivery_models import OPEN_STATUSES, ChannelHealth, Delivery

FAILING_TITLE = "告警渠道故障：{where}"
RECOVERED_TITLE = "告警渠道已恢复：{where}"


@dataclass(frozen=True, slots=True)
class Failure:
    """What one failed attempt did to its channel."""

    stepped: bool  # it made the channel's next back-off step (the one to log)
    failures: int  # in a row, now
    next_try_at: datetime | None
    waiting: int  # the channel's deliveries not yet sent (failed or pending)
    alerted: bool  # the operator is told now


def backing_off(now: datetime) -> ColumnElement[bool]:
    """For a delivery query: its channel is in back-off (or being probed) at ``now``."""
    return exists().where(
        and_(
            ChannelHealth.subscriber == Delivery.subscriber,
            ChannelHealth.channel == Delivery.channel,
            ChannelHealth.next_try_at > now,
        )
    )


def health_of(session: Session, subscriber: str, channel: str) -> ChannelHealth:
    """The channel's row (made on first need), locked for this transaction."""
    values: dict[str, Any] = {
        "subscriber": subscriber,
        "channel": channel,
        "failures": 0,
        "alerted": False,
    }
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    session.execute(module.insert(ChannelHealth).values(**values).on_conflict_do_nothing())
    row = session.get(
        ChannelHealth, (subscriber, channel), with_for_update=True, populate_existing=True
    )
    assert row is not None
    return row


def reserve_probe(
    session: Session, subscriber: str, channel: str, now: datetime, until: datetime
) -> int | None:
    """Before claiming a delivery of the channel: its failures in a row, or None when another
    worker probes it right now. A failing channel is reserved for this claim until ``until``."""
    row = session.get(ChannelHealth, (subscriber, channel), with_for_update=True)
    if row is None or row.failures == 0:
        return 0
    if row.next_try_at is not None and row.next_try_at > now:
        return None
    row.next_try_at = until
    return row.failures


def note_failure(
    session: Session,
    subscriber: str,
    channel: str,
    seen_failures: int,
    now: datetime,
    error: str,
    next_try_at: datetime,
    failing_after: int,
) -> Failure:
    """A failed attempt of a claim made when the channel had ``seen_failures``: the first such
    failure recorded makes the next step (the channel waits until ``next_try_at``)."""
    row = health_of(session, subscriber, channel)
    stepped = row.failures == seen_failures
    if stepped:
        row.failures += 1
        row.failing_since = row.failing_since or now
        row.next_try_at = next_try_at
    row.last_error = error
    waiting = _count(session, subscriber, channel, OPEN_STATUSES)
    alerted = False
    if row.failures >= failing_after and not row.alerted and subscriber != OPERATOR:
        row.alerted = alerted = True
        where = f"{subscriber}/{channel}"
        payload = {
            "title": FAILING_TITLE.format(where=where),
            "subscriber": subscriber,
            "channel": channel,
            "failures": row.failures,
            "waiting": waiting,
            "dead": _count(session, subscriber, channel, ("dead",)),
            "error": error,
        }
        since = (row.failing_since or now).isoformat()
        add_notice(session, "channel_failing", f"channel_failing:{where}:{since}", payload, now)
    return Failure(stepped, row.failures, row.next_try_at, waiting, alerted)


def note_success(session: Session, subscriber: str, channel: str, now: datetime) -> int:
    """A send got through: the channel is healthy again. Returns the failures in a row it had
    (0: it was healthy); the operator told of its failing hears of its recovery."""
    row = session.get(ChannelHealth, (subscriber, channel), with_for_update=True)
    if row is None or (row.failures == 0 and row.next_try_at is None):
        return 0
    failures = row.failures
    if row.alerted:
        where = f"{subscriber}/{channel}"
        since = (row.failing_since or now).isoformat()
        payload = {
            "title": RECOVERED_TITLE.format(where=where),
            "subscriber": subscriber,
            "channel": channel,
            "failures": failures,
            "failing_since": since,
            "dead": _count(session, subscriber, channel, ("dead",)),
        }
        add_notice(session, "channel_recovered", f"channel_recovered:{where}:{since}", payload, now)
    row.failures, row.alerted = 0, False
    row.failing_since = row.next_try_at = None
    row.last_error = None
    return failures


def try_now(session: Session, channels: set[tuple[str, str]], now: datetime) -> None:
    """`deliveries retry`: the channels of the deliveries made due are tried at once."""
    for subscriber, channel in channels:
        row = session.get(ChannelHealth, (subscriber, channel), with_for_update=True)
        if row is not None and row.next_try_at is not None:
            row.next_try_at = now


def _count(session: Session, subscriber: str, channel: str, statuses: tuple[str, ...]) -> int:
    query = select(func.count()).where(
        Delivery.subscriber == subscriber,
        Delivery.channel == channel,
        Delivery.status.in_(statuses),
    )
    return int(session.scalar(query) or 0)
