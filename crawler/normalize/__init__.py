"""HTML -> Article: pure functions, no Scrapy import.

``extract_article`` runs the steps in order: decode and parse (``page``), metadata read around the
headline (``meta``), then the body, its attachments and images (``body``). Every step may raise
``ExtractionError``; a page never yields an empty article.
"""

from __future__ import annotations

from crawler.normalize.body import extract_body
from crawler.normalize.meta import (
    extract_description,
    extract_document_number,
    extract_published_at,
    extract_source,
    extract_title,
)
from crawler.normalize.model import (
    Article,
    Attachment,
    ExtractionError,
    ExtractionRules,
    file_article,
    is_attachment_url,
)
from crawler.normalize.page import Page, parse_page

NORMALIZER_VERSION = "1"

__all__ = [
    "NORMALIZER_VERSION",
    "Article",
    "Attachment",
    "ExtractionError",
    "ExtractionRules",
    "Page",
    "extract_article",
    "file_article",
    "is_attachment_url",
    "parse_page",
]


def extract_article(
    data: bytes,
    url: str,
    http_charset: str | None = None,
    rules: ExtractionRules | None = None,
) -> Article:
    """Extract the article of one page, or raise ExtractionError with the reason."""
    rules = rules or ExtractionRules()
    page = parse_page(data, url, http_charset)
    title, headline = extract_title(page, rules)
    published_at = extract_published_at(page, rules, headline)
    source = extract_source(page, rules, headline)
    description = extract_description(page)
    body = extract_body(page, rules, title, headline)
    return Article(
        url=url,
        title=title,
        paragraphs=body.paragraphs,
        published_at=published_at,
        source=source,
        document_number=extract_document_number(page, body.paragraphs, title),
        description=description,
        attachments=body.attachments,
        images=body.images,
        method=body.method,
    )
