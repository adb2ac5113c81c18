"""A broken channel is one story, not a flood: its deliveries back off together, the log has one
warning per back-off step of the channel (not one per delivery), and the operator hears once
that it is failing (with how many deliveries wait) and once that it recovered. A real webhook
receiver that goes down and comes back on the same port, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from monitor.alerts.routing import OPERATOR
from monitor.store import Store
from monitor.store.delivery_models import ChannelHealth
from tests.logcapture import captured
from tests.receiver import Receiver
from tests.test_outbox import (
    FAST,
    hook,
    hook_secret,
    make_outbox,
    new_articles,
    operator_of,
    pump,
    receiver,
    rows,
    statuses,
    subscribers,
)

__all__ = ["hook_secret", "receiver"]  # the fixtures of test_outbox
ARTICLES = 24


@pytest.fixture
def warnings() -> Iterator[list[str]]:
    with captured("WARNING") as lines:
        yield lines


def failures(store: Store) -> int:
    with store.transaction() as session:
        row = session.scalars(select(ChannelHealth).where(ChannelHealth.channel == "hook")).first()
        return row.failures if row is not None else 0


def test_a_dead_channel_warns_once_a_step_and_alerts_once_each_way(
    store: Store, tmp_path: Path, receiver: Receiver, warnings: list[str]
) -> None:
    operator = Receiver().start()
    try:
        config = subscribers(tmp_path, f"  - name: 坏渠道\n    channels:\n{hook(receiver.url())}")
        outbox = make_outbox(store, config, operator_of(operator.url("/ops")), FAST)
        receiver.stop()  # the subscriber's server is down: connections refused
        new_articles(store, *range(1, ARTICLES + 1))
        pump(outbox, lambda: failures(store) >= 5)
        steps = failures(store)
        flood = [line for line in warnings if "坏渠道/hook" in line]
        assert len(flood) == steps  # one warning per back-off step of the channel
        assert all(line.startswith("channel 坏渠道/hook failing") for line in flood)
        ours = [row for row in rows(store) if row.subscriber != OPERATOR]
        assert sum(row.attempts for row in ours) <= steps + 1  # tried one at a time, not 24
        assert {row.status for row in ours} <= {"pending", "failed"}  # none given up

        receiver.start()  # back on the same port
        pump(outbox, lambda: [s for s in statuses(store)] == ["sent"] * (ARTICLES + 2))
        assert len(receiver.delivered()) == ARTICLES
        told = [request.json() for request in operator.requests]
        assert [notice["kind"] for notice in told] == ["channel_failing", "channel_recovered"]
        assert told[0]["details"]["waiting"] == ARTICLES
        assert told[1]["details"]["failures"] >= steps
        assert failures(store) == 0
    finally:
        operator.stop()
