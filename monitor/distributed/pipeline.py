"""The worker's storing pipeline: each article of a run into the store, in a thread (the
reactor goes on downloading while PostgreSQL writes).

Storing is a group commit: one batch at a time is in flight, and the articles that arrive
meanwhile are stored together in the next one (one transaction, a SAVEPOINT each:
monitor.ingest.ingest_batch). A lone article is stored at once; each article's outcome is the
one it would have alone.

An article stored a second time (a request crawled again after its worker died) is
``unchanged`` and raises no event; one a peer stored at the same moment is the peer's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from monitor.distributed.items import RunArticle
from monitor.errors import ConcurrentIngestError
from monitor.ingest import IngestRequest, IngestResult, Outcome, ingest_batch
from monitor.ledger import STORE_ERRORS

BATCH_LIMIT = 32
"""Articles stored in one transaction at most."""

_Waiting = tuple[IngestRequest, asyncio.Future[IngestResult]]


class GroupCommit:
    """Stores articles in batches (``store_batch``, in a thread), one batch in flight at a time;
    what arrives while it is in flight goes in the next one, up to ``limit`` articles."""

    def __init__(
        self,
        store_batch: Callable[[list[IngestRequest]], list[Outcome]],
        limit: int = BATCH_LIMIT,
    ) -> None:
        self.store_batch = store_batch
        self.limit = limit
        self.waiting: list[_Waiting] = []
        self.draining: asyncio.Task[None] | None = None

    async def store(self, request: IngestRequest) -> IngestResult:
        """The article's result, or what storing it raised."""
        future: asyncio.Future[IngestResult] = asyncio.get_running_loop().create_future()
        self.waiting.append((request, future))
        if self.draining is None:
            self.draining = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self.waiting:
                batch = self.waiting[: self.limit]
                del self.waiting[: self.limit]
                await self._store(batch)
        finally:
            self.draining = None

    async def _store(self, batch: list[_Waiting]) -> None:
        try:
            outcomes = await asyncio.to_thread(self.store_batch, [r for r, _ in batch])
        except asyncio.CancelledError:
            for _, future in batch:
                future.cancel()
            raise
        except Exception as error:
            outcomes = [error] * len(batch)
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():  # its item was cancelled
                continue
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)


class RunStorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.batches = GroupCommit(self._store_batch)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunStorePipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        spider: Any = self.crawler.spider
        if not isinstance(item, RunArticle):
            return item
        ref = spider.ref_of(spider.sites[item.site_id])
        try:
            request = IngestRequest(
                ref, item.column, item.category, item.article, item.fetched_at, item.run_id
            )
            result = await self.batches.store(request)
        except ConcurrentIngestError:
            item.change = "unchanged"
            return item
        except STORE_ERRORS as error:
            raise DropItem(f"not stored: {item.article.url}: {error}") from error
        item.change = result.kind
        return item

    def _store_batch(self, requests: list[IngestRequest]) -> list[Outcome]:
        spider: Any = self.crawler.spider
        return ingest_batch(spider.store, requests)
