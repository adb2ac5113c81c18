"""HTML -> Article: pure functions, no Scrapy import.

``extract_article`` runs the steps in order: decode and parse (``page``), the metadata table of a
disclosure page (``infotable``), metadata read around the headline (``meta``), then the body,
its attachments and images (``body``) with the metadata table taken out. Every step may raise
``ExtractionError``; a page never yields an empty article, and a page whose text is missing
(only metadata, navigation and footer) is ``no_body``.
"""

from __future__ import annotations

from selectolax.lexbor import LexborNode

from crawler.normalize.body import extract_body
from crawler.normalize.datetext import parse_date
from crawler.normalize.infotable import read_info_table
from crawler.normalize.meta import (
    document_number_in,
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

NORMALIZER_VERSION = "2"

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
    info = read_info_table(page)
    fields = info.fields if info is not None else {}
    title, headline = _title(page, rules, fields.get("title"))
    published_at = _info_date(fields.get("date")) or extract_published_at(page, rules, headline)
    source = fields.get("source") or extract_source(page, rules, headline)
    description = extract_description(page)
    if info is not None:  # metadata, never body; a headline inside it is no mark for the body
        if headline is not None and _inside(headline, info.node):
            headline = None
        info.node.decompose()
    body = extract_body(page, rules, title, headline)
    document_number = _info_docno(fields.get("document_number"))
    return Article(
        url=url,
        title=title,
        paragraphs=body.paragraphs,
        published_at=published_at,
        source=source,
        document_number=document_number or extract_document_number(page, body.paragraphs, title),
        description=description,
        attachments=body.attachments,
        images=body.images,
        method=body.method,
    )


def _title(page: Page, rules: ExtractionRules, named: str | None) -> tuple[str, LexborNode | None]:
    """The headline; the metadata table's `名称` when it has one (the page's headline node is
    still found, for the body)."""
    try:
        title, headline = extract_title(page, rules)
    except ExtractionError:
        if not named:
            raise
        return named, None
    return (named or title), headline


def _inside(node: LexborNode, block: LexborNode) -> bool:
    parent: LexborNode | None = node
    while parent is not None:
        if parent.mem_id == block.mem_id:
            return True
        parent = parent.parent
    return False


def _info_date(value: str | None) -> str | None:
    found = parse_date(value) if value else None
    return found.iso() if found is not None else None


def _info_docno(value: str | None) -> str | None:
    """The `文号` field, in the normalizer's form when it reads as one."""
    if not value:
        return None
    return document_number_in(value) or value
