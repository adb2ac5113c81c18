"""`eduwatch run`: the unattended service. Crawls each site on its schedule, sends the alerts.

    setup = load_setup(config_dir)            # every config problem at once, or ConfigError
    exit_code = asyncio.run(Service(config_dir, setup).run())

At start the configuration is checked whole (sites, eduwatch.yaml, subscribers.yaml with their
secrets set); a broken one is refused. SIGHUP reloads it, or refuses a broken one and keeps the
running one, saying why. SIGTERM (or SIGINT) stops cleanly: nothing more is started, running
crawls are asked to end and are recorded, the sends in flight are finished and recorded.
The operator channels hear of the start and the stop.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from loguru import logger
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from crawler.sites import ConfigError as SiteFileProblem
from crawler.sites import SiteConfig, load_sites
from monitor.alerts.routing import RoutingTable
from monitor.alerts.subscribers import SubscribersConfig
from monitor.config import ServiceConfig, load_config, load_subscribers
from monitor.distributed.lead import Lead
from monitor.errors import ConfigError
from monitor.logs import REDACT
from monitor.outbox import ChannelBook, Outbox
from monitor.reload import RESTART_ONLY, changed_settings, keep_running
from monitor.runner import CrawlJob, CrawlResult, run_crawl
from monitor.scheduler import CrawlFunction, ServiceScheduler
from monitor.store import Store, open_store
from monitor.store.dburl import config_problems
from monitor.store.deliveries import add_notice, publish_routes
from monitor.store.lock import hold_service_lock
from monitor.store.models import CrawlRun
from monitor.store.outbox_queue import prune_deliveries, wake_digests_of
from monitor.store.retention import prune
from monitor.store.runs import interrupt_orphans, last_durations
from monitor.store.types import utcnow

STOP_CRAWLS_TIMEOUT = 30.0  # seconds the running crawls get to end and be recorded
STOP_NOTICE_TIMEOUT = 5.0  # seconds to try to send the stop notice before leaving
LOG_LINES = 5  # the last lines of a failed crawl's log, logged with its failure
FORCE_AFTER = 2.0  # a crawl still running this long after SIGTERM gets a second one (forced)


@dataclass(frozen=True, slots=True)
class Setup:
    """One accepted configuration: the service settings, the sites, the subscribers."""

    config: ServiceConfig
    sites: tuple[SiteConfig, ...]
    subscribers: SubscribersConfig

    @property
    def routes(self) -> RoutingTable:
        return RoutingTable.build(self.subscribers, self.config.operator.channels)

    @property
    def secrets(self) -> tuple[str, ...]:
        password = make_url(self.config.database.url).password
        extra = (str(password),) if password else ()
        return (*self.subscribers.secrets, *self.config.operator.secrets, *extra)


def load_setup(config_dir: Path) -> Setup:
    """The whole configuration, secrets resolved; ConfigError lists every problem found."""
    problems: list[SiteFileProblem] = []
    loaded = load_sites(config_dir)
    problems += loaded.errors
    config: ServiceConfig | None = None
    subscribers: SubscribersConfig | None = None
    try:
        config = load_config(config_dir, secrets=True)
        problems += config_problems(config_dir, config.database.url)
    except ConfigError as error:
        problems += error.problems
    known = {site.id: site.authority for site in loaded.sites}
    try:
        subscribers = load_subscribers(config_dir, secrets=True, known_sites=known)
    except ConfigError as error:
        problems += error.problems
    if problems or config is None or subscribers is None:
        raise ConfigError(problems)
    return Setup(config, loaded.sites, subscribers)


class RunnerCrawl:
    """A crawl as a `scrapy crawl` subprocess (monitor.runner) with the configured timeout."""

    def __init__(self, config_dir: Path, timeout: timedelta) -> None:
        self.config_dir = config_dir
        self.timeout = timeout.total_seconds()

    async def __call__(self, site_id: str) -> CrawlResult:
        job = CrawlJob(site_id, self.config_dir, timeout=self.timeout)
        return await asyncio.to_thread(run_crawl, job)

    @staticmethod
    def terminate() -> None:
        """SIGTERM to the process group of each running crawl (Scrapy closes the spider and
        records the run), again after FORCE_AFTER seconds to those still running (Scrapy then
        stops at once; the runner records the run as failed)."""
        signal_crawls()
        timer = threading.Timer(FORCE_AFTER, signal_crawls)
        timer.daemon = True
        timer.start()


def signal_crawls() -> None:
    for pid in crawl_children():
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGTERM)


def crawl_children() -> list[int]:
    """The pids of this process's `scrapy crawl` children (each leads its process group)."""
    me, found = os.getpid(), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == me and b"scrapy" in command and b"crawl" in command:
            found.append(int(entry.name))
    return found


class Service:
    def __init__(
        self,
        config_dir: Path,
        setup: Setup,
        *,
        crawl: CrawlFunction | None = None,
        terminate: Callable[[], None] | None = None,
    ) -> None:
        self.config_dir = config_dir
        self.setup = setup
        runner = self._runner = RunnerCrawl(config_dir, setup.config.scheduler.crawl_timeout)
        self.crawl = crawl or runner
        self.terminate = terminate or runner.terminate
        self.stopping = asyncio.Event()
        self._reloading = asyncio.Lock()
        self._tasks: set[asyncio.Future[Any]] = set()
        self.store: Store | None = None
        self.lead: Lead | None = None  # distributed mode: leadership and dispatch
        self._custom_crawl = crawl is not None
        self._sending: tuple[asyncio.Event, asyncio.Task[None]] | None = None

    async def run(self) -> int:
        """Run until SIGTERM or SIGINT; the exit code."""
        REDACT.update(self.setup.secrets)
        if self.setup.config.distributed:  # the Redis leader lock keeps one scheduler
            return await self._run()
        lock = await asyncio.to_thread(hold_service_lock, self.setup.config.database.url)
        try:
            return await self._run()
        finally:
            lock.release()

    async def _run(self) -> int:
        store = self.store = await asyncio.to_thread(open_store, None, self.setup.config)
        outbox = Outbox(store, self._book(self.setup), self.setup.config.outbox)
        distributed = self.setup.config.distributed
        if distributed:
            self.lead = Lead(self.setup.config, store, self._sites, self._leading)
            if not self._custom_crawl:
                self.crawl = self.lead
        scheduler = ServiceScheduler(self.setup.config.scheduler, self.crawl, self._crawled)
        self._outbox, self._scheduler = outbox, scheduler
        interrupted = await asyncio.to_thread(self._interrupt_orphans)
        if interrupted:
            logger.warning(
                "{} crawl run(s) left running by a process that is gone: failed, interrupted",
                interrupted,
            )
        released = await asyncio.to_thread(outbox.release_abandoned)
        if released:
            logger.warning("{} delivery claim(s) of an earlier run released", released)
        await asyncio.to_thread(self._accept, self.setup, "service_started")
        scheduler.start(paused=distributed)
        self._plan(self.setup)
        scheduler.schedule_daily("prune", self._prune, hour=3, minute=17)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._request_stop, signum)
        loop.add_signal_handler(signal.SIGHUP, self._request_reload)
        web_stop = asyncio.Event()
        web = self._start_web(store, web_stop)
        leading = None
        if self.lead is not None:
            leading = asyncio.create_task(self.lead.run(self.stopping))
        else:
            self._send(True)
        logger.info(
            "eduwatch running: {} site(s) scheduled, {} subscriber(s), database {}",
            len(scheduler.next_runs()), len(self.setup.subscribers.active), _backend(store),
        )  # fmt: skip
        await self.stopping.wait()
        await scheduler.stop(self.terminate, STOP_CRAWLS_TIMEOUT)
        if leading is not None:
            await leading
        await self._stop_sending()
        web_stop.set()
        if web is not None:
            await web
        await self._say_goodbye(outbox)
        if self.lead is not None:
            self.lead.close()
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(signum)
        store.close()
        logger.info("eduwatch stopped")
        return 0

    def _start_web(self, store: Store, stop: asyncio.Event) -> asyncio.Task[None] | None:
        """The dashboard (monitor.web) beside the service when `web.listen` is set."""
        if self.setup.config.web.listen is None:
            return None
        from monitor.web.server import serve_beside

        sites = lambda: self.setup.sites  # noqa: E731 (read anew after each reload)
        return asyncio.create_task(serve_beside(store, self.setup.config, sites, stop))

    def _sites(self) -> dict[str, SiteConfig]:
        return {site.id: site for site in self.setup.sites}

    def _leading(self, leading: bool) -> None:
        """Distributed mode: the leader schedules and sends; a follower waits."""
        if leading:
            self._scheduler.resume()
        else:
            self._scheduler.pause()
        self._send(leading)

    def _send(self, on: bool) -> None:
        if on and self._sending is None:
            stop = asyncio.Event()
            self._sending = (stop, asyncio.create_task(self._outbox.run(stop)))
        elif not on and self._sending is not None:
            self._sending[0].set()
            task = asyncio.ensure_future(self._sending[1])
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            self._sending = None

    async def _stop_sending(self) -> None:
        if self._sending is not None:
            stop, task = self._sending
            self._sending = None
            stop.set()
            await task
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _request_reload(self) -> None:
        task = asyncio.ensure_future(self.reload())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _request_stop(self, signum: int) -> None:
        logger.info("{} received: stopping", signal.Signals(signum).name)
        self.stopping.set()

    async def reload(self) -> bool:
        """SIGHUP: the new configuration, or the old one kept when the new one is broken."""
        async with self._reloading:
            logger.info("SIGHUP received: reloading the configuration from {}", self.config_dir)
            try:
                setup = await asyncio.to_thread(load_setup, self.config_dir)
                REDACT.update((*self.setup.secrets, *setup.secrets))
                await asyncio.to_thread(self._accept, setup, None)
            except ConfigError as error:
                logger.error(
                    "configuration refused, the running one is kept; {} problem(s):\n{}",
                    len(error.problems), error,
                )  # fmt: skip
                return False
            except SQLAlchemyError as error:
                logger.error("configuration not applied, the store failed: {}", error)
                return False
            self._apply(setup)
            return True

    def _apply(self, setup: Setup) -> None:
        """Apply every setting that changed, or say it waits for a restart."""
        changed = changed_settings(self.setup.config, setup.config)
        later = [name for name in changed if name in RESTART_ONLY]
        config = keep_running(self.setup.config, setup.config)
        setup = Setup(config, setup.sites, setup.subscribers)
        self._runner.timeout = config.scheduler.crawl_timeout.total_seconds()
        self._outbox.book = self._book(setup)
        self._outbox.settings = config.outbox
        if self.store is not None:
            self.store.config = config
        self._scheduler.retime(config.scheduler)
        self.setup = setup
        REDACT.update(setup.secrets)
        self._plan(setup)
        self._outbox.wake()
        applied = [name for name in changed if name not in RESTART_ONLY]
        logger.info(
            "configuration reloaded: {} site(s) scheduled; settings applied: {}",
            len(self._scheduler.next_runs()), ", ".join(applied) or "none changed",
        )  # fmt: skip
        if later:
            logger.warning(
                "{} changed: applied at the next start, not now (restart the service)",
                ", ".join(later),
            )

    def _book(self, setup: Setup) -> ChannelBook:
        return ChannelBook(setup.subscribers, setup.config.operator)

    def _accept(self, setup: Setup, notice: str | None) -> None:
        """Publish the routing table; waiting digest deliveries of subscribers no longer in
        digest mode become due; the start notice."""
        assert self.store is not None
        now = utcnow()
        with self.store.transaction() as session:
            publish_routes(session, setup.routes, now)
            wake_digests_of(session, setup.routes, now)
            if notice is not None:
                payload = {"pid": os.getpid(), "sites": sum(s.enabled for s in setup.sites)}
                add_notice(session, notice, f"{notice}:{self._outbox.identity}", payload, now)

    def _interrupt_orphans(self) -> int:
        assert self.store is not None
        with self.store.transaction() as session:
            return len(interrupt_orphans(session, utcnow(), self.store.config))

    def _plan(self, setup: Setup) -> None:
        assert self.store is not None
        with self.store.transaction() as session:
            rows = session.execute(
                select(CrawlRun.site_id, func.max(CrawlRun.started_at)).group_by(CrawlRun.site_id)
            )
            last_runs = {str(site): started for site, started in rows}
            durations = last_durations(session)
        self._scheduler.settings = setup.config.scheduler
        self._scheduler.schedule_sites(setup.sites, last_runs, utcnow(), durations)
        self._scheduler.schedule_digests(setup.subscribers.active, self._outbox.seal_digest)

    def _crawled(self, site_id: str, outcome: Any) -> None:
        status = getattr(outcome, "status", outcome)
        error = getattr(outcome, "error", None)
        elapsed = getattr(outcome, "elapsed", None)
        took = f" in {elapsed:.1f} s" if isinstance(elapsed, float) else ""
        if error:
            logger.warning("crawl of {}: {}{}: {}", site_id, status, took, error)
            tail = str(getattr(outcome, "log_tail", "") or "").splitlines()[-LOG_LINES:]
            if tail and status == "failed":
                logger.info("the end of the crawl log of {}:\n{}", site_id, "\n".join(tail))
        else:
            logger.info("crawl of {}: {}{}", site_id, status, took)
        self._outbox.wake()

    async def _prune(self) -> None:
        assert self.store is not None
        store = self.store

        def run() -> str:
            now = utcnow()
            with store.transaction() as session:
                report = prune(session, now, store.config.retention)
                notices = prune_deliveries(
                    session, now - timedelta(days=store.config.retention.days)
                )
            counts = f"{report.events} events, {report.versions} versions, {report.runs} runs"
            return f"{counts}, {notices} operator notices"

        logger.info("pruned {}", await asyncio.to_thread(run))

    async def _say_goodbye(self, outbox: Outbox) -> None:
        """Record the stop notice and try, briefly, to send what is due (it waits otherwise)."""
        await asyncio.to_thread(self._accept, self.setup, "service_stopped")
        with suppress(TimeoutError):
            await asyncio.wait_for(outbox.drain(), STOP_NOTICE_TIMEOUT)


def _backend(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=True)
