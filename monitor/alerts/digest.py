"""Alerts the per-event renderer does not make: a digest (several alerts as one message) and the
operator's notices about the service itself (start, stop, a dead delivery).

A digest keeps each alert's own rendering: the texts one after another, the HTML bodies in one
document, the webhook payloads as `items`, the cards joined. Page text was escaped by the
renderer; what this module adds is escaped here.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from monitor.alerts.contract import Alert, AlertContent

SUBJECT_PREFIX = "[eduwatch]"
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL | re.IGNORECASE)
_RULE = "\n" + "─" * 40 + "\n\n"


def render_digest(alerts: Sequence[Alert], subscriber: str, key: str, created_at: str) -> Alert:
    """One message listing ``alerts`` (in order) for ``subscriber``; ``key`` is the batch's."""
    count = len(alerts)
    subject = f"{SUBJECT_PREFIX} 摘要：{count} 条更新"
    heading = f"{subject}（{subscriber}）\n\n"
    listing = "".join(f"{n}. {alert.subject}\n" for n, alert in enumerate(alerts, 1))
    text = heading + listing + _RULE + _RULE.join(alert.text.rstrip() + "\n" for alert in alerts)
    bodies = "".join(
        f'<div style="margin:0 0 24px 0;padding:0 0 16px 0;border-bottom:1px solid #ddd;">'
        f"{_body_of(alert.html)}</div>"
        for alert in alerts
    )
    page = (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head>"
        '<body style="margin:0;padding:16px;background:#ffffff;">'
        f'<h1 style="font-size:20px;margin:0 0 16px 0;">{html.escape(subject)}</h1>'
        f"{bodies}</body></html>\n"
    )
    payload: dict[str, Any] = {
        "key": key,
        "kind": "digest",
        "subject": subject,
        "subscriber": subscriber,
        "created_at": created_at,
        "count": count,
        "items": [alert.payload for alert in alerts],
    }
    card = f"### {subject}\n\n" + "\n---\n\n".join(alert.card.strip() + "\n" for alert in alerts)
    return Alert(key=key, subject=subject, text=text, html=page, payload=payload, card=card)


def render_notice(content: AlertContent, key: str) -> Alert:
    """An operator notice: its title and details, as text, HTML, JSON and a card."""
    title = content.title or content.kind
    subject = f"{SUBJECT_PREFIX} {content.site_name}: {title}"
    items = [(str(name), _shown(value)) for name, value in content.details.items()]
    items = [(name, value) for name, value in items if name != "title"]
    lines = "".join(f"{name}: {value}\n" for name, value in items)
    text = f"{title}\n{content.created_at}\n\n{lines}"
    rows = "".join(
        f'<tr><td style="padding:2px 12px 2px 0;color:#666;">{html.escape(name)}</td>'
        f'<td style="padding:2px 0;word-break:break-all;">{html.escape(value)}</td></tr>'
        for name, value in items
    )
    page = (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head><body>"
        f'<h2 style="font-size:18px;">{html.escape(title)}</h2>'
        f'<p style="color:#666;">{html.escape(content.created_at)}</p>'
        f'<table role="presentation">{rows}</table></body></html>\n'
    )
    payload = {
        "key": key,
        "kind": content.kind,
        "subject": subject,
        "created_at": content.created_at,
        "details": content.details,
    }
    card = f"### {subject}\n\n" + "".join(f"- {name}：{value}\n" for name, value in items)
    return Alert(key=key, subject=subject, text=text, html=page, payload=payload, card=card)


def _body_of(page: str) -> str:
    match = _BODY.search(page)
    return match.group(1) if match else page


def _shown(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return "" if value is None else str(value)
