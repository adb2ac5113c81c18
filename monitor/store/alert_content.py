"""An event's rows -> the AlertContent its renderers show (monitor.alerts.contract).

The store reads its rows into plain data here; the alerts never import the store. Page text goes
in raw: the renderers escape it. Times are shown in Asia/Shanghai.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from monitor.alerts.contract import AlertAttachment, AlertContent, shanghai
from monitor.store.delivery_models import Delivery
from monitor.store.models import ArticleVersion, Event, Site, StoredArticle

SERVICE_NAME = "eduwatch"
NOTICE_TITLES = {
    "service_started": "服务已启动",
    "service_stopped": "服务已停止",
    "delivery_dead": "告警投递失败，已放弃重试",
}


def event_content(session: Session, event: Event) -> AlertContent:
    """What an alert about ``event`` may show: its article's current or announced version."""
    site = session.get(Site, event.site_id)
    article = session.get(StoredArticle, event.article_id) if event.article_id else None
    version = session.get(ArticleVersion, event.version_id) if event.version_id else None
    payload: dict[str, Any] = dict(event.payload or {})
    predecessor = payload.get("predecessor")
    return AlertContent(
        kind=event.kind,
        site_id=event.site_id,
        site_name=site.name if site is not None and site.name else event.site_id,
        authority=site.authority if site is not None else "",
        created_at=shanghai(event.created_at),
        column=article.column_name if article is not None else None,
        category=article.category if article is not None else None,
        url=payload.get("url") or (article.url if article is not None else None),
        title=version.title if version is not None else payload.get("title"),
        published_at=version.published_at if version is not None else None,
        source=version.source if version is not None else None,
        document_number=version.document_number if version is not None else None,
        summary=version.lead if version is not None else None,
        text=version.text if version is not None else None,
        attachments=_attachments(version),
        diff=payload.get("diff"),
        predecessor=(
            {"url": str(predecessor.get("url", "")), "title": str(predecessor.get("title", ""))}
            if isinstance(predecessor, dict)
            else None
        ),
        details={k: v for k, v in payload.items() if k not in ("diff", "predecessor")},
    )


def notice_content(delivery: Delivery) -> AlertContent:
    """An operator notice (no event): the service's own news, told in its payload."""
    details = dict(delivery.payload or {})
    return AlertContent(
        kind=delivery.kind,
        site_id=str(details.get("site_id", "")),
        site_name=SERVICE_NAME,
        authority="",
        created_at=shanghai(delivery.created_at),
        title=str(details.get("title") or NOTICE_TITLES.get(delivery.kind, delivery.kind)),
        details=details,
    )


def _attachments(version: ArticleVersion | None) -> tuple[AlertAttachment, ...]:
    if version is None:
        return ()
    return tuple(
        AlertAttachment(name=str(item.get("name", "")), url=str(item.get("url", "")))
        for item in version.attachments or []
    )
