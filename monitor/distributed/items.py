"""What a worker's spider hands its storing pipeline (monitor.distributed.pipeline)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scrapy import Request

from crawler.items import CrawledArticle


@dataclass(slots=True)
class RunArticle(CrawledArticle):
    """An article of a distributed run; ``request`` is acked once it is stored (a file item,
    which has none, is settled by its ``token``)."""

    site_id: str = ""
    run_id: int = 0
    request: Request | None = None
    token: str = ""


def rendered(meta: dict[str, Any]) -> dict[str, int]:
    """The run counter of a page (its request's meta) the browser rendered."""
    return {"rendered": 1} if meta.get("playwright") else {}
