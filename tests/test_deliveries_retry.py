"""`eduwatch deliveries retry --status dead [--channel ...] [--since ...]`: the day a mail server
was down for hours, every dead delivery of it is due again in one command; others untouched."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from monitor.alerts.routing import RoutingTable
from monitor.cli import main
from monitor.store import Store
from monitor.store.deliveries import publish_routes
from monitor.store.delivery_models import Delivery
from monitor.store.models import Event
from tests.db import T0, crawl, notice

DAY = timedelta(days=1)


def statuses(store: Store) -> dict[tuple[str, str, int], tuple[str, int]]:
    """(subscriber, channel, event) -> (status, attempts)."""
    with store.transaction() as session:
        rows = session.scalars(select(Delivery).order_by(Delivery.id))
        return {(r.subscriber, r.channel, r.event_id or 0): (r.status, r.attempts) for r in rows}


def test_retry_every_dead_delivery_of_a_channel_since_a_time(
    store: Store,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("EDUWATCH_DATABASE_URL", database_url)
    table = RoutingTable.model_validate(
        {
            "subscribers": [
                {"name": "甲", "channels": ["mail", "hook"]},
                {"name": "乙", "channels": ["mail"]},
            ]
        }
    )
    with store.transaction() as session:
        publish_routes(session, table, T0)
    crawl(store, [notice(0)], T0)
    crawl(store, [notice(0), notice(1)], T0 + DAY)  # 3 deliveries created on day 1
    crawl(store, [notice(0), notice(1), notice(2)], T0 + 3 * DAY)  # 3 more on day 3
    with store.transaction() as session:
        session.execute(update(Delivery).values(status="dead", attempts=8, next_attempt_at=None))
        created = select(Event.created_at).where(Event.id == Delivery.event_id).scalar_subquery()
        session.execute(update(Delivery).values(created_at=created))  # as the crawls were
        session.execute(
            update(Delivery).where(Delivery.channel == "hook").values(status="sent", attempts=1)
        )
    before = statuses(store)
    base = ["--config", str(tmp_path)]

    since = (T0 + 2 * DAY).isoformat()
    args = ["deliveries", "retry", "--status", "dead", "--channel", "甲/mail", "--since", since]
    assert main([*args, *base]) == 0
    assert capsys.readouterr().out.startswith("1 dead deliveries due again")
    after = statuses(store)
    changed = {key for key in after if after[key] != before[key]}
    assert [(sub, ch) for sub, ch, _ in changed] == [("甲", "mail")]
    assert after[next(iter(changed))] == ("pending", 0)

    assert main(["deliveries", "retry", "--status", "dead", "--channel", "mail", *base]) == 0
    assert capsys.readouterr().out.startswith("3 dead deliveries due again")
    final = statuses(store)
    assert {value for (_, ch, _), value in final.items() if ch == "mail"} == {("pending", 0)}
    assert {value for (_, ch, _), value in final.items() if ch == "hook"} == {("sent", 1)}

    assert main(["deliveries", "retry", *base]) == 2  # an ID or --status
    with pytest.raises(SystemExit):  # argparse: only failed or dead
        main(["deliveries", "retry", "--status", "pending", *base])
    capsys.readouterr()
