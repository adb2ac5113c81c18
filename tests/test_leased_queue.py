"""The worker's scrapy-redis parts against the machine's real Redis: a pop is a lease, an ack
counts once, a replayed push counts once, what a lost reply leaves behind is put back or
finished, and a run with work pending is closed only when forced."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from scrapy import Request, Spider

from monitor.distributed.keys import Keys
from monitor.distributed.runs import RunCloser
from monitor.distributed.scrapy_redis_parts import CARRIED, RUN, LeasedQueue
from monitor.store import open_store

REDIS_URL = "redis://127.0.0.1:6379/0"


class QueueOwner(Spider):
    """The attributes LeasedQueue reads of its spider (a worker's)."""

    name = "queue-owner"

    def __init__(self, keys: Keys, worker_id: str) -> None:
        super().__init__()
        self.keys = keys
        self.worker_id = worker_id
        self.mode = "http"
        self.queue: LeasedQueue | None = None


@pytest.fixture
def keys() -> Iterator[Keys]:
    keys = Keys(f"ewqueue-{secrets.token_hex(4)}")
    yield keys
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"{keys.prefix}:*"):
        client.delete(key)
    client.close()


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL)
    yield client
    client.close()


def queue_of(client: redis.Redis, keys: Keys, worker: str) -> LeasedQueue:
    return LeasedQueue(client, QueueOwner(keys, worker), keys.requests())


def request(path: str, run: int = 7, **meta: object) -> Request:
    return Request(f"http://127.0.0.1:9/{path}.html", meta={RUN: run, **meta})


def pending(client: redis.Redis, keys: Keys, run: int = 7) -> int:
    return int(client.hget(keys.run(run), "pending") or 0)


def test_a_push_counts_once_and_a_carried_one_not_at_all(client: redis.Redis, keys: Keys) -> None:
    queue = queue_of(client, keys, "w1")
    first = request("a")
    queue.push(first)
    queue.push(first)  # replayed after a lost reply: the same request, queued once
    queue.push(request("b", **{CARRIED: True}))  # its job counted it
    assert (len(queue), pending(client, keys)) == (2, 1)


def test_a_pop_is_a_lease_and_its_ack_counts_once(client: redis.Redis, keys: Keys) -> None:
    queue = queue_of(client, keys, "w1")
    for path in ("a", "b"):
        queue.push(request(path))
    taken = queue.pop()
    assert taken is not None and client.zcard(keys.taken("w1")) == 1
    assert queue.ack(taken) == 1  # one left in the run
    assert queue.ack(taken) is None  # acked already: nothing counted twice
    last = queue.pop()
    assert last is not None and queue.ack(last) == 0  # the run's work is done
    assert client.zcard(keys.taken("w1")) == 0


def test_a_pop_whose_reply_was_lost_is_put_back_and_a_held_one_kept(
    client: redis.Redis, keys: Keys
) -> None:
    queue = queue_of(client, keys, "w1")
    for path in ("held", "lost"):
        queue.push(request(path, priority=0 if path == "held" else -1))
    held = queue.pop()
    assert held is not None and held.url.endswith("held.html")
    # the pop script ran on Redis but its answer never reached the worker
    client.evalsha(queue._pop.sha, 2, keys.requests(), keys.taken("w1"))
    assert (len(queue), client.zcard(keys.taken("w1"))) == (0, 2)
    assert queue.requeue_orphans() == 1
    assert queue.requeue_orphans() == 0
    back = queue.pop()
    assert back is not None and back.url.endswith("lost.html")
    assert queue.ack(held) == 1 and queue.ack(back) == 0


def test_a_dead_workers_taken_requests_go_back_and_a_live_ones_stay(
    client: redis.Redis, keys: Keys
) -> None:
    alive, dead = queue_of(client, keys, "alive"), queue_of(client, keys, "dead")
    for path in ("a", "b"):
        alive.push(request(path))
    assert alive.pop() is not None and dead.pop() is not None
    client.hset(keys.worker("alive"), "beat", "1")  # only the live one has a heartbeat
    assert alive.requeue_dead() == 1
    assert (len(alive), client.zcard(keys.taken("alive"))) == (1, 1)


def test_a_run_with_work_pending_closes_only_when_forced(
    client: redis.Redis, keys: Keys, tmp_path: Path
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    closer = RunCloser(client, keys, store)
    client.hset(keys.run(7), mapping={"pending": 1, "site": "s", "columns": "[]"})
    client.zadd(keys.runs, {"7": 0})
    assert closer.stalled() == []
    assert closer.close(7) is None  # an ack is still to come
    client.hset(keys.run(7), "pending", 0)  # the last ack done, its answer lost
    assert closer.stalled() == [7]
    store.close()
