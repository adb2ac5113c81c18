"""The outbox against real receivers on loopback (an HTTP webhook receiver, an aiosmtpd SMTP
server) on SQLite and PostgreSQL: delivered once, retried with backoff, dead after the limit,
digests, concurrent workers, claims left by a dead worker."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import socket
from collections.abc import Callable, Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from monitor.alerts.routing import OPERATOR, RoutingTable
from monitor.alerts.subscribers import SubscribersConfig, read_subscribers
from monitor.config import OperatorSection, OutboxSection
from monitor.errors import StoreError
from monitor.outbox import ChannelBook, Outbox, backoff
from monitor.store import Store
from monitor.store import outbox_queue as queue
from monitor.store.deliveries import publish_routes
from monitor.store.delivery_models import Delivery, DeliveryAttempt
from monitor.store.types import utcnow
from tests.db import (
    T0,
    crawl,
    notice,
)
from tests.receiver import Receiver

DAY = timedelta(days=1)
SECRET_ENV = "EDUWATCH_TEST_HOOK_SECRET"
SECRET = "钥匙-s3cret/+="
FAST = OutboxSection(
    workers=2,
    poll=timedelta(seconds=0.02),
    retry_base=timedelta(seconds=0.02),
    retry_max=timedelta(seconds=0.1),
    max_attempts=8,
    send_timeout=timedelta(seconds=5),
)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def hook_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)


def hook(url: str, name: str = "hook", timeout: float = 5.0) -> str:
    return (
        f"      - kind: webhook\n        name: {name}\n        options:\n"
        f"          url: {url}\n          timeout: {timeout}\n"
        f"          secret: ${{{SECRET_ENV}}}\n"
    )


def subscribers(tmp_path: Path, text: str) -> SubscribersConfig:
    path = tmp_path / "subscribers.yaml"
    path.write_text("subscribers:\n" + text, "utf-8")
    config, problems = read_subscribers(path, os.environ)
    assert problems == [] and config is not None
    return config


def operator_of(url: str) -> OperatorSection:
    spec = {"kind": "webhook", "name": "ops", "options": {"url": url}}
    return OperatorSection.model_validate({"channels": [spec]})


def make_outbox(
    store: Store,
    config: SubscribersConfig,
    operator: OperatorSection | None = None,
    settings: OutboxSection = FAST,
    identity: str | None = None,
) -> Outbox:
    operator = operator or OperatorSection()
    with store.transaction() as session:
        publish_routes(session, RoutingTable.build(config, operator.channels), utcnow())
    return Outbox(store, ChannelBook(config, operator), settings, identity=identity)


def pump(outbox: Outbox, done: Callable[[], bool], rounds: int = 2000) -> None:
    """Send what is due, again and again (retries come due), until ``done()``."""

    async def go() -> None:
        for _ in range(rounds):
            await outbox.drain()
            if done():
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the outbox never got there")

    asyncio.run(go())


def rows(store: Store) -> list[Delivery]:
    with store.transaction() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def attempts(store: Store, delivery_id: int) -> list[DeliveryAttempt]:
    with store.transaction() as session:
        query = select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery_id)
        return list(session.scalars(query.order_by(DeliveryAttempt.id)))


def statuses(store: Store) -> list[str]:
    return [row.status for row in rows(store)]


def new_articles(store: Store, *numbers: int) -> None:
    """A baseline crawl, then one that finds ``numbers`` new: one `new` event each."""
    crawl(store, [notice(0)], T0)
    crawl(store, [notice(0), *(notice(n) for n in numbers)], T0 + DAY)


# --- delivered once ------------------------------------------------------------------------------


def test_a_new_article_reaches_the_matching_subscribers_once_signed(
    store: Store, tmp_path: Path, receiver: Receiver
) -> None:
    config = subscribers(
        tmp_path,
        f"  - name: 全部\n    channels:\n{hook(receiver.url('/all'))}"
        f"  - name: 招生\n    channels:\n{hook(receiver.url('/zs'))}"
        "    filters: {keywords: [招生], categories: [notice]}\n"
        f"  - name: 教育部\n    channels:\n{hook(receiver.url('/moe'))}"
        "    filters: {sites: [moe]}\n",
    )
    outbox = make_outbox(store, config)
    new_articles(store, 7)
    pump(outbox, lambda: statuses(store) == ["sent", "sent"])
    asyncio.run(outbox.drain())
    crawl(store, [notice(0), notice(7)], T0 + 2 * DAY)  # seen already: no event
    asyncio.run(outbox.drain())
    got = receiver.requests
    assert sorted(r.path for r in got) == ["/all", "/zs"]
    for request, row in zip(sorted(got, key=lambda r: r.path), rows(store), strict=True):
        assert request.key == row.idempotency_key == request.headers["X-Eduwatch-Delivery"]
        expected = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
        assert request.headers["X-Eduwatch-Signature"] == f"sha256={expected}"
        payload = request.json()
        assert payload["kind"] == "new" and payload["key"] == row.idempotency_key
        assert payload["article"]["title"] == notice(7).title
        assert payload["site"]["name"] == "山西省教育厅" and payload["site"]["column"] == "通知公告"
        assert [a.outcome for a in attempts(store, row.id)] == ["sent"]


def test_webhook_answering_500_three_times_then_200_is_delivered_once(
    store: Store, tmp_path: Path, receiver: Receiver
) -> None:
    config = subscribers(tmp_path, f"  - name: 重试\n    channels:\n{hook(receiver.url())}")
    outbox = make_outbox(store, config)
    receiver.answers.extend([500, 500, 500])
    new_articles(store, 1)
    pump(outbox, lambda: statuses(store) == ["sent"])
    assert [r.status for r in receiver.requests] == [500, 500, 500, 200]
    assert len(receiver.delivered()) == 1
    assert len({r.key for r in receiver.requests}) == 1  # every retry: the same key
    [row] = rows(store)
    outcomes = [(a.number, a.outcome) for a in attempts(store, row.id)]
    assert outcomes == [(1, "failed"), (2, "failed"), (3, "failed"), (4, "sent")]
    assert row.attempts == 4 and row.last_error is None and row.sent_at is not None


def test_receiver_down_then_up_is_delivered_once_after_recovery(
    store: Store, tmp_path: Path, receiver: Receiver
) -> None:
    config = subscribers(tmp_path, f"  - name: 恢复\n    channels:\n{hook(receiver.url())}")
    outbox = make_outbox(store, config)
    new_articles(store, 1)
    receiver.stop()
    pump(outbox, lambda: rows(store)[0].attempts >= 3)
    [row] = rows(store)
    assert row.status == "failed" and row.last_error and receiver.requests == []
    receiver.start()  # the same port
    pump(outbox, lambda: statuses(store) == ["sent"])
    assert len(receiver.requests) == 1 and receiver.requests[0].key == row.idempotency_key


def test_a_hanging_webhook_is_timed_out_and_retried(
    store: Store, tmp_path: Path, receiver: Receiver
) -> None:
    url = receiver.url()
    config = subscribers(tmp_path, f"  - name: 超时\n    channels:\n{hook(url, timeout=0.3)}")
    outbox = make_outbox(store, config)
    new_articles(store, 1)
    receiver.delay = 1.5
    pump(outbox, lambda: rows(store)[0].attempts >= 1 and rows(store)[0].status == "failed")
    assert "no answer within 0.3 s" in (rows(store)[0].last_error or "")
    receiver.delay = 0
    pump(outbox, lambda: statuses(store) == ["sent"])
    assert receiver.wait_for(2)  # the hung request is answered later, to nobody
    assert {r.key for r in receiver.requests} == {rows(store)[0].idempotency_key}


def test_dead_after_the_limit_keeps_the_last_error_and_tells_the_operator(
    store: Store, tmp_path: Path, receiver: Receiver
) -> None:
    operator = Receiver().start()
    try:
        config = subscribers(tmp_path, f"  - name: 坏地址\n    channels:\n{hook(receiver.url())}")
        settings = FAST.model_copy(update={"max_attempts": 3})
        outbox = make_outbox(store, config, operator_of(operator.url("/ops")), settings)
        receiver.default = 503
        new_articles(store, 1)
        pump(outbox, lambda: any(row.kind == "channel_failing" for row in rows(store)))
        pump(outbox, lambda: statuses(store) == ["dead", "sent"])
        dead, told = rows(store)
        assert dead.attempts == 3 and "503" in (dead.last_error or "")
        assert len(receiver.requests) == 3
        assert told.subscriber == OPERATOR and told.channel == "ops"
        [notice_request] = operator.requests
        payload = notice_request.json()
        assert payload["kind"] == "channel_failing"
        assert payload["details"]["subscriber"] == "坏地址" and payload["details"]["dead"] == 1
        # `eduwatch deliveries retry ID`: due again with a fresh budget, sent once; the
        # operator hears that the channel is back
        receiver.default = 200
        with store.transaction() as session:
            assert queue.retry(session, dead.id, utcnow()) == [dead.id]
        pump(outbox, lambda: statuses(store) == ["sent", "sent", "sent"])
        assert len(receiver.delivered()) == 1
        assert [r.json()["kind"] for r in operator.requests] == [
            "channel_failing",
            "channel_recovered",
        ]
    finally:
        operator.stop()


def test_an_answer_retrying_cannot_help_is_dead_at_once(
    store: Store, tmp_path: Path, receiver: Receiver
) -> None:
    config = subscribers(tmp_path, f"  - name: 四零四\n    channels:\n{hook(receiver.url())}")
    outbox = make_outbox(store, config)
    receiver.answers.append(404)
    new_articles(store, 1)
    pump(outbox, lambda: statuses(store) == ["dead"])
    assert rows(store)[0].attempts == 1 and "404" in (rows(store)[0].last_error or "")
    with store.transaction() as session, pytest.raises(StoreError, match="not sent again"):
        row = session.get(Delivery, rows(store)[0].id)
        assert row is not None
        row.status = "sent"
        session.flush()
        queue.retry(session, row.id, utcnow())


# --- digests -------------------------------------------------------------------------------------


def test_a_digest_collects_several_into_one_message_and_nothing_sends_nothing(
    store: Store, tmp_path: Path, receiver: Receiver
) -> None:
    config = subscribers(
        tmp_path,
        f"  - name: 早报\n    mode: digest\n    digest: '0 8 * * *'\n    channels:\n"
        f"{hook(receiver.url('/digest'))}"
        f"  - name: 即时\n    channels:\n{hook(receiver.url('/now'))}",
    )
    outbox = make_outbox(store, config)
    new_articles(store, 1, 2, 3)
    pump(outbox, lambda: len(receiver.requests) == 3)
    assert {r.path for r in receiver.requests} == {"/now"}
    channels = ("hook",)
    assert asyncio.run(outbox.seal_digest("早报", channels)) == 3
    pump(outbox, lambda: set(statuses(store)) == {"sent"})
    [digest] = [r for r in receiver.requests if r.path == "/digest"]
    payload = digest.json()
    assert payload["kind"] == "digest" and payload["count"] == 3
    titles = [item["article"]["title"] for item in payload["items"]]
    assert titles == [notice(n).title for n in (1, 2, 3)]
    assert len({row.digest_key for row in rows(store) if row.mode == "digest"}) == 1
    assert asyncio.run(outbox.seal_digest("早报", channels)) == 0  # nothing new: no message
    asyncio.run(outbox.drain())
    assert len(receiver.requests) == 4


# --- workers and claims ---------------------------------------------------------------------------


def test_two_workers_never_send_one_delivery_twice(
    store: Store, tmp_path: Path, receiver: Receiver
) -> None:
    config = subscribers(tmp_path, f"  - name: 并发\n    channels:\n{hook(receiver.url())}")
    first = make_outbox(store, config, identity="test:1:a")
    second = make_outbox(store, config, identity="test:2:b")
    new_articles(store, *range(1, 13))

    async def both() -> None:
        stop = asyncio.Event()
        tasks = [asyncio.create_task(first.run(stop)), asyncio.create_task(second.run(stop))]
        for _ in range(3000):
            if len(receiver.requests) >= 12 and set(statuses(store)) == {"sent"}:
                break
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.gather(*tasks)

    asyncio.run(both())
    keys = [r.key for r in receiver.requests]
    assert len(keys) == 12 and len(set(keys)) == 12
    workers = {a.worker for row in rows(store) for a in attempts(store, row.id)}
    assert workers <= {"test:1:a", "test:2:b"}


def test_claims_of_a_dead_worker_on_this_host_are_released_and_sent_with_the_same_key(
    store: Store, tmp_path: Path, receiver: Receiver
) -> None:
    config = subscribers(tmp_path, f"  - name: 接管\n    channels:\n{hook(receiver.url())}")
    outbox = make_outbox(store, config)
    new_articles(store, 1, 2)
    host = socket.gethostname()
    with store.transaction() as session:  # a worker that died mid-send, and one elsewhere
        gone = queue.claim_next(session, f"{host}:{2**22 + 7}:gone", utcnow(), timedelta(hours=1))
        away = queue.claim_next(session, "other-host:1:away", utcnow(), timedelta(hours=1))
    assert gone is not None and away is not None
    asyncio.run(outbox.drain())
    assert receiver.requests == []  # both leased
    assert outbox.release_abandoned() == 1
    pump(outbox, lambda: statuses(store).count("sent") == 1)
    [request] = receiver.requests
    assert request.key == gone.key
    outcomes = [a.outcome for a in attempts(store, gone.ids[0])]
    assert outcomes == ["interrupted", "sent"]
    assert [a.outcome for a in attempts(store, away.ids[0])] == [None]  # still in flight there


def test_backoff_is_exponential_capped_and_jittered() -> None:
    base, cap = timedelta(seconds=30), timedelta(hours=1)
    assert backoff(1, base, cap, lambda: 0.0) == timedelta(seconds=15)
    assert backoff(1, base, cap, lambda: 1.0) == timedelta(seconds=30)
    assert backoff(4, base, cap, lambda: 1.0) == timedelta(seconds=240)
    assert backoff(40, base, cap, lambda: 1.0) == cap
    assert backoff(40, base, cap, lambda: 0.0) == cap / 2


# --- email, through a real SMTP server -----------------------------------------------------------


class Mailbox:
    """An aiosmtpd handler keeping each message; ``delay``: it takes that long over each."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.messages.append(envelope.content)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_email_with_the_smtp_server_down_then_up_is_delivered_once(
    tmp_path: Path, receiver: Receiver
) -> None:
    from monitor.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'mail.sqlite'}")
    port = free_port()
    config = subscribers(
        tmp_path,
        "  - name: 邮件\n    channels:\n      - kind: email\n        options:\n"
        f"          host: 127.0.0.1\n          port: {port}\n          security: none\n"
        "          from: 教育监测 <eduwatch@example.org>\n"
        "          to: [张老师 <zhang@example.org>]\n",
    )
    outbox = make_outbox(store, config)
    new_articles(store, 1)
    pump(outbox, lambda: rows(store)[0].attempts >= 2)
    assert rows(store)[0].status == "failed"
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        pump(outbox, lambda: statuses(store) == ["sent"])
    finally:
        controller.stop()
        store.close()
    [raw] = mailbox.messages
    message = message_from_bytes(raw, policy=policy.default)
    assert str(message["Subject"]).endswith(notice(1).title)
    assert rows(store)[0].idempotency_key in str(message["Message-ID"])


def test_pruning_keeps_open_deliveries_and_drops_old_notices(
    store: Store, tmp_path: Path, receiver: Receiver
) -> None:
    from monitor.config import RetentionSection
    from monitor.store.deliveries import add_notice
    from monitor.store.retention import prune

    config = subscribers(tmp_path, f"  - name: 保留\n    channels:\n{hook(receiver.url())}")
    make_outbox(store, config, operator_of(receiver.url("/ops")))
    new_articles(store, 1)
    with store.transaction() as session:
        add_notice(session, "service_started", "old", {"pid": 1}, T0)
        add_notice(session, "service_started", "new", {"pid": 2}, T0 + 400 * DAY)
    with store.transaction() as session:
        for row in session.scalars(select(Delivery).where(Delivery.event_id.is_(None))):
            row.status = "sent"
    later = T0 + 500 * DAY
    with store.transaction() as session:
        assert queue.prune_deliveries(session, later - 365 * DAY) == 1
        prune(session, later, RetentionSection(days=365))  # the event goes, its delivery too
    assert [(row.kind, row.payload) for row in rows(store)] == [("service_started", {"pid": 2})]
