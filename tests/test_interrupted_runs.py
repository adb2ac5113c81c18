"""A crawl run whose process died (SIGKILL, a crash, the machine restarted) does not stay
`running`: the site's next run, or the service's next start, finishes it as failed, reason
`interrupted`, and it counts toward `site_failing` like any failed run. Real processes own the
runs here: each opens its run in the store and is then SIGKILLed (or kept alive)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from monitor.config import AlertsSection, ServiceConfig
from monitor.store import Store, make_engine, upgrade
from monitor.store.models import CrawlRun, Event, Site
from tests.db import SITE, T0, Crawl, notice
from tests.paths import ROOT
from tests.test_service import Service, services, write_config

__all__ = ["services"]

OWNER = """
import sys
from datetime import datetime
from monitor.ingest import SiteRef, start_run
from monitor.store import Store, make_engine, upgrade
site = SiteRef(id={site.id!r}, name={site.name!r}, authority={site.authority!r},
               rules_hash={site.rules_hash!r})
store = Store(make_engine(sys.argv[1]))
print(start_run(store, site, now=datetime.fromisoformat({when!r})), flush=True)
sys.stdin.read()  # holds on until killed
"""


class RunOwner:
    """A process that opens a crawl run of SITE and holds on until it is killed."""

    def __init__(self, url: str) -> None:
        code = OWNER.format(site=SITE, when=T0.isoformat())
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, url],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        self.run_id = int(self.process.stdout.readline())

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)


@pytest.fixture
def owners() -> Iterator[Callable[[str], RunOwner]]:
    started: list[RunOwner] = []

    def start(url: str) -> RunOwner:
        owner = RunOwner(url)
        started.append(owner)
        return owner

    yield start
    for owner in started:
        if owner.process.poll() is None:
            owner.kill()


def run_of(store: Store, run_id: int) -> CrawlRun:
    with store.transaction() as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None
        return run


def test_runs_of_dead_processes_fail_as_interrupted_at_the_next_run_and_count(
    database_url: str, owners: Callable[[str], RunOwner]
) -> None:
    store = Store(make_engine(database_url), ServiceConfig(alerts=AlertsSection(failing_after=2)))
    killed = [owners(database_url), owners(database_url)]
    alive = owners(database_url)
    for owner in killed:
        owner.kill()

    Crawl(store, now=T0).finish("failed", "a real failure")  # the next run of the site

    for owner in killed:
        run = run_of(store, owner.run_id)
        assert run.status == "failed" and run.finished_at is not None
        assert (run.error or "").startswith("interrupted: ")
        assert run.stats == {"reason": "interrupted"}
    assert run_of(store, alive.run_id).status == "running"  # its owner is still at work
    with store.transaction() as session:
        site = session.get(Site, SITE.id)
        assert site is not None and site.consecutive_failures == 3
        failing = list(session.scalars(select(Event).where(Event.kind == "site_failing")))
    assert len(failing) == 1  # raised by the second failure in a row: an interrupted run
    assert failing[0].crawl_run_id == killed[1].run_id

    recovered = Crawl(store, now=T0)
    recovered.ingest(notice(1))
    recovered.listing([notice(1).url])
    assert recovered.finish().status == "ok"
    assert run_of(store, alive.run_id).status == "running"
    store.close()


def test_the_service_start_fails_the_runs_left_running_by_dead_processes(
    tmp_path: Path, services: Callable[[Path], Service], owners: Callable[[str], RunOwner]
) -> None:
    config = write_config(tmp_path)
    url = f"sqlite:///{tmp_path / 'ew.sqlite'}"
    upgrade(url)
    owner = owners(url)
    owner.kill()
    service = services(config)
    line = service.wait_for_log("left running by a process that is gone")
    assert line["level"] == "WARNING" and line["message"].startswith("1 crawl run(s)")
    service.wait_for_log("eduwatch running")
    service.signal(signal.SIGTERM)
    assert service.wait() == 0
    store = Store(make_engine(url))
    run = run_of(store, owner.run_id)
    assert (run.status, (run.error or "").split(":")[0]) == ("failed", "interrupted")
    store.close()
