"""A run in distributed mode: its counters in Redis while its columns are crawled, its outcome,
and its closing in the store (by the worker whose ack ends it, or by the leader at its deadline:
whoever removes it from the open runs first).

Counters (hash ``Keys.run``): ``site``, ``columns`` (JSON list), ``pending`` (requests and items
not finished), ``pages``, ``items``, ``articles``, ``col:<column>`` (its status: ok, broken,
failed, challenge, blocked), ``why:<column>``, ``fail:<reason>``, ``change:<kind>``; and of its
probes (monitor.distributed.probes): ``probed``, ``probes``, ``gone``, ``vanished:<url>``,
``gone:<url>``, ``alive:<url>``.

When its pending work first reaches zero, a run's probes are claimed (``claim_probes``); when it
reaches zero again (or there were none), it closes: its withdrawal evidence goes to the store as
its listings, the run is finished, and the site's suspects are settled.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

import redis
from loguru import logger

from crawler.names import RunStatus
from crawler.spiders.state import LISTED
from monitor.distributed.keys import Keys, as_text
from monitor.distributed.probes import PROBED, Evidence, RunProbes
from monitor.distributed.retry import REDIS_ERRORS
from monitor.ingest import finish_run
from monitor.ledger import STORE_ERRORS
from monitor.store import Store

_CLOSE = """
if ARGV[2] == '' and tonumber(redis.call('HGET', KEYS[2], 'pending') or '0') > 0 then
  return false
end
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return false end
local counters = redis.call('HGETALL', KEYS[2])
local site = redis.call('HGET', KEYS[2], 'site')
if site and redis.call('HGET', KEYS[3], site) == ARGV[1] then redis.call('HDEL', KEYS[3], site) end
redis.call('DEL', KEYS[2])
return counters
"""
_CLAIM = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return false end
  return redis.call('HGETALL', KEYS[1])
end
redis.call('HINCRBY', KEYS[1], 'pending', 1)
return redis.call('HGETALL', KEYS[1])
"""
"""Claim with a nonce: a claim sent again after a lost reply is the same claimant's (its guard
counted once), not a lost race."""


def decode(raw: Mapping[Any, Any] | list[Any]) -> dict[str, str]:
    """A Redis hash (a mapping, or HGETALL's flat list from a script) as str -> str."""
    if isinstance(raw, list):
        raw = dict(zip(raw[::2], raw[1::2], strict=True))
    return {as_text(key): as_text(value) for key, value in raw.items()}


def outcome(
    counters: Mapping[str, str], forced: str | None = None
) -> tuple[RunStatus, str | None, dict[str, Any]]:
    """The run's status, error and stats from its counters (``forced``: it did not finish)."""
    columns: list[str] = json.loads(counters.get("columns", "[]"))
    status_of = {name: counters.get(f"col:{name}", "failed") for name in columns}
    failures = {
        key.removeprefix("fail:"): int(value)
        for key, value in counters.items()
        if key.startswith("fail:")
    }
    stats: dict[str, Any] = {
        "pages": int(counters.get("pages", 0)),
        "items": int(counters.get("items", 0)),
        "articles": int(counters.get("articles", 0)),
        "probes": int(counters.get("probes", 0)),
        "gone": int(counters.get("gone", 0)),
        "rendered": int(counters.get("rendered", 0)),
        "escalated": int(counters.get("escalated", 0)),
        "changes": {
            key.removeprefix("change:"): int(value)
            for key, value in sorted(counters.items())
            if key.startswith("change:")
        },
        "failures": dict(sorted(failures.items())),
        "columns": status_of,
        "distributed": True,
    }
    problems = [
        f"{name}: {counters.get(f'why:{name}') or status}"
        for name, status in status_of.items()
        if status not in LISTED
    ]
    if forced is not None:
        return "failed", forced, stats
    if not any(status in LISTED for status in status_of.values()):
        return "failed", "; ".join(problems) or "no column to crawl", stats
    if problems or failures:
        counted = ", ".join(f"{reason} {n}" for reason, n in sorted(failures.items()))
        return "partial", "; ".join(problems + ([f"failed: {counted}"] if counted else [])), stats
    return "ok", None, stats


class RunCloser:
    """Claims a run's probes and closes runs: each once, whoever comes first."""

    def __init__(self, client: redis.Redis, keys: Keys, store: Store) -> None:
        self.client = client
        self.keys = keys
        self.store = store
        self.probes = RunProbes(client, keys, store)
        self._close = client.register_script(_CLOSE)
        self._claim = client.register_script(_CLAIM)

    def stalled(self) -> list[int]:
        """Open runs with no work pending whose last ack nobody heard (its reply was lost)."""
        runs = [int(as_text(raw)) for raw in self.client.zrange(self.keys.runs, 0, -1)]
        with self.client.pipeline(transaction=False) as pipe:
            for run_id in runs:
                pipe.hget(self.keys.run(run_id), "pending")
            pending = pipe.execute()
        return [run for run, left in zip(runs, pending, strict=True) if left and int(left) <= 0]

    def claim_probes(self, run_id: int) -> dict[str, str] | None:
        """The run's counters when the caller is the one to probe it, a guard counted in its
        ``pending`` (settle it, with the token ``counters[PROBED]``, once the probes are
        queued); None when the run is closed or its probes were claimed already (then it
        closes)."""
        raw = self._claim(keys=[self.keys.run(run_id)], args=[PROBED, secrets.token_hex(8)])
        return decode(raw) if raw else None

    def close(self, run_id: int, forced: str | None = None) -> str | None:
        """Finish the run in the store if nobody has; its status (None: closed already, or
        work of it is pending and it is not ``forced`` closed)."""
        raw = self._close(
            keys=[self.keys.runs, self.keys.run(run_id), self.keys.site_runs],
            args=[run_id, forced or ""],
        )
        if not raw:
            return None
        counters = decode(raw)
        status, error, stats = outcome(counters, forced)
        evidence = Evidence.of(counters)
        try:
            evidence.record(self.store, run_id)
            recorded = finish_run(self.store, run_id, status, stats, error).status
        except STORE_ERRORS as problem:
            # Not recorded: open again, due now, so the leader closes it (as failed) later.
            self.client.zadd(self.keys.runs, {str(run_id): 0})
            logger.error("run {} not recorded in the store: {}", run_id, problem)
            return None
        try:
            self.probes.settle(counters.get("site", ""), run_id, evidence, recorded == "ok")
        except STORE_ERRORS + REDIS_ERRORS as problem:
            logger.warning("run {}: its site's withdrawal suspects not kept: {}", run_id, problem)
        return recorded
