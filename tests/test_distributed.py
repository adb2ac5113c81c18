"""Distributed mode against the machine's real Redis and PostgreSQL, with real processes: two
workers sharing one queue crawl each page once; an article deleted from the site is withdrawn
after two runs find it gone, one moved to another column or hidden from its list never is;
a worker SIGKILLed mid-crawl has its work finished by the other, and nothing re-crawled raises
a second event; two `eduwatch run` with one
leader, the leader SIGKILLed and the other taking over, no alert doubled or lost; a private
Redis restarted under a running worker. Every process is started and stopped by its own pid.

The workers, the site, the database and the key prefix are shared by the module (the tests run
in order and build on each other's store: the first crawl is the site's silent baseline).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import pytest
import redis
from sqlalchemy import create_engine, select, text, update

from crawler.sites import SiteConfig, load_sites
from crawler.spiders.listcache import Suspect
from monitor.config import check_service_config, load_config
from monitor.distributed.enqueue import Dispatched, Dispatcher
from monitor.distributed.keys import Keys
from monitor.distributed.leader import Leadership
from monitor.distributed.listcache import SharedListCache
from monitor.distributed.runs import RunCloser
from monitor.errors import ConfigError
from monitor.ingest import SiteRef, record_listing, start_run
from monitor.store import Store, open_configured
from monitor.store.models import CrawlRun, Event, Listing, StoredArticle
from tests.db import _reachable_admin_url
from tests.fixture_site.builder import build_site
from tests.fixture_site.model import FixtureArticle
from tests.fixture_site.site import FixtureSite
from tests.paths import ROOT
from tests.receiver import Receiver
from tests.test_spider_support import write_config

PYTHON = ROOT / ".venv" / "bin" / "python"
REDIS_URL = "redis://127.0.0.1:6379/0"
WORKER_SETTINGS = ("AUTOTHROTTLE_ENABLED=False", "EDUWATCH_RETRY_BACKOFF=0.05")


def poll(condition: Callable[[], bool], timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never came true: {what}")
        time.sleep(0.1)


@dataclass
class Farm:
    """A configuration folder in distributed mode, its store, Redis keys and processes."""

    folder: Path
    config: Path
    site: FixtureSite
    redis_url: str
    prefix: str
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[IO[bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.keys = Keys(self.prefix)
        self.client = redis.Redis.from_url(self.redis_url)
        self.store: Store = open_configured(load_config(self.config))

    def site_config(self) -> SiteConfig:
        return next(iter(load_sites(self.config).sites))

    def start(self, *command: str, name: str) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [str(PYTHON), "-m", "monitor", *command, "--config", str(self.config)],
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        self.processes.append(process)
        self.logs.append(log)
        return process

    def worker(self, name: str, *options: str) -> subprocess.Popen[bytes]:
        settings = [part for setting in WORKER_SETTINGS for part in ("-s", setting)]
        return self.start("worker", "--id", name, *settings, *options, name=name)

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text("utf-8", "replace")

    def pages_of(self, worker: str) -> int:
        return int(self.client.hget(self.keys.worker(worker), "pages") or 0)

    def dispatch(self) -> Dispatched:
        """One run of the site, queued as the leader would (a lock taken for the test)."""
        leadership = Leadership(self.client, self.keys, 30)
        assert leadership.step(), "another leader holds the lock"
        try:
            done = Dispatcher(self.client, self.keys, leadership, self.store, 300).dispatch(
                self.site_config()
            )
        finally:
            leadership.release()
        assert done.status == "queued", done
        return done

    def until(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        try:
            poll(condition, timeout, what)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.all_logs()}") from None

    def wait_closed(self, run_id: int, timeout: float = 90) -> CrawlRun:
        def finished() -> bool:
            return self.run(run_id).finished_at is not None

        self.until(finished, timeout, f"run {run_id} finished")
        return self.run(run_id)

    def run(self, run_id: int) -> CrawlRun:
        with self.store.transaction() as session:
            run = session.get(CrawlRun, run_id)
            assert run is not None
            return run

    def article_urls(self) -> set[str]:
        with self.store.transaction() as session:
            site = self.site_config().id
            return set(
                session.scalars(select(StoredArticle.url).where(StoredArticle.site_id == site))
            )

    def statuses(self) -> dict[str, str]:
        with self.store.transaction() as session:
            rows = session.execute(select(StoredArticle.url, StoredArticle.status))
            return {str(url): str(status) for url, status in rows}

    def events(self, kind: str) -> Counter[str]:
        with self.store.transaction() as session:
            rows = session.scalars(select(Event).where(Event.kind == kind))
            return Counter(str((event.payload or {}).get("url")) for event in rows)

    def all_logs(self) -> str:
        logs = "\n".join(
            f"--- {path.name}\n{path.read_text('utf-8', 'replace')[-3000:]}"
            for path in sorted(self.folder.glob("*.log"))
        )
        return f"{logs}\n--- redis\n{self.redis_state()}"

    def redis_state(self) -> str:
        """The farm's sets and queues and its open runs' counters (a failure's evidence)."""
        try:
            lines = [
                f"{key.decode()}: {self.client.type(key).decode()} {self._size(key)}"
                for key in sorted(self.client.scan_iter(match=f"{self.prefix}:*"))
            ]
            for run in self.client.zrange(self.keys.runs, 0, -1):
                counters = self.client.hgetall(self.keys.run(run.decode()))
                lines.append(f"run {run.decode()}: {counters}")
            return "\n".join(lines)
        except redis.RedisError as error:
            return f"unreadable: {error}"

    def _size(self, key: bytes) -> int:
        kind = self.client.type(key).decode()
        size = {"zset": self.client.zcard, "set": self.client.scard, "hash": self.client.hlen}
        return int(size[kind](key)) if kind in size else 0

    def freeze_holding_work(self, process: subprocess.Popen[bytes], worker: str, pages: int) -> int:
        """SIGSTOP the worker once it crawled ``pages`` and holds taken requests; how many."""
        while True:
            held = self.keys.taken(worker)
            self.until(
                lambda: self.pages_of(worker) >= pages and self.client.zcard(held) > 0,  # noqa: B023
                60,
                f"{worker} crawling with requests in hand",
            )
            os.kill(process.pid, signal.SIGSTOP)
            taken = int(self.client.zcard(held))
            if taken:
                return taken
            os.kill(process.pid, signal.SIGCONT)  # it acked them meanwhile: try again

    def stop(self, process: subprocess.Popen[bytes], signum: int = signal.SIGTERM) -> int:
        if process.poll() is None:
            os.kill(process.pid, signum)
        return process.wait(60)

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(30)
        for log in self.logs:
            log.close()
        for key in self.client.scan_iter(match=f"{self.prefix}:*"):
            self.client.delete(key)
        self.client.close()
        self.store.close()


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A PostgreSQL database of this module's own (distributed mode refuses SQLite)."""
    admin = _reachable_admin_url()
    name = f"eduwatch_dist_{secrets.token_hex(4)}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"))
    yield admin.set(database=name).render_as_string(hide_password=False)
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def make_farm(
    folder: Path,
    database: str,
    redis_url: str,
    *,
    extra: str = "",
    site_id: str = "fixture",
    site: FixtureSite | None = None,
    family: str = "trs",
    **overrides: object,
) -> Farm:
    """A farm of ``site`` (default: a TRS fixture site of 30 articles a column, started);
    ``overrides``: keys of the site's YAML."""
    site = site or build_site("trs", articles_per_column=30).start()
    config = write_config(folder, site, family, **overrides)
    if site_id != "fixture":
        path = config / "sites" / "fixture.yaml"
        path.write_text(path.read_text("utf-8").replace("id: fixture", f"id: {site_id}", 1))
        path.rename(config / "sites" / f"{site_id}.yaml")
    prefix = f"ewtest-{secrets.token_hex(4)}"
    (config / "eduwatch.yaml").write_text(
        f"database:\n  url: {database}\n"
        f"redis:\n  url: {redis_url}\n  prefix: {prefix}\n  worker_ttl: 3s\n  leader_ttl: 3s\n"
        + extra,
        "utf-8",
    )
    return Farm(folder, config, site, redis_url, prefix)


@pytest.fixture(scope="module")
def farm(tmp_path_factory: pytest.TempPathFactory, database: str) -> Iterator[Farm]:
    built = make_farm(tmp_path_factory.mktemp("farm"), database, REDIS_URL)
    yield built
    built.close()
    built.site.stop()


@pytest.fixture(scope="module")
def workers(farm: Farm) -> dict[str, subprocess.Popen[bytes]]:
    return {name: farm.worker(name) for name in ("w1", "w2")}


def article_paths(site: FixtureSite) -> list[str]:
    return sorted(
        site.url_of(article).removeprefix(site.base_url)
        for column in site.specs
        for article in site.items(column)
        if not article.is_file
    )


def test_two_workers_share_one_queue_and_crawl_each_page_once(
    farm: Farm, workers: dict[str, subprocess.Popen[bytes]]
) -> None:
    farm.site.set_delay(0.2)  # slow enough that both workers get pages
    farm.until(
        lambda: all(farm.client.exists(farm.keys.worker(n)) for n in workers), 60, "workers up"
    )
    run = farm.wait_closed(farm.dispatch().run_id or 0)
    assert (run.status, run.error) == ("ok", None), farm.all_logs()
    assert run.stats["changes"] == {"baseline": 90}
    counts = farm.site.request_counts
    assert [counts[path] for path in article_paths(farm.site)] == [1] * 90
    assert len(farm.article_urls()) == 90
    assert farm.pages_of("w1") > 0 and farm.pages_of("w2") > 0
    assert farm.client.zcard(farm.keys.requests()) == 0
    assert not list(farm.client.scan_iter(match=farm.keys.taken_pattern()))
    shown = subprocess.run(
        [str(PYTHON), "-m", "monitor", "status", "--config", str(farm.config)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rows = {line.split()[0]: line.split() for line in shown.splitlines() if line.startswith("w")}
    assert rows["w1"][1] == rows["w2"][1] == "yes"  # alive
    queues = "http: 0 column jobs, 0 requests; browser: 0 column jobs, 0 requests"
    assert f"queue: {queues}; 0 taken by workers; 0 open runs" in shown


def test_a_poll_with_no_change_asks_conditionally_and_fetches_no_article(
    farm: Farm, workers: dict[str, subprocess.Popen[bytes]]
) -> None:
    farm.site.set_delay(0)
    farm.site.reset_log()
    run = farm.wait_closed(farm.dispatch().run_id or 0)
    assert (run.status, run.error) == ("ok", None), farm.all_logs()
    answered = Counter((request.method, request.status) for request in farm.site.requests)
    assert answered == Counter({("GET", 304): len(farm.site.specs)})  # page 1 of each column
    assert run.stats["changes"] == {}


def test_a_run_whose_last_work_is_a_list_page_closes_after_the_articles_it_yields(
    farm: Farm, workers: dict[str, subprocess.Popen[bytes]]
) -> None:
    """Scrapy hands a callback's output to parallel tasks after the callback returns: the list
    page's requests must be queued (and counted) before the page is acked, or the run closes
    with its new articles still to come."""
    farm.site.set_delay(0)
    published = [farm.site.publish("tzgg") for _ in range(3)]
    first_page = farm.site.list_url("tzgg").removeprefix(farm.site.base_url)
    farm.site.fail_first(first_page, 1, 503)  # retried: read after the other columns' 304s
    run = farm.wait_closed(farm.dispatch().run_id or 0)
    assert (run.status, run.error) == ("ok", None), farm.all_logs()
    # the 3 new ones and the re-check of the rest of the changed first page; the 3 the new
    # ones pushed to page 2 are listed there: not vanished, not probed (closed early, the run
    # chose its probes before page 2 was queued)
    assert run.stats["changes"] == {"new": 3, "unchanged": 17}, run.stats
    assert (run.stats["pages"], run.stats["probes"]) == (4, 0), run.stats
    assert {farm.site.url_of(article) for article in published} <= farm.article_urls()
    assert farm.client.exists(farm.keys.run(run.id)) == 0  # nothing counted after the close


def test_a_deleted_article_is_withdrawn_after_two_runs_and_a_moved_one_never(
    farm: Farm, workers: dict[str, subprocess.Popen[bytes]]
) -> None:
    site = farm.site

    def page(column: str, index: int) -> FixtureArticle:
        return [article for article in site.items(column) if not article.is_file][index]

    deleted, moved, hidden, due = (
        page("tzgg", 0),
        page("gzdt", 0),
        page("zcwj", 0),
        page("zcwj", -1),
    )

    def answers() -> Counter[tuple[str, int]]:
        paths = {article.path for article in (deleted, moved, hidden, due)}
        return Counter((entry.path, entry.status) for entry in site.requests if entry.path in paths)

    assert site.items("zcwj").index(due) >= 20  # on page 2, which no run of these reads
    site.delete(deleted.id)
    site.move(moved.id, "tzgg")  # the same page, listed by another column now
    site.unlist(hidden.id)  # off its list, its page still there
    with farm.store.transaction() as session:  # checked long ago: due for a re-check
        session.execute(
            update(StoredArticle)
            .where(StoredArticle.url == site.url_of(due))
            .values(last_checked=datetime.now(UTC) - timedelta(days=30))
        )
    site.reset_log()
    first = farm.wait_closed(farm.dispatch().run_id or 0)
    assert (first.status, first.error) == ("ok", None), farm.all_logs()
    assert (first.stats["probes"], first.stats["gone"]) == (3, 1)
    assert answers() == {
        (deleted.path, 404): 1,  # probed: vanished from tzgg
        (hidden.path, 200): 1,  # probed: vanished from zcwj, still there
        (due.path, 200): 1,  # probed: due, on a page not read
        (moved.path, 200): 1,  # never probed: re-checked as an item of tzgg's changed page 1
    }
    assert farm.events("withdrawn") == Counter()  # one 404 is no withdrawal
    site.reset_log()
    second = farm.wait_closed(farm.dispatch().run_id or 0)  # its lists answer 304 now
    assert (second.status, second.stats["probes"], second.stats["gone"]) == ("ok", 1, 1)
    assert answers() == {(deleted.path, 404): 1}  # the suspect
    assert farm.events("withdrawn") == Counter({site.url_of(deleted): 1})
    site.reset_log()
    third = farm.wait_closed(farm.dispatch().run_id or 0)
    assert (third.status, third.stats["probes"]) == ("ok", 0)
    assert answers() == {}  # withdrawn: probed no more
    assert farm.events("withdrawn") == Counter({site.url_of(deleted): 1})
    assert farm.client.exists(farm.keys.suspects(farm.site_config().id)) == 0
    status = farm.statuses()
    assert status[site.url_of(deleted)] == "withdrawn"
    assert status[site.url_of(moved)] == status[site.url_of(hidden)] == "active"


def test_closing_a_run_hands_its_evidence_over_and_settles_the_suspects(farm: Farm) -> None:
    """What the closer does with a run's probes, on a run of a site of its own: the 404s become
    the run's listing, answering or listed suspects are cleared, one seen gone by a second `ok`
    run is dropped (the store withdraws it), and a vanished article never probed (listed
    nowhere, no answer) becomes a suspect."""
    column, base = "通知", "http://127.0.0.1:9/tzgg/"
    url = {name: f"{base}{name}.html" for name in ("listed", "moved", "unprobed", "gone", "alive")}
    site = SiteRef("settle", "清点", "测试", None)
    run_id = start_run(farm.store, site)
    record_listing(farm.store, run_id, column, [url["listed"], url["moved"]])
    suspects = SharedListCache(farm.client, farm.keys)
    kept = {name: Suspect(column, 1) for name in ("listed", "gone", "alive")}
    suspects.save_suspects(site.id, {url[name]: suspect for name, suspect in kept.items()})
    farm.client.hset(
        farm.keys.run(run_id),
        mapping={
            "site": site.id,
            "columns": json.dumps([column]),
            f"col:{column}": "ok",
            "probed": "1",
            f"vanished:{url['moved']}": column,
            f"vanished:{url['unprobed']}": column,
            f"vanished:{url['gone']}": column,
            f"gone:{url['gone']}": json.dumps([column, 410]),
            f"alive:{url['alive']}": "1",
        },
    )
    farm.client.zadd(farm.keys.runs, {str(run_id): time.time() + 60})
    assert RunCloser(farm.client, farm.keys, farm.store).close(run_id) == "ok"
    assert suspects.suspects(site.id) == {url["unprobed"]: Suspect(column, 0)}
    with farm.store.transaction() as session:
        rows = session.scalars(select(Listing).where(Listing.crawl_run_id == run_id))
        assert [(row.seen, row.gone) for row in rows if row.gone] == [([], {url["gone"]: 410})]
    assert farm.client.exists(farm.keys.run(run_id)) == 0
    farm.client.delete(farm.keys.suspects(site.id))


def test_a_worker_killed_mid_crawl_loses_nothing_and_raises_no_second_event(
    farm: Farm, workers: dict[str, subprocess.Popen[bytes]]
) -> None:
    # enough slow pages that the run outlasts a few heartbeats (they report the pages crawled)
    published = [farm.site.publish(column) for column in farm.site.specs for _ in range(20)]
    farm.site.set_delay(0.4)
    before = farm.pages_of("w1")
    run_id = farm.dispatch().run_id or 0
    try:
        assert farm.freeze_holding_work(workers["w1"], "w1", before + 2) > 0
        assert farm.stop(workers["w1"], signal.SIGKILL) == -signal.SIGKILL
        run = farm.wait_closed(run_id)
        assert run.status == "ok", (run.error, farm.all_logs())
        new = farm.events("new")
        wanted = {farm.site.url_of(article) for article in published}
        assert wanted <= farm.article_urls()
        assert {url for url in new if url in wanted} == wanted
        assert max(new.values()) == 1  # a page crawled again is unchanged, never new twice
        assert "put back" in farm.log("w2")
    finally:
        farm.site.set_delay(0)
        workers["w1"] = farm.worker("w1")  # for the tests that follow


def test_a_worker_drains_on_sigterm_and_gives_back_what_it_had_taken(
    farm: Farm, workers: dict[str, subprocess.Popen[bytes]]
) -> None:
    published = [farm.site.publish(column) for column in farm.site.specs for _ in range(8)]
    farm.site.set_delay(0.25)
    before = farm.pages_of("w2")
    run_id = farm.dispatch().run_id or 0
    try:
        farm.until(lambda: farm.pages_of("w2") >= before + 3, 60, "w2 crawling")
        assert farm.stop(workers["w2"]) == 0  # SIGTERM: a clean stop
        assert farm.client.exists(farm.keys.taken("w2")) == 0
        run = farm.wait_closed(run_id)
        assert run.status == "ok", (run.error, farm.all_logs())
        wanted = {farm.site.url_of(article) for article in published}
        assert wanted <= farm.article_urls()
        assert max(farm.events("new").values()) == 1
    finally:
        farm.site.set_delay(0)
        workers["w2"] = farm.worker("w2")


def webhook(url: str) -> str:
    channel = f"      - kind: webhook\n        options:\n          url: '{url}'\n"
    return "subscribers:\n  - name: 值班\n    channels:\n" + channel


def test_two_runs_one_leader_the_leader_killed_and_no_alert_doubled_or_lost(
    farm: Farm, workers: dict[str, subprocess.Popen[bytes]]
) -> None:
    receiver = Receiver().start()
    try:
        (farm.config / "subscribers.yaml").write_text(webhook(receiver.url("/hook")), "utf-8")
        site_file = next((farm.config / "sites").glob("*.yaml"))
        site_file.write_text(site_file.read_text("utf-8") + 'schedule: "2s"\n', "utf-8")
        yaml = farm.config / "eduwatch.yaml"
        yaml.write_text(
            yaml.read_text("utf-8")
            + "scheduler:\n  jitter: 0s\n  stagger: 0s\n  crawl_timeout: 2m\n"
            + "outbox:\n  poll: 0.1s\n  retry_base: 0.1s\n  retry_max: 0.5s\n",
            "utf-8",
        )
        first = farm.start("run", name="run-a")
        farm.until(lambda: "leading (fencing token" in farm.log("run-a"), 60, "run-a leads")
        second = farm.start("run", name="run-b")
        batch = [farm.site.publish(column) for column in farm.site.specs for _ in range(2)]
        farm.until(lambda: len(receiver.delivered()) >= len(batch), 90, "first batch delivered")
        assert "leading" not in farm.log("run-b")
        assert farm.stop(first, signal.SIGKILL) == -signal.SIGKILL
        farm.until(lambda: "leading (fencing token" in farm.log("run-b"), 30, "run-b takes over")
        later = [farm.site.publish(column) for column in farm.site.specs for _ in range(2)]
        farm.until(lambda: len(receiver.delivered()) >= len(batch) + len(later), 90, "second batch")
        time.sleep(2)  # anything doubled would come now
        urls = Counter(item.json()["article"]["url"] for item in receiver.delivered())
        expected = {farm.site.url_of(article) for article in batch + later}
        assert set(urls) == expected, farm.all_logs()
        assert max(urls.values()) == 1
        assert farm.stop(second) == 0
    finally:
        receiver.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateRedis:
    """A redis-server of this test's own on a free port, persisted (AOF) so a restart keeps
    its data; started and stopped by its pid."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> PrivateRedis:
        server = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        client = redis.Redis(port=self.port)
        poll(lambda: _pings(client), 20, "private redis up")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            self.process.wait(30)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


def test_redis_restarted_under_a_running_worker(tmp_path: Path, database: str) -> None:
    server = PrivateRedis(tmp_path).start()
    private = make_farm(tmp_path, database, f"redis://127.0.0.1:{server.port}/0", site_id="other")
    try:
        worker = private.worker("wr")
        private.until(
            lambda: private.client.exists(private.keys.worker("wr")) == 1, 60, "worker up"
        )
        private.site.set_delay(0.1)
        run_id = private.dispatch().run_id or 0
        private.until(lambda: private.pages_of("wr") >= 10, 60, "crawling")
        server.stop()
        time.sleep(3)
        assert worker.poll() is None
        server.start()
        run = private.wait_closed(run_id, 120)
        assert run.status == "ok", (run.error, private.all_logs())
        assert len(private.article_urls()) == 90
        log = private.log("wr")
        assert "Redis unavailable" in log and "Redis is back" in log
        assert worker.poll() is None
        assert private.stop(worker) == 0
    finally:
        private.close()
        private.site.stop()
        server.stop()


def test_distributed_mode_refuses_sqlite_naming_the_key(tmp_path: Path) -> None:
    (tmp_path / "eduwatch.yaml").write_text(
        f"database:\n  url: sqlite:///{tmp_path / 'x.sqlite'}\nredis:\n  url: {REDIS_URL}\n",
        "utf-8",
    )
    with pytest.raises(ConfigError) as refused:
        load_config(tmp_path, environ={})
    assert "redis.url: expected PostgreSQL as database.url" in str(refused.value)
    summary, problems = check_service_config(tmp_path)
    assert summary is None and "redis.url" in str(problems[0])
    postgres = load_config(tmp_path, environ={"EDUWATCH_DATABASE_URL": "postgresql://h/db"})
    assert postgres.distributed and postgres.redis.url == REDIS_URL
