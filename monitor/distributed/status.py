"""What `eduwatch status` shows of distributed mode: the workers (alive, current site, pages a
minute) and the depth of the queues, read from Redis."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TextIO

import redis

from monitor.distributed.keys import RENDER_MODES, Keys, as_text
from monitor.distributed.runs import decode


@dataclass(frozen=True, slots=True)
class WorkerView:
    name: str
    alive: bool
    site: str
    pages: int
    pages_per_min: int
    state: str
    seen_ago: float | None  # seconds since its last heartbeat (None: expired)
    mode: str = "http"  # the queues it takes: http or browser


@dataclass(frozen=True, slots=True)
class QueueView:
    jobs: dict[str, int]  # render mode -> column jobs waiting
    requests: dict[str, int]  # render mode -> requests waiting
    taken: int  # requests taken by workers, not finished
    open_runs: int
    leader: int | None  # the leader's fencing token


def read_workers(client: redis.Redis, keys: Keys) -> list[WorkerView]:
    """Every worker seen; the dead ones (heartbeat expired) are shown once, then forgotten."""
    views = []
    now = time.time()
    for raw in sorted(client.smembers(keys.workers)):
        name = as_text(raw)
        info = decode(client.hgetall(keys.worker(name)))
        if not info:
            client.srem(keys.workers, name)
            views.append(WorkerView(name, False, "", 0, 0, "gone", None, "-"))
            continue
        views.append(
            WorkerView(
                name,
                True,
                info.get("site", ""),
                int(info.get("pages", 0)),
                int(info.get("pages_per_min", 0)),
                info.get("state", ""),
                round(now - float(info.get("beat", now)), 1),
                info.get("mode", "http"),
            )
        )
    return views


def read_queues(client: redis.Redis, keys: Keys) -> QueueView:
    taken = sum(int(client.zcard(key)) for key in client.scan_iter(match=keys.taken_pattern()))
    leader = client.get(keys.leader)
    return QueueView(
        jobs={mode: int(client.llen(keys.jobs(mode))) for mode in RENDER_MODES},
        requests={mode: int(client.zcard(keys.requests(mode))) for mode in RENDER_MODES},
        taken=taken,
        open_runs=int(client.zcard(keys.runs)),
        leader=int(leader) if leader is not None else None,
    )


def write_distributed(client: redis.Redis, keys: Keys, out: TextIO) -> None:
    workers = read_workers(client, keys)
    queues = read_queues(client, keys)
    out.write(
        f"{'worker':<28}{'alive':<7}{'mode':<9}{'state':<10}{'site':<16}{'pages/min':>10}"
        f"{'pages':>9}\n"
    )
    for w in workers:
        out.write(
            f"{w.name:<28}{'yes' if w.alive else 'no':<7}{w.mode:<9}{w.state:<10}"
            f"{w.site or '-':<16}{w.pages_per_min:>10}{w.pages:>9}\n"
        )
    if not workers:
        out.write("no worker alive\n")
    waiting = "; ".join(
        f"{mode}: {queues.jobs[mode]} column jobs, {queues.requests[mode]} requests"
        for mode in RENDER_MODES
    )
    if (queues.jobs["browser"] or queues.requests["browser"]) and not any(
        w.alive and w.mode == "browser" for w in workers
    ):
        out.write(
            "browser work is waiting and no browser worker is alive: start one with "
            "`eduwatch worker --browser`\n"
        )
    leader = f"token {queues.leader}" if queues.leader is not None else "none"
    out.write(
        f"queue: {waiting}; {queues.taken} taken by workers; {queues.open_runs} open runs; "
        f"leader: {leader}\n"
    )
