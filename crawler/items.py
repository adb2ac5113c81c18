"""What the spider yields: one article of a crawl on its way through the item pipelines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crawler.normalize import Article


@dataclass(slots=True)
class CrawledArticle:
    """One article of the crawl; a storing pipeline sets ``change`` (None: not stored)."""

    article: Article
    column: str
    category: str
    fetched_at: datetime
    change: str | None = None  # new, revised, unchanged, baseline (crawler.names.CHANGE_KINDS)

    def record(self, site_id: str) -> dict[str, Any]:
        """The JSON line of ``--output``: the article's fields and where it came from."""
        return {
            "site": site_id,
            "column": self.column,
            "category": self.category,
            **self.article.to_dict(),
            "fetched_at": self.fetched_at.isoformat(),
            "change": self.change,
        }


def now_utc() -> datetime:
    return datetime.now(UTC)
