"""The service's part in distributed mode: win and keep the leader lock, and while leading, turn
each due site into a run queued in Redis (the scheduler's crawl function) and close the runs
past their deadline. A follower's scheduler and outbox are paused; it takes over within the
lock's TTL when the leader stops renewing it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping

from loguru import logger

from crawler.sites import SiteConfig
from monitor.config import ServiceConfig
from monitor.distributed.enqueue import Dispatched, Dispatcher
from monitor.distributed.keys import Keys
from monitor.distributed.leader import Leadership
from monitor.distributed.retry import REDIS_ERRORS, Backoff, connect
from monitor.store import Store


class Lead:
    """Leadership and dispatch for one `eduwatch run` (``on_change(leading)`` on each flip)."""

    def __init__(
        self,
        config: ServiceConfig,
        store: Store,
        sites: Callable[[], Mapping[str, SiteConfig]],
        on_change: Callable[[bool], None],
    ) -> None:
        assert config.redis.url is not None
        self.client = connect(config.redis.url)
        self.keys = Keys(config.redis.prefix)
        self.ttl = config.redis.leader_ttl.total_seconds()
        self.leadership = Leadership(self.client, self.keys, self.ttl)
        deadline = config.scheduler.crawl_timeout.total_seconds()
        self.dispatcher = Dispatcher(self.client, self.keys, self.leadership, store, deadline)
        self.sites = sites
        self.on_change = on_change
        self.leading = False
        self.backoff = Backoff()

    async def __call__(self, site_id: str) -> Dispatched:
        """The scheduler's crawl function: queue a run of the site (when leading)."""
        site = self.sites().get(site_id)
        if site is None or not self.leadership.leading:
            return Dispatched(site_id, "not_leader")
        try:
            done = await asyncio.to_thread(self.dispatcher.dispatch, site)
        except REDIS_ERRORS as error:
            self.backoff.failed(error, f"queueing a run of {site_id}")
            return Dispatched(site_id, "failed", error=str(error))
        if done.status == "running":
            logger.info("{}: its last run is still open; this one is skipped", site_id)
        return done

    async def run(self, stopping: asyncio.Event) -> None:
        """Renew or take the lock every third of its TTL until ``stopping``; then let it go."""
        while not stopping.is_set():
            await self._step()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self._interval())
        self._flip(False)
        with contextlib.suppress(*REDIS_ERRORS):
            await asyncio.to_thread(self.leadership.release)

    def _interval(self) -> float:
        if self.backoff.failures:
            return min(self.backoff.wait, self.ttl / 3)
        return self.ttl / 3

    async def _step(self) -> None:
        try:
            leading = await asyncio.to_thread(self.leadership.step)
            if leading:
                await asyncio.to_thread(self.dispatcher.expire)
        except REDIS_ERRORS as error:
            self.backoff.failed(error, "renewing the leader lock")
            leading = self.leadership.leading  # the lock holds until its TTL runs out
        else:
            self.backoff.succeeded()
        self._flip(leading)

    def _flip(self, leading: bool) -> None:
        if leading == self.leading:
            return
        self.leading = leading
        token = self.leadership.token
        logger.info("{}", f"leading (fencing token {token})" if leading else "not leading")
        self.on_change(leading)

    def close(self) -> None:
        self.client.close()
