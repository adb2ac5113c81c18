"""APScheduler wiring only: which site runs when, the digests, the daily pruning.

One job per enabled site, from its `schedule` (cron or interval, Asia/Shanghai) with a random
jitter; one run per site at a time (``max_instances=1``), missed runs coalesced into one, and a
run late by up to ``misfire_grace`` still run (APScheduler's default grace of 1 s would silently
skip a run after a short stall). The jobs live in memory: at each start the store's crawl runs
tell which sites are overdue, and those are spread over the ``stagger`` window rather than all
started at once; the others wait for their next time after their last run.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from loguru import logger

from crawler.sites import TIMEZONE, Schedule, SiteConfig
from monitor.alerts.subscribers import Subscriber
from monitor.config import SchedulerSection

CrawlFunction = Callable[[str], Awaitable[Any]]
"""Runs one crawl of a site to its end (or its timeout) and returns its outcome."""
SITE_JOB = "site:"
# A crawl never measured: the first round of the 32 shipped sites took about 12 minutes to start
# them all two at a time (issue 9), some 45 s a crawl.
CRAWL_ESTIMATE = timedelta(seconds=45)
DIGEST_JOB = "digest:"


def next_due(schedule: Schedule, last_started: datetime | None) -> datetime | None:
    """When a site is next due by its schedule after its last run; None: never run, due now."""
    if last_started is None:
        return None
    if schedule.kind == "interval" and schedule.seconds is not None:
        return last_started + timedelta(seconds=schedule.seconds)
    trigger = schedule.trigger(TIMEZONE)
    due: datetime | None = trigger.get_next_fire_time(None, last_started + timedelta(seconds=1))
    return due


def first_runs(
    sites: Sequence[SiteConfig],
    last_runs: Mapping[str, datetime],
    now: datetime,
    stagger: timedelta,
) -> dict[str, datetime]:
    """Each site's first run after a start: its next due time, or, when that has passed (or it
    never ran), a slot in the stagger window, the longest overdue first."""
    planned: dict[str, datetime] = {}
    overdue: list[tuple[datetime, str]] = []
    for site in sites:
        due = next_due(site.schedule, last_runs.get(site.id))
        if due is None or due <= now:
            overdue.append((due or datetime.min.replace(tzinfo=now.tzinfo), site.id))
        else:
            planned[site.id] = due
    overdue.sort()
    step = stagger / len(overdue) if overdue else timedelta(0)
    for index, (_, site_id) in enumerate(overdue):
        planned[site_id] = now + step * index
    return planned


def first_round(
    planned: Mapping[str, datetime],
    now: datetime,
    max_crawls: int,
    durations: Mapping[str, timedelta],
) -> timedelta:
    """How long after ``now`` the last of the overdue sites (``planned``: their stagger slots) is
    expected to start: each at its slot or when one of the ``max_crawls`` crawl slots frees up,
    whichever is later; a crawl takes what the site's last one took (a site never crawled: the
    others' median, else CRAWL_ESTIMATE)."""
    due = sorted((moment, site_id) for site_id, moment in planned.items())
    known = sorted(durations.values())
    usual = known[len(known) // 2] if known else CRAWL_ESTIMATE
    free = [now] * max_crawls
    last = now
    for moment, site_id in due:
        slot = heapq.heappop(free)
        last = max(moment, slot)
        heapq.heappush(free, last + durations.get(site_id, usual))
    return last - now


def first_round_text(count: int, spread: timedelta, settings: SchedulerSection) -> str:
    minutes = max(1, round(spread.total_seconds() / 60))
    stagger = round(settings.stagger.total_seconds() / 60, 1)
    return (
        f"first round: {count} site(s) due, started over about {minutes} min "
        f"(spread over {stagger:g} min, at most {settings.max_crawls} crawl(s) at a time)"
    )


class ServiceScheduler:
    """The service's AsyncIOScheduler: site crawls, digests and daily chores."""

    def __init__(
        self,
        settings: SchedulerSection,
        crawl: CrawlFunction,
        on_crawled: Callable[[str, Any], None] | None = None,
    ) -> None:
        self.settings = settings
        self.crawl = crawl
        self.on_crawled = on_crawled
        self.scheduler = AsyncIOScheduler(
            timezone=TIMEZONE,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": max(1, int(settings.misfire_grace.total_seconds())),
            },
        )
        self._slots = asyncio.Semaphore(settings.max_crawls)
        self._running: set[asyncio.Task[Any]] = set()
        self._schedules: dict[str, Schedule | None] = {}
        self._stopping = False

    def start(self, paused: bool = False) -> None:
        self.scheduler.start(paused=paused)

    def pause(self) -> None:
        """Fire nothing (a follower in distributed mode); runs missed meanwhile are coalesced."""
        if self.scheduler.running and not self._stopping:
            self.scheduler.pause()

    def resume(self) -> None:
        if self.scheduler.running and not self._stopping:
            self.scheduler.resume()

    @property
    def running_crawls(self) -> int:
        return len(self._running)

    def schedule_sites(
        self,
        sites: Iterable[SiteConfig],
        last_runs: Mapping[str, datetime],
        now: datetime,
        durations: Mapping[str, timedelta] | None = None,
    ) -> None:
        """Make the site jobs those of ``sites`` (the enabled ones): new and changed schedules
        planned from their last run, unchanged ones left as they are, the others removed. The
        sites due now are logged with when the last of them is expected to start (``durations``:
        how long each site's last crawl took)."""
        wanted = {site.id: site for site in sites if site.enabled}
        for site_id in set(self._schedules) - set(wanted):
            self.scheduler.remove_job(SITE_JOB + site_id)
            del self._schedules[site_id]
        changed = [s for s in wanted.values() if self._schedules.get(s.id) != s.schedule]
        firsts = first_runs(changed, last_runs, now, self.settings.stagger)
        overdue = {
            site.id: firsts[site.id]
            for site in changed
            if (due := next_due(site.schedule, last_runs.get(site.id))) is None or due <= now
        }
        if overdue:
            spread = first_round(overdue, now, self.settings.max_crawls, durations or {})
            logger.info(first_round_text(len(overdue), spread, self.settings))
        jitter = int(self.settings.jitter.total_seconds()) or None
        for site in changed:
            self.scheduler.add_job(
                self._run_site,
                site.schedule.trigger(TIMEZONE, jitter),
                args=[site.id],
                id=SITE_JOB + site.id,
                name=f"crawl {site.id}",
                next_run_time=firsts[site.id],
                misfire_grace_time=self._grace(),
                replace_existing=True,
            )
            self._schedules[site.id] = site.schedule

    def retime(self, settings: SchedulerSection) -> None:
        """New settings: when the jitter or the misfire grace changed, every site job is made
        again with them (at the next ``schedule_sites``)."""
        old, self.settings = self.settings, settings
        if (old.jitter, old.misfire_grace) != (settings.jitter, settings.misfire_grace):
            self._schedules = dict.fromkeys(self._schedules)  # none is as planned

    def schedule_digests(
        self, subscribers: Iterable[Subscriber], seal: Callable[[str, tuple[str, ...]], Any]
    ) -> None:
        """One job per digest subscriber, at its digest time; others' jobs removed."""
        wanted = {s.name: s for s in subscribers if s.enabled and s.mode == "digest" and s.digest}
        for job in self.scheduler.get_jobs():
            if job.id.startswith(DIGEST_JOB) and job.id[len(DIGEST_JOB) :] not in wanted:
                job.remove()
        for name, subscriber in wanted.items():
            assert subscriber.digest is not None
            channels = tuple(spec.label for spec in subscriber.channels)
            self.scheduler.add_job(
                seal,
                subscriber.digest.trigger(TIMEZONE),
                args=[name, channels],
                id=DIGEST_JOB + name,
                name=f"digest {name}",
                replace_existing=True,
            )

    def schedule_daily(self, job_id: str, func: Callable[[], Any], hour: int, minute: int) -> None:
        trigger = CronTrigger(hour=hour, minute=minute, timezone=TIMEZONE)
        self.scheduler.add_job(func, trigger, id=job_id, name=job_id, replace_existing=True)

    def _grace(self) -> int:
        return max(1, int(self.settings.misfire_grace.total_seconds()))

    def next_runs(self) -> dict[str, datetime | None]:
        return {
            job.id[len(SITE_JOB) :]: job.next_run_time
            for job in self.scheduler.get_jobs()
            if job.id.startswith(SITE_JOB)
        }

    async def _run_site(self, site_id: str) -> None:
        """One scheduled crawl; the boundary of a site's run: nothing it does stops the service."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            async with self._slots:
                if self._stopping:  # it waited for a slot while the service began to stop
                    return
                logger.info("crawl of {} starts", site_id)
                outcome = await self.crawl(site_id)
            if self.on_crawled is not None:
                self.on_crawled(site_id, outcome)
        except Exception:  # the error boundary of one site run (DESIGN.md)
            logger.exception("crawl of {} could not be run", site_id)
        finally:
            if task is not None:
                self._running.discard(task)

    async def stop(self, terminate: Callable[[], None], timeout: float) -> None:
        """Fire nothing more, ask the running crawls to end (``terminate``) and wait for them to
        be recorded, at most ``timeout`` seconds; then shut the scheduler down."""
        self._stopping = True
        if self.scheduler.running:
            self.scheduler.pause()
        running = list(self._running)
        if running:
            logger.info("waiting for {} running crawl(s) to end", len(running))
            terminate()
            _, late = await asyncio.wait(running, timeout=timeout)
            if late:
                logger.warning("{} crawl(s) still running at shutdown", len(late))
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
