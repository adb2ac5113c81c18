"""The worker's scrapy-redis parts against the machine's real Redis: a pop is a lease, an ack
counts once, a replayed push counts once, what a lost reply leaves behind is put back or
finished, and a run with work pending is closed only when forced. ``Replaying`` is a client
that sends every script twice and hears only the second answer: a reply lost to an outage,
after which redis-py sends the command again."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from scrapy import Request, Spider

from crawler.sites import load_sites
from monitor.distributed.enqueue import Dispatcher
from monitor.distributed.keys import Keys
from monitor.distributed.leader import Leadership
from monitor.distributed.probes import PROBED
from monitor.distributed.runs import RunCloser
from monitor.distributed.scrapy_redis_parts import CARRIED, PREFETCH, RUN, LeasedQueue
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


class Replaying(redis.Redis):
    """Runs each script twice; the first answer is lost."""

    def evalsha(self, *args: Any) -> Any:  # type: ignore[override]
        super().evalsha(*args)
        return super().evalsha(*args)


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
    assert taken is not None and client.zcard(keys.taken("w1")) == 2  # the other prefetched
    assert queue.ack(taken) == 1  # one left in the run
    assert queue.ack(taken) is None  # acked already: nothing counted twice
    last = queue.pop()
    assert last is not None and queue.ack(last) == 0  # the run's work is done
    assert client.zcard(keys.taken("w1")) == 0


def test_a_pop_whose_reply_was_lost_is_put_back_and_a_held_one_kept(
    client: redis.Redis, keys: Keys
) -> None:
    queue = queue_of(client, keys, "w1")
    queue.push(request("held"))
    held = queue.pop()
    assert held is not None and held.url.endswith("held.html")
    queue.push(request("lost"))
    # the pop script ran on Redis but its answer never reached the worker
    client.evalsha(queue._pop.sha, 2, keys.requests(), keys.taken("w1"), 1)
    assert (len(queue), client.zcard(keys.taken("w1"))) == (0, 2)
    assert queue.requeue_orphans() == 1
    assert queue.requeue_orphans() == 0
    back = queue.pop()
    assert back is not None and back.url.endswith("lost.html")
    assert queue.ack(held) == 1 and queue.ack(back) == 0


def test_a_pop_takes_a_few_requests_at_once_all_leased_and_given_back_on_close(
    client: redis.Redis, keys: Keys
) -> None:
    queue = queue_of(client, keys, "w1")
    for index in range(PREFETCH + 2):
        queue.push(request(f"p{index}", priority=-index))
    first = queue.pop()
    assert first is not None and first.url.endswith("p0.html")  # in priority order
    assert client.zcard(keys.taken("w1")) == PREFETCH  # the prefetched ones are leased too
    assert len(queue) == PREFETCH + 1  # the engine still sees them as pending
    assert queue.requeue_orphans() == 0  # held, not orphans
    second = queue.pop()
    assert second is not None and second.url.endswith("p1.html")
    assert queue.give_back() == PREFETCH
    assert (len(queue), client.zcard(keys.taken("w1"))) == (PREFETCH + 2, 0)


def test_a_dead_workers_taken_requests_go_back_and_a_live_ones_stay(
    client: redis.Redis, keys: Keys
) -> None:
    alive, dead = queue_of(client, keys, "alive"), queue_of(client, keys, "dead")
    alive.push(request("a"))
    assert alive.pop() is not None
    alive.push(request("b"))
    assert dead.pop() is not None
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


@pytest.fixture
def replaying() -> Iterator[redis.Redis]:
    client = Replaying.from_url(REDIS_URL)
    yield client
    client.close()


def test_a_push_checks_its_run_fingerprints_and_a_replayed_one_is_one_push(
    client: redis.Redis, replaying: redis.Redis, keys: Keys
) -> None:
    queue = queue_of(client, keys, "w1")
    seen = keys.seen(7)
    assert queue.push(request("a"), seen, "fp-a")
    assert not queue.push(request("a2"), seen, "fp-a")  # the same page by another URL form
    queue_of(replaying, keys, "w1").push(request("b"), seen, "fp-b")
    assert (len(queue), pending(client, keys)) == (2, 2)
    assert client.ttl(seen) > 0  # the fingerprints expire with their run


def test_an_ack_carries_its_counts_once(
    client: redis.Redis, replaying: redis.Redis, keys: Keys
) -> None:
    queue = queue_of(client, keys, "w1")
    for path in ("a", "b"):
        queue.push(request(path))
    taken = queue.pop()
    assert taken is not None
    queue._ack = replaying.register_script(queue._ack.script)
    assert queue.ack(taken, {"col:x": "ok"}, {"articles": 1, "change:new": 1}) is None  # lost
    counters = client.hgetall(keys.run(7))
    assert counters[b"articles"] == b"1" and counters[b"change:new"] == b"1"
    assert (counters[b"col:x"], pending(client, keys)) == (b"ok", 1)


def test_work_that_is_no_request_settles_once_per_token(
    client: redis.Redis, replaying: redis.Redis, keys: Keys
) -> None:
    client.hset(keys.run(7), mapping={"pending": 2})
    queue = queue_of(replaying, keys, "w1")
    assert queue.settle(7, "item-1", {}, {"articles": 1}) == 1
    assert queue.settle(7, "item-1", {}, {"articles": 1}) == 1  # sent again later: no effect
    assert queue.settle(7, "item-2") == 0
    assert (pending(client, keys), client.hget(keys.run(7), "articles")) == (0, b"1")
    assert queue.settle(8, "item-3") is None  # a closed run


def test_a_claim_whose_reply_was_lost_is_still_the_claimants(
    client: redis.Redis, replaying: redis.Redis, keys: Keys, tmp_path: Path
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    client.hset(keys.run(7), mapping={"pending": 0, "site": "s", "columns": "[]"})
    counters = RunCloser(replaying, keys, store).claim_probes(7)
    assert counters is not None and pending(client, keys) == 1  # one guard
    assert RunCloser(client, keys, store).claim_probes(7) is None  # a peer's claim loses
    assert queue_of(client, keys, "w1").settle(7, counters[PROBED]) == 0
    store.close()


def test_dead_workers_of_every_mode_and_of_the_old_key_format_are_put_back(
    client: redis.Redis, keys: Keys
) -> None:
    client.zadd(keys.taken("b1", "browser"), {b"rendered": 0})
    client.zadd(f"{keys.prefix}:taken:old-worker", {b"from-before-modes": 0})
    assert queue_of(client, keys, "http-worker").requeue_dead() == 2  # a plain worker reaps all
    assert client.zrange(keys.requests("browser"), 0, -1) == [b"rendered"]
    assert client.zrange(keys.requests(), 0, -1) == [b"from-before-modes"]


def test_a_dispatch_whose_reply_was_lost_is_queued_not_failed(
    replaying: redis.Redis, client: redis.Redis, keys: Keys, tmp_path: Path
) -> None:
    sites = tmp_path / "sites"
    sites.mkdir()
    (sites / "s.yaml").write_text(
        "id: s\nname: 测试教育厅\nauthority: 测试\nadapter: trs\ncolumns:\n"
        "  - {name: 通知公告, url: 'http://127.0.0.1:9/tzgg/index.html', category: notice}\n"
        "  - {name: 工作动态, url: 'http://127.0.0.1:9/gzdt/index.html', category: news}\n",
        "utf-8",
    )
    loaded = load_sites(tmp_path)
    assert not loaded.errors, loaded.errors
    site = loaded.sites[0]
    store = open_store(f"sqlite:///{tmp_path / 'runs.sqlite'}")
    leadership = Leadership(client, keys, 30)
    assert leadership.step()
    done = Dispatcher(replaying, keys, leadership, store, 300).dispatch(site)
    assert done.status == "queued", done
    assert client.llen(keys.jobs()) == 2 and pending(client, keys, done.run_id or 0) == 2
    again = Dispatcher(client, keys, leadership, store, 300).dispatch(site)
    assert again.status == "running"  # the site's run is open
    store.close()
