"""The small scrapy-redis subclasses of a worker (scrapy-redis 0.9.1, pinned).

- ``LeasedQueue``: scrapy-redis's PriorityQueue whose pop moves the request, in one script,
  into the worker's *taken* set; the spider acks it when its callback or errback is done (the
  requests that callback yielded are queued by then). A worker that dies leaves its taken set
  behind, and any live worker puts it back into the queue (``requeue_dead``): a SIGKILL loses
  nothing. Pushing a request of a run counts it in the run's ``pending`` (once, even when a push
  is sent again after a lost reply); an ack uncounts it (once), and the ack that reaches zero
  tells its caller the run is done. A pop whose reply was lost leaves a request taken that the
  worker never received: ``requeue_orphans`` puts it back. A push checks the request's
  fingerprint in the same script, so a push replayed after a lost reply is one push.
- ``RunDupeFilter``: scrapy-redis's RFPDupeFilter, one fingerprint set per run (each run crawls
  what the last one saw; the set expires with its run), so nothing needs clearing per cycle.
- ``RunScheduler``: scrapy-redis's Scheduler that rides out a Redis outage (pushes it cannot
  make are owed in the worker's backlog, in order with its other writes; pops back off) and, on
  close, gives back what the worker had taken.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Mapping
from typing import Any

from scrapy import Request
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from monitor.distributed.browser import mode_of
from monitor.distributed.keys import Keys, as_text
from monitor.distributed.retry import REDIS_ERRORS, Backlog

RUN = "eduwatch_run"  # request meta: the run id the request belongs to
LEASE = "eduwatch_lease"  # request meta: the taken-set member it was popped as
CARRIED = "eduwatch_carried"  # request meta: already counted in pending (a job's first request)
SEEN_TTL = 2 * 86400  # seconds a run's fingerprint set outlives its last use

_POP = """
local found = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1, 'WITHSCORES')
for i = 1, #found, 2 do
  redis.call('ZREM', KEYS[1], found[i])
  redis.call('ZADD', KEYS[2], found[i + 1], found[i])
end
return found
"""
PREFETCH = 4
"""Requests a pop takes at once (leased all the same): fewer round trips, little hoarding."""
_PUSH = """
if KEYS[3] ~= '' then
  local added = redis.call('SADD', KEYS[3], ARGV[3])
  redis.call('EXPIRE', KEYS[3], ARGV[4])
  if added == 0 then return 0 end
end
if redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2]) == 1 and KEYS[2] ~= '' then
  redis.call('HINCRBY', KEYS[2], 'pending', 1)
end
return 1
"""
_COUNT = """
local function count(run, first)
  local fields = tonumber(ARGV[first])
  for i = first + 1, first + 2 * fields, 2 do redis.call('HSET', run, ARGV[i], ARGV[i + 1]) end
  for i = first + 1 + 2 * fields, #ARGV, 2 do redis.call('HINCRBY', run, ARGV[i], ARGV[i + 1]) end
  return redis.call('HINCRBY', run, 'pending', -1)
end
"""
_ACK = (
    _COUNT
    + """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return -1 end
if KEYS[2] == '' or redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
return count(KEYS[2], 2)
"""
)
_SETTLE = (
    _COUNT
    + """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HSETNX', KEYS[1], 'done:' .. ARGV[1], '1') == 0 then
  return tonumber(redis.call('HGET', KEYS[1], 'pending') or '0')
end
return count(KEYS[1], 2)
"""
)
_UNTAKE = """
if redis.call('ZREM', KEYS[1], ARGV[2]) == 1 then redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2]) end
"""
_REQUEUE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
local moved = redis.call('ZCARD', KEYS[2])
if moved > 0 then
  redis.call('ZUNIONSTORE', KEYS[3], 2, KEYS[3], KEYS[2], 'AGGREGATE', 'MIN')
  redis.call('DEL', KEYS[2])
end
return moved
"""


def keys_of(spider: Any) -> Keys:
    keys: Keys = spider.keys
    return keys


def counts(fields: Mapping[str, str], increments: Mapping[str, int]) -> list[Any]:
    """Run counters as script arguments: the count of fields, the fields, the increments."""
    return [
        len(fields),
        *(part for pair in fields.items() for part in pair),
        *(part for pair in increments.items() for part in pair),
    ]


class LeasedQueue(PriorityQueue):
    """A priority queue whose pops are leases (see the module's docstring)."""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        self.keys = keys_of(spider)
        self.mode: str = spider.mode
        self.taken_key = self.keys.taken(spider.worker_id, self.mode)
        self.members: dict[str, bytes] = {}  # lease token -> taken-set member
        self.prefetched: deque[bytes] = deque()  # taken, not handed to the engine yet
        self._push = server.register_script(_PUSH)
        self._pop = server.register_script(_POP)
        self._untake = server.register_script(_UNTAKE)
        self._ack = server.register_script(_ACK)
        self._settle = server.register_script(_SETTLE)
        self._requeue = server.register_script(_REQUEUE)
        spider.queue = self

    def push(self, request: Request, seen: str = "", fingerprint: str = "") -> bool:
        """Queue it unless its ``fingerprint`` is in the set ``seen`` already ('': unfiltered);
        counted in its run's pending unless carried (or queued already: a push replayed after a
        lost reply counts once). False: a duplicate, not queued."""
        data = self._encode_request(request)
        run = request.meta.get(RUN)
        run_key = self.keys.run(run) if run is not None and not request.meta.get(CARRIED) else ""
        queue = self.keys.requests(mode_of(request))  # browser work: the browser workers'
        pushed = self._push(
            keys=[queue, run_key, seen], args=[-request.priority, data, fingerprint, SEEN_TTL]
        )
        return bool(pushed)

    def __len__(self) -> int:
        return int(self.server.zcard(self.key)) + len(self.prefetched)

    def pop(self, timeout: int = 0) -> Request | None:
        """The next request, leased: taken with up to PREFETCH - 1 more in one script."""
        if not self.prefetched:
            found = self._pop(keys=[self.key, self.taken_key], args=[PREFETCH])
            self.prefetched.extend(found[::2])
        if not self.prefetched:
            return None
        data = self.prefetched.popleft()
        request: Request = self._decode_request(data)
        token = hashlib.sha1(data).hexdigest()
        self.members[token] = data
        request.meta[LEASE] = token
        request.meta.pop(CARRIED, None)
        return request

    def ack(
        self,
        request: Request,
        fields: Mapping[str, str] | None = None,
        increments: Mapping[str, int] | None = None,
    ) -> int | None:
        """The request is done: out of the taken set, one less pending in its run, and what it
        found counted in the run (``fields`` set, ``increments`` added), all once. Returns the
        run's pending count left (0: the run is done), None when it counts for no run (or it
        was put back meanwhile: its new taker counts it)."""
        left = self.ack_token(request.meta.get(LEASE), request.meta.get(RUN), fields, increments)
        request.meta.pop(LEASE, None)
        return left

    def ack_token(
        self,
        token: str | None,
        run: Any,
        fields: Mapping[str, str] | None = None,
        increments: Mapping[str, int] | None = None,
    ) -> int | None:
        """As ``ack``; a Redis error leaves the lease in place (ack again later)."""
        if token is None or token not in self.members:
            return None
        run_key = self.keys.run(run) if run is not None else ""
        args = [self.members[token], *counts(fields or {}, increments or {})]
        left = int(self._ack(keys=[self.taken_key, run_key], args=args))
        del self.members[token]
        return left if left >= 0 else None

    def settle(
        self,
        run: int,
        token: str,
        fields: Mapping[str, str] | None = None,
        increments: Mapping[str, int] | None = None,
    ) -> int | None:
        """Work of a run that is no request (an item, a job, a probe guard) is done: one less
        pending and its counts, once per ``token``. The run's pending count left, None when the
        run is closed."""
        args = [token, *counts(fields or {}, increments or {})]
        left = int(self._settle(keys=[self.keys.run(run)], args=args))
        return left if left >= 0 else None

    def give_back(self) -> int:
        """All this worker has taken, back into the queue (a clean stop)."""
        moved = int(self._requeue(keys=[self.keys.worker("-"), self.taken_key, self.key], args=[]))
        self.members.clear()
        self.prefetched.clear()
        return max(moved, 0)

    def requeue_orphans(self) -> int:
        """Put back what this worker's taken set holds that the worker does not: a pop whose
        reply was lost (Redis went down while answering, the client sent it again)."""
        held = set(self.members.values()) | set(self.prefetched)
        orphans = [
            (member, score)
            for member, score in self.server.zrange(self.taken_key, 0, -1, withscores=True)
            if member not in held
        ]
        for member, score in orphans:
            self._untake(keys=[self.taken_key, self.key], args=[score, member])
        return len(orphans)

    def requeue_dead(self) -> int:
        """The taken sets of workers whose heartbeat expired, whatever their mode, back into
        their mode's queue (a set named before modes were, ``taken:<worker>``, is http work)."""
        moved = 0
        for name in self.server.scan_iter(match=self.keys.every_taken, count=100):
            key = as_text(name)
            mode, worker = self.keys.taken_owner(key)
            found = [self.keys.worker(worker), key, self.keys.requests(mode)]
            moved += max(0, int(self._requeue(keys=found, args=[])))
        return moved


class RunDupeFilter(RFPDupeFilter):
    """One fingerprint set per run (``Keys.seen``), expiring SEEN_TTL after its last use."""

    @classmethod
    def from_spider(cls, spider: Any) -> RunDupeFilter:
        server = get_redis_from_settings(spider.settings)
        return cls(server, key=keys_of(spider).seen_default, debug=False)

    def seen_key(self, request: Request) -> str:
        """The fingerprint set of the request's run."""
        run = request.meta.get(RUN)
        return keys_of(self.spider).seen(run) if run is not None else self.key

    def request_seen(self, request: Request) -> bool:
        """(The scheduler checks within its push: LeasedQueue.push.)"""
        key = self.seen_key(request)
        with self.server.pipeline() as pipe:
            pipe.sadd(key, self.request_fingerprint(request))
            pipe.expire(key, SEEN_TTL)
            added, _ = pipe.execute()
        return int(added) == 0

    def close(self, reason: str = "") -> None:
        """Keep the fingerprints: other workers are still crawling these runs."""


class RunScheduler(Scheduler):
    """scrapy-redis's scheduler, patient with Redis and giving back its work on close."""

    backlog: Backlog  # the spider's, set when the scheduler opens

    def open(self, spider: Any) -> None:
        super().open(spider)
        self.df.spider = spider
        self.backlog = spider.backlog

    def enqueue_request(self, request: Request) -> bool:
        """Push it now (False: a duplicate, dropped) or, Redis down, once it is back."""
        # a retry's copy replaces the request taken: that lease is acked once the copy is in
        replaced = request.meta.pop(LEASE, None)
        pushed = self.backlog.run(lambda: self._push(request, replaced), "queueing a request")
        if pushed is False:
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def _push(self, request: Request, replaced: str | None) -> bool:
        """Into the shared queue unless seen in its run; then the lease it replaces is acked.
        Safe to send again: a push is one script, an ack of a lease counts once."""
        seen = "" if request.dont_filter else self.df.seen_key(request)
        fingerprint = self.df.request_fingerprint(request) if seen else ""
        pushed = self.queue.push(request, seen, fingerprint)
        if replaced is not None:
            self.queue.ack_token(replaced, request.meta.get(RUN))
        return pushed

    def next_request(self) -> Request | None:
        backoff = self.backlog.backoff
        if not backoff.ready():
            return None
        try:
            self.backlog.replay()
            request: Request | None = self.queue.pop()
        except REDIS_ERRORS as error:
            backoff.failed(error, "taking a request")
            return None
        backoff.succeeded()
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        backoff = self.backlog.backoff
        if self.backlog.owed:
            return True
        if not backoff.ready():
            return False
        try:
            return len(self) > 0
        except REDIS_ERRORS as error:
            backoff.failed(error, "reading the queue length")
            return False

    def close(self, reason: str) -> None:
        """Persist the queue (never flush: other workers use it); give back what was taken."""
        try:
            self.backlog.replay()
            moved = self.queue.give_back()
        except REDIS_ERRORS as error:
            self.spider.logger.error("cannot give back the taken requests: %s", error)
            return
        if moved:
            self.spider.logger.info("%d taken request(s) given back to the queue", moved)
