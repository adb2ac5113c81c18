"""A worker's run bookkeeping (a mixin of monitor.distributed.spider.WorkerSpider): what it
remembers of each run's site from the store, and the run's counters in Redis.

Every counter write goes through the worker's backlog (monitor.distributed.retry.Backlog): done
now or, Redis down, in order once it is back. What a request found is counted with its ack, in
one script, so a write sent twice after a lost reply counts once; work that is no request (a
file item, a job without requests, the probe guard) is settled once per token. The ack that
leaves a run with nothing pending claims its probes or closes it (``_done``).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from scrapy import Request

from crawler.sites import SiteConfig
from monitor.distributed.keys import Keys
from monitor.distributed.probes import PROBED
from monitor.distributed.retry import REDIS_ERRORS, Backlog
from monitor.distributed.runs import RunCloser
from monitor.distributed.scrapy_redis_parts import RUN, LeasedQueue
from monitor.ingest import SiteRef, due_for_recheck, known_urls
from monitor.ledger import STORE_ERRORS, site_ref
from monitor.store import Store

RUN_CACHE = 512  # runs whose known URLs a worker keeps in memory


class RunBook:
    """The spider's run memory and run counters (see the module's docstring)."""

    server: Any  # a redis.Redis: scrapy-redis sets it (untyped)
    keys: Keys
    store: Store
    queue: LeasedQueue
    backlog: Backlog
    closer: RunCloser
    refs: dict[str, SiteRef]
    known: OrderedDict[int, set[str]]
    due: OrderedDict[int, set[str]]

    if TYPE_CHECKING:

        @property
        def logger(self) -> logging.LoggerAdapter[logging.Logger]: ...

        def _probe(self, run: int, counters: dict[str, str]) -> int:
            """Queue the run's probes; how many (the spider's)."""

    # -- the store ---------------------------------------------------------------------------
    def ref_of(self, site: SiteConfig) -> SiteRef:
        """The site as the store knows it (the storing pipeline asks too), made once."""
        if site.id not in self.refs:
            self.refs[site.id] = site_ref(site)
        return self.refs[site.id]

    def _known(self, run: int, ref: SiteRef) -> set[str]:
        if run not in self.known:
            self.known[run] = known_urls(self.store, ref)
            while len(self.known) > RUN_CACHE:
                self.known.popitem(last=False)
        return self.known[run]

    def _due(self, run: int, ref: SiteRef, first_page: list[str]) -> set[str]:
        if run not in self.due:
            self.due[run] = due_for_recheck(self.store, ref, [])
            while len(self.due) > RUN_CACHE:
                self.due.popitem(last=False)
        if first_page:
            self.due[run] |= due_for_recheck(self.store, ref, first_page)
        return self.due[run]

    # -- Redis bookkeeping -------------------------------------------------------------------
    def _count(self, run: int, fields: dict[str, str], **increments: int) -> None:
        key = self.keys.run(run)

        def count() -> None:
            with self.server.pipeline() as pipe:
                if fields:
                    pipe.hset(key, mapping=fields)
                for name, amount in increments.items():
                    pipe.hincrby(key, name, amount)
                pipe.execute()

        self.backlog.run(count, f"counting run {run}")

    def _settle(
        self, run: int, token: str, fields: dict[str, str] | None = None, **increments: int
    ) -> None:
        """Work of the run that is no request is done (once per ``token``), with its counts."""

        def settle() -> None:
            left = self.queue.settle(run, token, fields, increments)
            if left is not None and left <= 0:
                self._done(run)

        self.backlog.run(settle, f"counting run {run}")

    def _ack(
        self, request: Request | None, fields: dict[str, str] | None = None, **increments: int
    ) -> None:
        """The request is done, with what it found counted in its run (once, with the ack)."""
        if request is None:
            return

        def ack() -> None:
            left = self.queue.ack(request, fields, increments)
            if left is not None and left <= 0:
                self._done(int(request.meta[RUN]))

        self.backlog.run(ack, "acking a request")

    def _done(self, run: int) -> None:
        """The run's work is all acked: its probes are queued (once, by whoever claims them;
        a guard in ``pending`` holds the run open meanwhile), else it closes."""
        counters = self.closer.claim_probes(run)
        if counters is None:
            self._close(run)
            return
        outcome = {"fail:probes": 1}
        try:
            outcome = {"probes": self._probe(run, counters)}
        except STORE_ERRORS + REDIS_ERRORS + (KeyError,) as error:
            self.logger.error("run %s: its probes are not made: %s", run, error)
        finally:
            self._settle(run, counters[PROBED], {}, **outcome)

    def _close(self, run: int) -> None:
        status = self.closer.close(run)
        self.known.pop(run, None)
        self.due.pop(run, None)
        if status is not None:
            self.logger.info("run %s finished: %s", run, status)
