"""`eduwatch run` as a real subprocess: a broken configuration refused at start and at SIGHUP,
SIGTERM a clean stop, SIGKILL in the middle of a batch of deliveries, a crawl that hangs past
its timeout (killed; the site's next run still happens), the real scheduler with short
triggers. Every test has its own configuration folder pointing at 127.0.0.1 only."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from crawler.sites import SiteConfig
from monitor.alerts.routing import RoutingTable
from monitor.cli import main
from monitor.config import SchedulerSection
from monitor.scheduler import ServiceScheduler, first_runs
from monitor.store import Store, make_engine, open_store
from monitor.store.deliveries import current_routes, publish_routes
from monitor.store.delivery_models import Delivery
from monitor.store.models import CrawlRun
from tests.db import T0, crawl, notice
from tests.paths import ROOT
from tests.receiver import Receiver
from tests.test_outbox import Mailbox, free_port

PYTHON = ROOT / ".venv" / "bin" / "python"
TOKEN_ENV = "EDUWATCH_TEST_TOKEN"
TOKEN = "tok-9f8e7d6c5b4a"
DAY = timedelta(days=1)
FAST = """
scheduler:
  jitter: 0s
  stagger: 0s
  misfire_grace: 1m
  max_crawls: 2
  crawl_timeout: {timeout}
outbox:
  workers: 2
  poll: 0.05s
  retry_base: 0.05s
  retry_max: 0.2s
  send_timeout: 5s
"""
QUIET_SITE = """id: quiet
name: 测试省教育厅
authority: 测试
adapter: css
enabled: false
list:
  item: ul li
columns:
  - name: 通知公告
    url: http://127.0.0.1:9/list/
    category: notice
"""


def write_config(
    folder: Path,
    subscribers: str = "subscribers: []\n",
    *,
    operator: str | None = None,
    sites: dict[str, str] | None = None,
    timeout: str = "1h",
) -> Path:
    """A configuration folder: its own SQLite database, the given subscribers and sites."""
    config = folder / "config"
    (config / "sites").mkdir(parents=True, exist_ok=True)
    text = f"database:\n  url: sqlite:///{folder / 'ew.sqlite'}\n" + FAST.format(timeout=timeout)
    if operator:
        text += (
            "operator:\n  channels:\n    - kind: webhook\n      name: ops\n"
            f"      options: {{url: '{operator}'}}\n"
        )
    (config / "eduwatch.yaml").write_text(text, "utf-8")
    (config / "subscribers.yaml").write_text(subscribers, "utf-8")
    for name, site in (sites or {"quiet": QUIET_SITE}).items():
        (config / "sites" / f"{name}.yaml").write_text(site, "utf-8")
    return config


def webhook_subscriber(name: str, url: str) -> str:
    return (
        f"  - name: {name}\n    channels:\n      - kind: webhook\n        options:\n"
        f"          url: '{url}?access_token=${{{TOKEN_ENV}}}'\n"
    )


class Service:
    """`eduwatch run --log-json` in a subprocess; its log lines collected as they come."""

    def __init__(self, config: Path) -> None:
        env = {**os.environ, TOKEN_ENV: TOKEN, "PYTHONUNBUFFERED": "1"}
        env.pop("EDUWATCH_DATABASE_URL", None)
        self.process = subprocess.Popen(
            [str(PYTHON), "-m", "monitor", "run", "--config", str(config), "--log-json"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self.raw: list[str] = []
        self.lines: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for raw in self.process.stderr:
            text = raw.decode("utf-8", "replace")
            with self._changed:
                self.raw.append(text)
                self.lines.append(json.loads(text))  # every line is a JSON object
                self._changed.notify_all()

    def wait_for_log(self, words: str, timeout: float = 60.0, after: int = 0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines[after:]:
                    if words in line["message"]:
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or (self.process.poll() is not None and not self._pending()):
                    raise AssertionError(f"no log line with {words!r}:\n{''.join(self.raw)}")
                self._changed.wait(min(left, 0.5))

    def _pending(self) -> bool:
        return self.process.stderr is not None and not self.process.stderr.closed

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def wait(self, timeout: float = 60.0) -> int:
        return self.process.wait(timeout)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def services() -> Iterator[Callable[[Path], Service]]:
    started: list[Service] = []

    def start(config: Path) -> Service:
        service = Service(config)
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


def poll(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition never came true")
        time.sleep(0.05)


def store_of(folder: Path) -> Store:
    return Store(make_engine(f"sqlite:///{folder / 'ew.sqlite'}"))


def deliveries(store: Store) -> list[Delivery]:
    with store.transaction() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


# --- configuration -------------------------------------------------------------------------------


def test_a_broken_configuration_is_refused_at_start_with_every_problem(
    tmp_path: Path, services: Callable[[Path], Service]
) -> None:
    broken = "subscribers:\n  - name: 坏\n    channels:\n      - kind: pigeon\n"
    site = QUIET_SITE.replace("adapter: css", "adapter: cms")
    config = write_config(tmp_path, broken, sites={"quiet": site})
    service = services(config)
    assert service.wait() == 2
    line = service.wait_for_log("nothing started")
    assert line["level"] == "ERROR"
    assert f"{config}/subscribers.yaml:4: subscribers[0].channels[0].kind:" in line["message"]
    assert f"{config}/sites/quiet.yaml:4: adapter: expected " in line["message"]
    assert not (tmp_path / "ew.sqlite").exists()  # nothing was started, not even the store


def test_sighup_reloads_or_keeps_the_running_configuration_and_sigterm_stops_cleanly(
    tmp_path: Path, services: Callable[[Path], Service], receiver: Receiver
) -> None:
    ops = receiver.url("/ops")
    config = write_config(
        tmp_path, "subscribers:\n" + webhook_subscriber("甲", receiver.url("/a")), operator=ops
    )
    service = services(config)
    service.wait_for_log("eduwatch running")
    assert receiver.wait_for(1)
    assert receiver.requests[0].json()["kind"] == "service_started"
    store = store_of(tmp_path)

    def subscribers_routed() -> list[str]:
        with store.transaction() as session:
            table = current_routes(session)
        assert isinstance(table, RoutingTable)
        return [s.name for s in table.subscribers]

    assert subscribers_routed() == ["甲"]
    (config / "subscribers.yaml").write_text(
        "subscribers:\n  - name: 乙\n    channels:\n      - kind: webhook\n        options:\n"
        "          url: http://127.0.0.1:9/b\n          secret: written-here\n",
        "utf-8",
    )
    mark = len(service.lines)
    service.signal(signal.SIGHUP)
    refused = service.wait_for_log("configuration refused", after=mark)
    assert "subscribers.yaml:7: subscribers[0].channels[0].options.secret" in refused["message"]
    assert service.process.poll() is None and subscribers_routed() == ["甲"]
    (config / "subscribers.yaml").write_text(
        "subscribers:\n" + webhook_subscriber("乙", receiver.url("/b")), "utf-8"
    )
    service.signal(signal.SIGHUP)
    service.wait_for_log("configuration reloaded", after=mark)
    assert subscribers_routed() == ["乙"]
    service.signal(signal.SIGTERM)
    assert service.wait() == 0
    service.wait_for_log("eduwatch stopped")
    kinds = [r.json()["kind"] for r in receiver.requests]
    assert kinds == ["service_started", "service_stopped"]
    assert all(not row.claimed_by for row in deliveries(store))
    assert TOKEN not in "".join(service.raw)
    store.close()


# --- deliveries across a crash -------------------------------------------------------------------


def test_sigkill_mid_batch_every_alert_arrives_and_only_in_flight_ones_repeat(
    tmp_path: Path, services: Callable[[Path], Service], receiver: Receiver
) -> None:
    """At least once, each delivery under its stable key: the webhook's Idempotency-Key, the
    email's Message-ID. Only what was in flight at the kill arrives twice."""
    port = free_port()
    mail = (
        "      - kind: email\n        options:\n"
        f"          host: 127.0.0.1\n          port: {port}\n          security: none\n"
        "          from: 教育监测 <eduwatch@example.org>\n          to: [zhang@example.org]\n"
    )
    subscriber = webhook_subscriber("批量", receiver.url()) + mail
    config = write_config(tmp_path, "subscribers:\n" + subscriber)
    receiver.delay = 0.25  # each answer takes a while: some are in flight at the kill
    mailbox = Mailbox(0.25)
    smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
    smtp.start()
    first = services(config)
    first.wait_for_log("eduwatch running")
    store = open_store(f"sqlite:///{tmp_path / 'ew.sqlite'}")
    try:
        crawl(store, [notice(0)], T0)
        crawl(store, [notice(n) for n in range(13)], T0 + DAY)  # 12 new articles, 24 alerts
        assert len(deliveries(store)) == 24
        assert receiver.wait_for(4)
        first.process.kill()
        first.wait()
        at_kill = deliveries(store)
        sent = {row.idempotency_key for row in at_kill if row.status == "sent"}
        in_flight = {row.idempotency_key for row in at_kill if row.claimed_by}
        assert sent and len(sent) < 24 and in_flight
        second = services(config)
        second.wait_for_log("released")
        poll(lambda: {row.status for row in deliveries(store)} == {"sent"})
        second.signal(signal.SIGTERM)
        assert second.wait() == 0
        time.sleep(receiver.delay * 2)  # the requests cut at the kill finish their answers
    finally:
        smtp.stop()
    ids = [str(message_from_bytes(raw)["Message-ID"]) for raw in mailbox.messages]
    keys = [request.key for request in receiver.requests]
    keys += [key for key in (_key_in(mid, at_kill) for mid in ids) if key]
    assert len(keys) == len(receiver.requests) + len(ids)  # every Message-ID names its key
    every = {row.idempotency_key for row in deliveries(store)}
    assert set(keys) == every  # every alert arrived, by webhook and by mail
    repeated = {key for key in keys if keys.count(key) > 1}
    assert repeated <= in_flight  # repeats only of what was in flight, with the same key
    assert all(keys.count(key) == 1 for key in sent)  # nothing recorded as sent is sent again
    store.close()


def _key_in(message_id: str, rows: list[Delivery]) -> str | None:
    return next((r.idempotency_key for r in rows if r.idempotency_key in message_id), None)


# --- crawls ---------------------------------------------------------------------------------------


class HangingServer:
    """Accepts connections on 127.0.0.1 and never answers."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.held.append(connection)

    def close(self) -> None:
        self.socket.close()
        for connection in self.held:
            connection.close()


def test_a_crawl_that_hangs_is_killed_and_the_next_run_still_happens(
    tmp_path: Path, services: Callable[[Path], Service]
) -> None:
    hanging = HangingServer()
    site = (
        QUIET_SITE.replace("enabled: false", "schedule: 2s\nobey_robots: false")
        .replace("http://127.0.0.1:9/list/", f"http://127.0.0.1:{hanging.port}/list/")
        .replace("id: quiet", "id: hang")
    )
    config = write_config(tmp_path, sites={"hang": site}, timeout="3s")
    service = services(config)
    store = store_of(tmp_path)

    def runs() -> list[CrawlRun]:
        with store.transaction() as session:
            return list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))

    try:
        service.wait_for_log("eduwatch running")
        poll(lambda: len(runs()) >= 2, timeout=90)
        first = runs()[0]
        assert first.status == "failed" and "timed out after 3 s" in (first.error or "")
        service.wait_for_log("crawl of hang: failed")
        service.signal(signal.SIGTERM)  # the second crawl is running: stopped and recorded
        assert service.wait(timeout=60) == 0
    finally:
        hanging.close()
    assert [run.status for run in runs()] == ["failed"] * len(runs())
    store.close()


# --- the scheduler, in process -------------------------------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")


def site_config(site_id: str, schedule: str, enabled: bool = True) -> SiteConfig:
    return SiteConfig.model_validate(
        {
            "id": site_id,
            "name": f"{site_id}教育厅",
            "authority": site_id,
            "adapter": "css",
            "enabled": enabled,
            "schedule": schedule,
            "list": {"item": "ul li"},
            "columns": [{"name": "通知", "url": "http://127.0.0.1:9/", "category": "notice"}],
        }
    )


def test_after_a_start_overdue_sites_are_spread_over_the_stagger_window() -> None:
    now = datetime(2024, 6, 18, 9, 0, tzinfo=SHANGHAI)
    sites = [
        site_config("recent", "30m"),
        site_config("never", "30m"),
        site_config("late", "30m"),
        site_config("morning", "0 8 * * *"),
        site_config("later", "2h"),
    ]
    last = {
        "recent": now - timedelta(minutes=10),
        "late": now - timedelta(hours=2),
        "morning": now - timedelta(hours=1),  # 08:00 today: next is 08:00 tomorrow
        "later": now - timedelta(hours=5),
    }
    plan = first_runs(sites, last, now, timedelta(minutes=6))
    assert plan["recent"] == now + timedelta(minutes=20)
    assert plan["morning"] == datetime(2024, 6, 19, 8, 0, tzinfo=SHANGHAI)
    # the longest overdue first, two minutes apart
    assert [plan["never"], plan["later"], plan["late"]] == [
        now,
        now + timedelta(minutes=2),
        now + timedelta(minutes=4),
    ]


def test_the_real_scheduler_runs_each_site_again_one_run_at_a_time() -> None:
    events: list[tuple[str, str]] = []

    async def crawl(site_id: str) -> str:
        events.append(("start", site_id))
        process = await asyncio.create_subprocess_exec("sleep", "1.2")  # outlives the interval
        await process.wait()
        events.append(("end", site_id))
        return "ok"

    async def main() -> ServiceScheduler:
        settings = SchedulerSection(jitter=timedelta(0), stagger=timedelta(0), max_crawls=2)
        scheduler = ServiceScheduler(settings, crawl)
        scheduler.start()
        sites = [
            site_config("one", "1s"),
            site_config("two", "1s"),
            site_config("off", "1s", False),
        ]
        scheduler.schedule_sites(sites, {}, datetime.now(UTC))
        assert set(scheduler.next_runs()) == {"one", "two"}
        for _ in range(600):
            if all(events.count(("end", site)) >= 2 for site in ("one", "two")):
                break
            await asyncio.sleep(0.02)
        scheduler.schedule_sites([site_config("one", "1s")], {}, datetime.now(UTC))
        assert set(scheduler.next_runs()) == {"one"}
        await scheduler.stop(lambda: None, timeout=10)
        return scheduler

    scheduler = asyncio.run(main())
    assert not scheduler.scheduler.running
    for site in ("one", "two"):
        mine = [kind for kind, name in events if name == site]
        assert mine.count("end") >= 2
        assert mine[: len(mine) // 2 * 2] == ["start", "end"] * (len(mine) // 2)  # never overlap


# --- status and deliveries commands ---------------------------------------------------------------


def test_status_deliveries_and_retry_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = QUIET_SITE.replace("id: quiet", "id: jyt-shanxi").replace("enabled: false", "")
    config = write_config(
        tmp_path,
        "subscribers:\n" + webhook_subscriber("命令", "http://127.0.0.1:9/h"),
        sites={"jyt-shanxi": site},
    )
    store = open_store(f"sqlite:///{tmp_path / 'ew.sqlite'}")
    table = RoutingTable.model_validate(
        {"subscribers": [{"name": "命令", "channels": ["webhook"]}]}
    )
    with store.transaction() as session:
        publish_routes(session, table, T0)
    crawl(store, [notice(0)], T0)
    crawl(store, [notice(0), notice(1), notice(2)], T0 + DAY)
    first, second = deliveries(store)
    with store.transaction() as session:
        session.execute(
            update(Delivery)
            .where(Delivery.id == first.id)
            .values(status="dead", attempts=8, last_error="webhook: HTTP 503 服务不可用")
        )
        session.execute(update(Delivery).where(Delivery.id == second.id).values(status="sent"))
    store.close()
    base = ["--config", str(config)]

    assert main(["status", *base]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split()[:4] == ["jyt-shanxi", "2024-06-19", "10:00+08:00", "ok"]
    assert out[-1].startswith("deliveries: 0 pending, 1 sent, 0 failed, 1 dead")

    assert main(["deliveries", "--status", "dead", *base]) == 0
    [line] = capsys.readouterr().out.splitlines()
    fields = line.split("\t")
    assert fields[:4] == [str(first.id), "dead", "8 attempt(s)", "命令/webhook"]
    assert fields[-1] == "webhook: HTTP 503 服务不可用"

    assert main(["deliveries", "retry", str(first.id), *base]) == 0
    assert "due again" in capsys.readouterr().out
    assert main(["deliveries", "retry", str(second.id), *base]) == 1
    assert "not sent again" in capsys.readouterr().err
    assert main(["deliveries", "retry", "999", *base]) == 1
    store = store_of(tmp_path)
    again = deliveries(store)[0]
    assert (again.status, again.attempts, again.next_attempt_at is not None) == ("pending", 0, True)
    store.close()
