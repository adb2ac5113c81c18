"""An article's content as a stored version, and the fingerprint that tells revisions apart."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from crawler.names import SHANGHAI
from crawler.normalize import Article
from crawler.urls import canonical_url
from monitor.store.models import ArticleVersion


def fingerprint(article: Article) -> str:
    """sha256 of what makes the content: the title, the body's characters in order, attachments'
    names and URLs (as a set), all without whitespace; so neither a re-flow of paragraphs nor
    fetch time, images, dates or page furniture change it."""
    content = {
        "title": _squeeze(article.title),
        "body": _squeeze("".join(article.paragraphs)),
        "attachments": sorted(
            [_squeeze(a.name), canonical_url(a.url)] for a in article.attachments
        ),
    }
    encoded = json.dumps(content, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def build_version(
    article: Article,
    *,
    article_id: int,
    digest: str,
    normalizer_version: str,
    rules_hash: str | None,
    fetched_at: datetime,
    crawl_run_id: int | None,
    previous_version_id: int | None,
) -> ArticleVersion:
    version = ArticleVersion(
        article_id=article_id,
        previous_version_id=previous_version_id,
        fetched_at=fetched_at,
        crawl_run_id=crawl_run_id,
    )
    restamp(version, article, digest, normalizer_version, rules_hash)
    return version


def restamp(
    version: ArticleVersion,
    article: Article,
    digest: str,
    normalizer_version: str,
    rules_hash: str | None,
) -> None:
    """Write the article's fields into ``version`` (a new one, or the same content re-extracted)."""
    version.title = article.title
    version.published_at = article.published_at
    version.source = article.source
    version.document_number = article.document_number
    version.lead = article.lead
    version.text = article.text
    version.paragraphs = list(article.paragraphs)
    version.attachments = [{"name": a.name, "url": a.url} for a in article.attachments]
    version.images = list(article.images)
    version.method = article.method
    version.fingerprint = digest
    version.normalizer_version = normalizer_version
    version.rules_hash = rules_hash


def appeared_at(published_at: str | None, first_seen: datetime) -> datetime:
    """When the article appeared on its site: its publication time (Asia/Shanghai when the page
    gives no zone), never later than we first saw it; `first_seen` when it has no valid date."""
    if not published_at:
        return first_seen
    try:
        published = datetime.fromisoformat(published_at)
    except ValueError:
        return first_seen
    if published.tzinfo is None:
        published = published.replace(tzinfo=SHANGHAI)
    return min(published, first_seen)


def _squeeze(text: str) -> str:
    """Without any whitespace: a space more or less between Chinese sentences is no revision."""
    return "".join(text.split())
