"""Item pipelines of the crawler alone: each article as one JSON line when the crawl has
``output``. The pipeline that stores is the monitor's (monitor.ledger.IngestPipeline), named by
dotted path in the monitor's Scrapy settings (monitor.scrapy_settings)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from scrapy.crawler import Crawler

from crawler.items import CrawledArticle


class JsonLinesPipeline:
    """Each article as one JSON line (UTF-8, Chinese as is) when the crawl has ``output``."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.file: IO[str] | None = None
        self.site_id = ""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        spider: Any = self.crawler.spider
        output: Path | None = getattr(spider, "output", None)
        if output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
            self.file = output.open("w", encoding="utf-8")
            self.site_id = spider.site.id

    def process_item(self, item: Any) -> Any:
        if self.file is not None and isinstance(item, CrawledArticle):
            self.file.write(json.dumps(item.record(self.site_id), ensure_ascii=False) + "\n")
            self.file.flush()
        return item

    def close_spider(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
