"""The worker's storing pipeline: each article of a run into the store, in a thread (the
reactor goes on downloading while PostgreSQL writes), one transaction per article.

An article stored a second time (a request crawled again after its worker died) is
``unchanged`` and raises no event; one a peer stored at the same moment is the peer's.
"""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from monitor.distributed.spider import RunArticle
from monitor.errors import ConcurrentIngestError
from monitor.ingest import ingest_article
from monitor.ledger import STORE_ERRORS


class RunStorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunStorePipeline:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        spider: Any = self.crawler.spider
        if not isinstance(item, RunArticle):
            return item
        ref = spider._ref(spider.sites[item.site_id])
        try:
            result = await asyncio.to_thread(
                ingest_article,
                spider.store,
                ref,
                item.column,
                item.category,
                item.article,
                item.fetched_at,
                item.run_id,
            )
        except ConcurrentIngestError:
            item.change = "unchanged"
            return item
        except STORE_ERRORS as error:
            raise DropItem(f"not stored: {item.article.url}: {error}") from error
        item.change = result.kind
        return item
