"""What the pages and the API both need: the request's context, the store's rows as plain dicts
(times in Asia/Shanghai), an article's chosen version, comparisons, and the operator's retry."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from fastapi import HTTPException, Request
from sqlalchemy.orm import Session

from crawler.names import SHANGHAI
from monitor.commands.diff import Comparison, compare
from monitor.errors import NotFoundError
from monitor.store.delivery_models import Delivery
from monitor.store.models import ArticleVersion, StoredArticle
from monitor.store.outbox_queue import backlog
from monitor.store.outbox_queue import retry as retry_delivery
from monitor.store.queries import article_versions, find_article
from monitor.store.timeline import Page, deliveries_page
from monitor.store.types import utcnow
from monitor.web.auth import matches, presented_token, same_origin
from monitor.web.context import WebContext

Row = TypeVar("Row")


def context(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.context
    return ctx


def shanghai(values: dict[str, Any]) -> dict[str, Any]:
    """The dict with every datetime in Asia/Shanghai."""
    return {
        key: value.astimezone(SHANGHAI) if isinstance(value, datetime) else value
        for key, value in values.items()
    }


def in_shanghai(row: Row) -> Row:
    """A copy of the dataclass ``row`` with its datetimes in Asia/Shanghai."""
    changes = {
        f.name: value.astimezone(SHANGHAI)
        for f in dataclasses.fields(row)  # type: ignore[arg-type]
        if isinstance(value := getattr(row, f.name), datetime)
    }
    return dataclasses.replace(row, **changes)  # type: ignore[type-var]


def article_or_404(session: Session, article_id: int) -> StoredArticle:
    try:
        return find_article(session, str(article_id))
    except NotFoundError:
        raise HTTPException(404, f"没有文章 {article_id}: no article {article_id}") from None


def article_view(
    session: Session, article_id: int, version_id: int | None
) -> tuple[StoredArticle, dict[str, Any]]:
    """The article and its chosen version (default: current) as a dict; 404 when either is
    missing."""
    article = article_or_404(session, article_id)
    versions = list(article_versions(session, article.id))
    chosen = chosen_version(article, versions, version_id)
    if chosen is None:
        raise HTTPException(404, f"文章 {article_id} 没有版本 {version_id}: no such version")
    return article, article_dict(article, chosen, versions)


def chosen_version(
    article: StoredArticle, versions: Sequence[ArticleVersion], version_id: int | None
) -> ArticleVersion | None:
    wanted = version_id if version_id is not None else article.current_version_id
    return next((v for v in versions if v.id == wanted), None)


def article_dict(
    article: StoredArticle, chosen: ArticleVersion, versions: Sequence[ArticleVersion]
) -> dict[str, Any]:
    out = {
        "id": article.id,
        "url": article.url,
        "site_id": article.site_id,
        "column": article.column_name,
        "category": article.category,
        "status": article.status,
        "first_seen": article.first_seen,
        "last_checked": article.last_checked,
        "withdrawn_at": article.withdrawn_at,
        "version_id": chosen.id,
        "title": chosen.title,
        "published_at": chosen.published_at,
        "source": chosen.source,
        "document_number": chosen.document_number,
        "lead": chosen.lead,
        "attachments": [
            {"name": str(a.get("name", "")), "url": str(a.get("url", ""))}
            for a in chosen.attachments or []
        ],
        "text": chosen.text,
        "versions": [
            shanghai(
                {
                    "id": v.id,
                    "previous_version_id": v.previous_version_id,
                    "title": v.title,
                    "published_at": v.published_at,
                    "fetched_at": v.fetched_at,
                    "fingerprint": v.fingerprint,
                    "normalizer_version": v.normalizer_version,
                }
            )
            for v in versions
        ],
    }
    return shanghai(out)


def comparison(session: Session, article_id: int, against: str, version: int | None) -> Comparison:
    """The comparison `eduwatch diff` makes (NotFoundError when a side is missing)."""
    wanted: str | int = int(against) if against.isdigit() else against
    return compare(session, str(article_id), wanted, version)


def deliveries(
    session: Session, status: str | None, page: int, per_page: int
) -> tuple[Page[Delivery], dict[str, int]]:
    return deliveries_page(session, status, page, per_page), backlog(session)


def require_operator(ctx: WebContext, request: Request, form_token: str | None) -> None:
    """403 unless the operator token came with the request, from this site's own pages."""
    if not ctx.token:
        raise HTTPException(
            403, "没有配置操作员令牌（eduwatch.yaml 的 web.token）: no operator token"
        )
    if not same_origin(request):
        raise HTTPException(403, "拒绝来自其他网站的请求: cross-origin request refused")
    if not (matches(ctx.token, form_token) or matches(ctx.token, presented_token(request))):
        raise HTTPException(403, "操作员令牌缺失或错误: the operator token is missing or wrong")


def retry(ctx: WebContext, delivery_id: int) -> list[int]:
    with ctx.store.transaction() as session:
        return retry_delivery(session, delivery_id, utcnow())


def side(version: ArticleVersion) -> dict[str, Any]:
    """One side of a comparison as the diff page heads it."""
    return {
        "id": version.id,
        "article_id": version.article_id,
        "title": version.title,
        "published_at": version.published_at,
        "fetched_at": version.fetched_at,
    }
