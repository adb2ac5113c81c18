"""Redis connections and calls that survive an outage: retried with a doubling back-off, each
failure reported once per wait, never a crash loop.

    client = connect(url)                     # socket timeouts, redis-py's own short retries
    value = await retry_async(lambda: client.get(key), "reading the leader lock")
    backoff = Backoff(); if backoff.ready(): try ... except REDIS_ERRORS: backoff.failed(err, what)
    backlog = Backlog(); backlog.run(write, "acking a request")   # owed, in order, while down
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from typing import TypeVar

import redis
from loguru import logger
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

REDIS_ERRORS: tuple[type[Exception], ...] = (redis.ConnectionError, redis.TimeoutError)
FIRST_WAIT = 0.25
MAX_WAIT = 30.0
_T = TypeVar("_T")


def connect(url: str) -> redis.Redis:
    """A client with short socket timeouts and three quick retries of its own."""
    return redis.Redis.from_url(
        url,
        socket_timeout=5,
        socket_connect_timeout=5,
        health_check_interval=10,
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), 3),
        retry_on_error=[redis.ConnectionError, redis.TimeoutError],
    )


class Backoff:
    """When a failing Redis may be tried again: waits double from FIRST_WAIT to MAX_WAIT and
    reset on success; each failure is logged with the wait that follows it."""

    def __init__(self, first: float = FIRST_WAIT, cap: float = MAX_WAIT) -> None:
        self.first, self.cap = first, cap
        self.wait = 0.0
        self.until = 0.0
        self.failures = 0

    def ready(self) -> bool:
        return time.monotonic() >= self.until

    def failed(self, error: Exception, what: str) -> float:
        self.failures += 1
        self.wait = min(self.cap, self.wait * 2 if self.wait else self.first)
        self.until = time.monotonic() + self.wait
        logger.warning(
            "Redis unavailable while {} ({}: {}); failure {}, next try in {:.2f} s",
            what, type(error).__name__, error, self.failures, self.wait,
        )  # fmt: skip
        return self.wait

    def succeeded(self) -> None:
        if self.failures:
            logger.info("Redis is back after {} failure(s)", self.failures)
        self.wait, self.until, self.failures = 0.0, 0.0, 0


class Backlog:
    """A worker's Redis writes, done now or, while Redis is down, owed and replayed in the order
    they were asked for (a request's push before the ack that could close its run). Each write
    must be safe to send twice: a reply lost to an outage means it may have run already."""

    def __init__(self) -> None:
        self.backoff = Backoff()
        self.owed: deque[tuple[Callable[[], object], str]] = deque()

    def run(self, write: Callable[[], _T], what: str) -> _T | None:
        """Write now unless writes are owed or Redis is resting (then it is owed): what the
        write returned, None when it is owed."""
        if self.owed or not self.backoff.ready():
            self.owed.append((write, what))
            return None
        try:
            result = write()
        except REDIS_ERRORS as error:
            self.backoff.failed(error, what)
            self.owed.append((write, what))
            return None
        self.backoff.succeeded()
        return result

    def replay(self) -> None:
        """The owed writes, in order; a Redis error stops at the first (and is raised). A write
        failing otherwise is logged and dropped: it would block every write behind it."""
        while self.owed:
            write, what = self.owed[0]
            try:
                write()
            except REDIS_ERRORS:
                raise
            except Exception:  # reported, and the backlog goes on
                logger.exception("a Redis write owed since an outage failed: {}", what)
            self.owed.popleft()


async def retry_async(
    call: Callable[[], _T], what: str, backoff: Backoff | None = None, attempts: int | None = None
) -> _T:
    """Run a blocking Redis call in a thread until it succeeds (or ``attempts`` are used up)."""
    backoff = backoff or Backoff()
    tried = 0
    while True:
        try:
            result = await asyncio.to_thread(call)
        except REDIS_ERRORS as error:
            tried += 1
            wait = backoff.failed(error, what)
            if attempts is not None and tried >= attempts:
                raise
            await asyncio.sleep(wait)
            continue
        backoff.succeeded()
        return result
