"""The leader's side: a due site becomes a run in the store and one job per column in Redis;
runs past their deadline are closed as failed.

Each Redis write is one script that first checks the leader lock still holds this leader's
fencing token; a leader that lost the lock writes nothing, and closes the run it had just
opened in the store as failed, saying why.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import redis
from loguru import logger

from crawler.sites import SiteConfig
from monitor.distributed.browser import BROWSER
from monitor.distributed.keys import Keys, as_text
from monitor.distributed.leader import Leadership
from monitor.distributed.runs import RunCloser
from monitor.ingest import finish_run, start_run
from monitor.ledger import site_ref
from monitor.store import Store

_PUSH = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local open = redis.call('HGET', KEYS[5], ARGV[4])
if open then return open == ARGV[2] and 1 or -1 end
redis.call('HSET', KEYS[3], 'pending', ARGV[5], 'site', ARGV[4], 'columns', ARGV[6])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[2])
redis.call('HSET', KEYS[5], ARGV[4], ARGV[2])
local over_http = tonumber(ARGV[7])
for i = 8, #ARGV do
  redis.call('RPUSH', (i - 8 < over_http) and KEYS[2] or KEYS[6], ARGV[i])
end
return 1
"""
"""Open the run and queue its jobs, fenced; a push sent again after a lost reply finds its own
run open and answers 1 again (-1: another run of the site is open)."""


@dataclass(frozen=True, slots=True)
class Dispatched:
    """What became of a due site: queued (with its run), skipped, or refused."""

    site_id: str
    status: str  # queued, running (its last run is still open), not_leader
    run_id: int | None = None
    error: str | None = None


class Dispatcher:
    """Puts due sites into Redis for the workers, fenced by the leader's token."""

    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        leadership: Leadership,
        store: Store,
        deadline: float,
    ) -> None:
        self.client = client
        self.keys = keys
        self.leadership = leadership
        self.store = store
        self.deadline = deadline
        self.closer = RunCloser(client, keys, store)
        self._push = client.register_script(_PUSH)

    def dispatch(self, site: SiteConfig) -> Dispatched:
        """One run of ``site``: opened in the store, its columns queued (those set to
        ``render: browser`` for the browser workers)."""
        token = self.leadership.token
        if token is None or not self.leadership.holds():
            return Dispatched(site.id, "not_leader")
        if self.client.hexists(self.keys.site_runs, site.id):
            return Dispatched(site.id, "running")
        run_id = start_run(self.store, site_ref(site))
        columns = [column.name for column in site.effective_columns()]
        http_jobs: list[str] = []
        browser_jobs: list[str] = []
        for column in site.effective_columns():
            job = json.dumps({"site": site.id, "column": column.name, "run": run_id})
            (browser_jobs if column.render == BROWSER else http_jobs).append(job)
        pushed = self._push(
            keys=[
                self.keys.leader,
                self.keys.jobs("http"),
                self.keys.run(run_id),
                self.keys.runs,
                self.keys.site_runs,
                self.keys.jobs(BROWSER),
            ],
            args=[
                token,
                run_id,
                time.time() + self.deadline,
                site.id,
                len(columns),
                json.dumps(columns, ensure_ascii=False),
                len(http_jobs),
                *http_jobs,
                *browser_jobs,
            ],
        )
        if pushed == 1:
            return Dispatched(site.id, "queued", run_id)
        why = "not the leader any more" if pushed == 0 else "an earlier run is still open"
        finish_run(self.store, run_id, "failed", {}, f"not queued: {why}")
        return Dispatched(site.id, "not_leader" if pushed == 0 else "running", run_id, why)

    def expire(self, now: float | None = None) -> list[int]:
        """Close the open runs past their deadline as failed; their ids."""
        if not self.leadership.holds():
            return []
        overdue = self.client.zrangebyscore(self.keys.runs, "-inf", now or time.time())
        closed = []
        for raw in overdue:
            run_id = int(as_text(raw))
            reason = f"not finished within its deadline ({self.deadline:g} s)"
            if self.closer.close(run_id, reason) is not None:
                logger.warning("run {} closed as failed: {}", run_id, reason)
                closed.append(run_id)
        return closed
