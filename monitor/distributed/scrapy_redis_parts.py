"""The small scrapy-redis subclasses of a worker (scrapy-redis 0.9.1, pinned).

- ``LeasedQueue``: scrapy-redis's PriorityQueue whose pop moves the request, in one script,
  into the worker's *taken* set; the spider acks it when its callback or errback is done (the
  requests that callback yielded are queued by then). A worker that dies leaves its taken set
  behind, and any live worker puts it back into the queue (``requeue_dead``): a SIGKILL loses
  nothing. Pushing a request of a run counts it in the run's ``pending`` (once, even when a push
  is sent again after a lost reply); an ack uncounts it (once), and the ack that reaches zero
  tells its caller the run is done. A pop whose reply was lost leaves a request taken that the
  worker never received: ``requeue_orphans`` puts it back.
- ``RunDupeFilter``: scrapy-redis's RFPDupeFilter, one fingerprint set per run (each run crawls
  what the last one saw; the set expires with its run), so nothing needs clearing per cycle.
- ``RunScheduler``: scrapy-redis's Scheduler that rides out a Redis outage (requests it cannot
  push wait in memory, remembering how far they got; pops back off) and, on close, gives back
  what the worker had taken.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from scrapy import Request
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from monitor.distributed.browser import mode_of
from monitor.distributed.keys import Keys
from monitor.distributed.retry import REDIS_ERRORS, Backoff

RUN = "eduwatch_run"  # request meta: the run id the request belongs to
LEASE = "eduwatch_lease"  # request meta: the taken-set member it was popped as
CARRIED = "eduwatch_carried"  # request meta: already counted in pending (a job's first request)
SEEN_TTL = 2 * 86400  # seconds a run's fingerprint set outlives its last use

_POP = """
local found = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #found == 0 then return false end
redis.call('ZREM', KEYS[1], found[1])
redis.call('ZADD', KEYS[2], found[2], found[1])
return found[1]
"""
_PUSH = """
if redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2]) == 1 and KEYS[2] ~= '' then
  redis.call('HINCRBY', KEYS[2], 'pending', 1)
end
"""
_ACK = """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return -1 end
if KEYS[2] == '' or redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
return redis.call('HINCRBY', KEYS[2], 'pending', -1)
"""
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


class LeasedQueue(PriorityQueue):
    """A priority queue whose pops are leases (see the module's docstring)."""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        self.keys = keys_of(spider)
        self.mode: str = spider.mode
        self.taken_key = self.keys.taken(spider.worker_id, self.mode)
        self.members: dict[str, bytes] = {}  # lease token -> taken-set member
        self._push = server.register_script(_PUSH)
        self._pop = server.register_script(_POP)
        self._untake = server.register_script(_UNTAKE)
        self._ack = server.register_script(_ACK)
        self._requeue = server.register_script(_REQUEUE)
        spider.queue = self

    def push(self, request: Request) -> None:
        """Queue it, counted in its run's pending unless carried (or queued already: a push
        replayed after a lost reply counts once)."""
        data = self._encode_request(request)
        run = request.meta.get(RUN)
        run_key = self.keys.run(run) if run is not None and not request.meta.get(CARRIED) else ""
        queue = self.keys.requests(mode_of(request))  # browser work: the browser workers'
        self._push(keys=[queue, run_key], args=[-request.priority, data])

    def pop(self, timeout: int = 0) -> Request | None:
        data = self._pop(keys=[self.key, self.taken_key])
        if not data:
            return None
        request: Request = self._decode_request(data)
        token = hashlib.sha1(data).hexdigest()
        self.members[token] = data
        request.meta[LEASE] = token
        request.meta.pop(CARRIED, None)
        return request

    def ack(self, request: Request) -> int | None:
        """The request is done: out of the taken set, one less pending in its run. Returns the
        run's pending count left (0: the run is done), None when it counts for no run (or it
        was put back meanwhile: its new taker counts it)."""
        left = self.ack_token(request.meta.get(LEASE), request.meta.get(RUN))
        request.meta.pop(LEASE, None)
        return left

    def ack_token(self, token: str | None, run: Any) -> int | None:
        """As ``ack``; a Redis error leaves the lease in place (ack again later)."""
        if token is None or token not in self.members:
            return None
        run_key = self.keys.run(run) if run is not None else ""
        left = int(self._ack(keys=[self.taken_key, run_key], args=[self.members[token]]))
        del self.members[token]
        return left if left >= 0 else None

    def give_back(self) -> int:
        """All this worker has taken, back into the queue (a clean stop)."""
        moved = int(self._requeue(keys=[self.keys.worker("-"), self.taken_key, self.key], args=[]))
        self.members.clear()
        return max(moved, 0)

    def requeue_orphans(self) -> int:
        """Put back what this worker's taken set holds that the worker does not: a pop whose
        reply was lost (Redis went down while answering, the client sent it again)."""
        held = set(self.members.values())
        orphans = [
            (member, score)
            for member, score in self.server.zrange(self.taken_key, 0, -1, withscores=True)
            if member not in held
        ]
        for member, score in orphans:
            self._untake(keys=[self.taken_key, self.key], args=[score, member])
        return len(orphans)

    def requeue_dead(self) -> int:
        """The taken sets of this mode's workers whose heartbeat expired, back into the queue."""
        moved = 0
        for name in self.server.scan_iter(match=self.keys.taken_pattern(self.mode), count=100):
            key = name.decode() if isinstance(name, bytes) else str(name)
            worker = key.rsplit(":", 1)[-1]
            moved += max(
                0, int(self._requeue(keys=[self.keys.worker(worker), key, self.key], args=[]))
            )
        return moved


class RunDupeFilter(RFPDupeFilter):
    """One fingerprint set per run (``Keys.seen``), expiring SEEN_TTL after its last use."""

    @classmethod
    def from_spider(cls, spider: Any) -> RunDupeFilter:
        server = get_redis_from_settings(spider.settings)
        return cls(server, key=keys_of(spider).seen_default, debug=False)

    def request_seen(self, request: Request) -> bool:
        run = request.meta.get(RUN)
        key = keys_of(self.spider).seen(run) if run is not None else self.key
        with self.server.pipeline() as pipe:
            pipe.sadd(key, self.request_fingerprint(request))
            pipe.expire(key, SEEN_TTL)
            added, _ = pipe.execute()
        return int(added) == 0

    def close(self, reason: str = "") -> None:
        """Keep the fingerprints: other workers are still crawling these runs."""


@dataclass(slots=True)
class Waiting:
    """A request not queued yet (Redis down), and how far it got: the dupefilter passed it
    (its fingerprint is recorded: asking again would drop it), it was pushed (and counted), the
    lease it replaces is still to ack."""

    request: Request
    replaced: str | None = None
    checked: bool = False
    pushed: bool = False


class RunScheduler(Scheduler):
    """scrapy-redis's scheduler, patient with Redis and giving back its work on close."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.waiting: list[Waiting] = []
        self.backoff = Backoff()

    def open(self, spider: Any) -> None:
        super().open(spider)
        self.df.spider = spider
        spider.frontier = self

    def enqueue_request(self, request: Request) -> bool:
        # a retry's copy replaces the request taken: that lease is acked once the copy is in
        entry = Waiting(request, replaced=request.meta.pop(LEASE, None))
        if not self.backoff.ready():
            self.waiting.append(entry)
            return True
        try:
            self.flush_waiting()
            if not self._push(entry):
                return False
        except REDIS_ERRORS as error:
            self.backoff.failed(error, "queueing a request")
            self.waiting.append(entry)
            return True
        self.backoff.succeeded()
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def _push(self, entry: Waiting) -> bool:
        """Into the shared queue unless seen in its run; False: a duplicate, dropped."""
        request = entry.request
        if not (entry.checked or request.dont_filter):
            if self.df.request_seen(request):
                return False
            entry.checked = True
        if not entry.pushed:
            self.queue.push(request)
            entry.pushed = True
        if entry.replaced is not None:
            self.queue.ack_token(entry.replaced, request.meta.get(RUN))
            entry.replaced = None
        return True

    def flush_waiting(self) -> None:
        """Push the requests that waited for Redis, in order (an error stops at the first)."""
        while self.waiting:
            self._push(self.waiting[0])
            self.waiting.pop(0)

    def next_request(self) -> Request | None:
        if not self.backoff.ready():
            return None
        try:
            self.flush_waiting()
            request: Request | None = self.queue.pop()
        except REDIS_ERRORS as error:
            self.backoff.failed(error, "taking a request")
            return None
        self.backoff.succeeded()
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        if self.waiting:
            return True
        if not self.backoff.ready():
            return False
        try:
            return len(self) > 0
        except REDIS_ERRORS as error:
            self.backoff.failed(error, "reading the queue length")
            return False

    def close(self, reason: str) -> None:
        """Persist the queue (never flush: other workers use it); give back what was taken."""
        try:
            self.flush_waiting()
            moved = self.queue.give_back()
        except REDIS_ERRORS as error:
            self.spider.logger.error("cannot give back the taken requests: %s", error)
            return
        if moved:
            self.spider.logger.info("%d taken request(s) given back to the queue", moved)
