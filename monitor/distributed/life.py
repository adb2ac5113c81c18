"""A worker's life (a mixin of monitor.distributed.spider.WorkerSpider): the heartbeat that
says it is alive and what it does, replays the Redis writes owed since an outage, puts back the
work of dead workers and of lost replies, and takes more jobs; idling without closing; and
leaving cleanly.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from twisted.internet import task

from monitor.distributed.keys import Keys
from monitor.distributed.retry import REDIS_ERRORS, Backlog
from monitor.distributed.runs import RunCloser
from monitor.distributed.scrapy_redis_parts import LeasedQueue
from monitor.store import Store


class PageMeter:
    """Pages answered, and how many in the last minute."""

    def __init__(self) -> None:
        self.total = 0
        self.recent: deque[float] = deque()

    def add(self) -> None:
        now = time.monotonic()
        self.total += 1
        self.recent.append(now)
        while self.recent and self.recent[0] < now - 60:
            self.recent.popleft()

    def per_minute(self) -> int:
        cutoff = time.monotonic() - 60
        while self.recent and self.recent[0] < cutoff:
            self.recent.popleft()
        return len(self.recent)


class WorkerLife:
    """The spider's heartbeat and life (see the module's docstring)."""

    server: Any  # a redis.Redis: scrapy-redis sets it (untyped)
    crawler: Crawler
    keys: Keys
    store: Store
    queue: LeasedQueue
    backlog: Backlog
    closer: RunCloser
    worker_id: str
    mode: str
    ttl: float
    redis_batch_size: int
    meter: PageMeter
    current_site: str | None
    started: float
    state: str
    beat: task.LoopingCall | None
    next_reap: float

    if TYPE_CHECKING:

        @property
        def logger(self) -> logging.LoggerAdapter[logging.Logger]: ...

        def schedule_next_requests(self) -> None: ...

        def _done(self, run: int) -> None: ...

    def on_opened(self, spider: Any) -> None:
        self.beat = task.LoopingCall(self.heartbeat)
        self.beat.start(min(1.0, self.ttl / 3), now=True)

    def heartbeat(self) -> None:
        """Say this worker is alive (and what it does), replay the writes owed since an outage,
        put dead workers' work back, and take more jobs when the shared queue runs low (rather
        than at the next idle moment). Never raises: the beat must go on."""
        backoff = self.backlog.backoff
        if not backoff.ready():
            return
        try:
            self._beat()
            self.backlog.replay()
            self._tend_the_queue()
        except REDIS_ERRORS as error:
            backoff.failed(error, "sending the heartbeat")
            return
        except Exception:  # a worker that stops beating looks dead to its peers
            self.logger.exception("the heartbeat's work failed")
        backoff.succeeded()

    def _beat(self) -> None:
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": round(self.started),
            "beat": round(time.time(), 3),
            "state": self.state,
            "mode": self.mode,
            "site": self.current_site or "",
            "pages": self.meter.total,
            "pages_per_min": self.meter.per_minute(),
        }
        key = self.keys.worker(self.worker_id)
        with self.server.pipeline() as pipe:
            pipe.hset(key, mapping=info)
            pipe.pexpire(key, int(self.ttl * 1000))
            pipe.sadd(self.keys.workers, self.worker_id)
            pipe.execute()

    def _tend_the_queue(self) -> None:
        if time.monotonic() >= self.next_reap:  # a SCAN: once a TTL is enough
            self.next_reap = time.monotonic() + self.ttl
            moved = self.queue.requeue_dead()
            if moved:
                self.logger.warning("%d request(s) of dead workers put back", moved)
            self._heal_lost_replies()
        if self.state == "crawling" and len(self.queue) < self.redis_batch_size:
            self.schedule_next_requests()
        self._look_at_the_queue()

    def _heal_lost_replies(self) -> None:
        """A reply lost to a Redis outage leaves a request taken that nobody holds, or a run
        whose work is all acked but never closed: put the one back, finish the other."""
        orphans = self.queue.requeue_orphans()
        if orphans:
            self.logger.warning("%d request(s) taken but never received put back", orphans)
        for run in self.closer.stalled():
            self.logger.warning("run %s: all its work was done, unheard: finishing it", run)
            self._done(run)

    def _look_at_the_queue(self) -> None:
        """Have the engine ask the shared queue for work now: on its own it looks every 5 s
        (stack research §3: a worker joins up to 5 s late). Scrapy has no public call for it."""
        slot = getattr(self.crawler.engine, "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()

    def spider_idle(self) -> None:
        """scrapy-redis's idle handler, kept alive through a Redis outage."""
        backoff = self.backlog.backoff
        if self.state == "crawling" and backoff.ready():
            try:
                self.schedule_next_requests()
            except REDIS_ERRORS as error:
                backoff.failed(error, "reading the jobs")
        raise DontCloseSpider

    def on_closed(self, spider: Any, reason: str) -> None:
        self.state = "stopped"
        if self.beat is not None and self.beat.running:
            self.beat.stop()
        try:
            self.server.delete(self.keys.worker(self.worker_id))
            self.server.srem(self.keys.workers, self.worker_id)
        except REDIS_ERRORS as error:
            self.logger.warning("cannot remove the worker's heartbeat: %s", error)
        self.store.close()
