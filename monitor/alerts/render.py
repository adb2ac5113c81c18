"""One event's AlertContent -> one Alert: email subject, plain text, inline-styled HTML, the
webhook JSON (``webhook.schema.json``) and a short markdown card for chat robots.

The Jinja2 templates live in ``templates/``; the HTML one autoescapes, and the diff HTML comes
already escaped from ``monitor.diff`` (wrapped in ``Markup``). The card replaces markdown and
HTML syntax characters of page text with their full-width forms, which no markdown dialect
reads as syntax. Page text goes raw into the JSON payload: JSON encoding is its escaping.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from crawler.names import ARTICLE_EVENT_KINDS
from monitor.alerts.contract import Alert, AlertContent
from monitor.diff import CharSpan, Clause, DiffOp, TextDiff, char_spans, render_html, render_text

SCHEMA_ID = "https://eduwatch.invalid/schemas/alert-1.json"
SCHEMA_VERSION = 1
TEMPLATES = Path(__file__).with_name("templates")
SUBJECT_MAX = 160
CARD_SUMMARY_MAX = 160
CARD_DIFF_LINES = 6
CARD_LINE_MAX = 100
DIFF_CONTEXT = 1  # unchanged clauses shown around a change, when the diff JSON carries them

ARTICLE_KINDS = (*ARTICLE_EVENT_KINDS, "test")
SITE_KINDS = ("site_failing", "site_recovered", "site_stale")
LABELS = {
    "new": "新文章",
    "revised": "修订",
    "withdrawn": "撤回",
    "test": "测试",
    "site_failing": "站点异常",
    "site_recovered": "站点恢复",
    "site_stale": "站点停更",
}
DETAIL_LABELS = {
    "failures": "连续失败次数",
    "error": "最近错误",
    "failing_since": "异常开始于",
    "last_new_at": "最近新文章",
    "quiet_days": "无新文章天数",
    "threshold_days": "通常间隔上限（天）",
    "http_status": "页面状态码",
    "gone_runs": "连续缺失次数",
}
# Shown elsewhere already: the site's name, the article's own fields.
_HIDDEN_DETAILS = frozenset({"name", "url", "title", "old_title", "published_at"})
_CARD_SYNTAX = str.maketrans(
    {c: chr(ord(c) + 0xFEE0) for c in "\\`*_[]<>#|~"}  # ASCII -> full-width forms
)
_ENTITY = re.compile(r"&(?=#?\w+;)")
_URL_UNSAFE_IN_MARKDOWN = str.maketrans(
    {" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E"}
)
_WHITESPACE = re.compile(r"\s+")


# --- small pure helpers ------------------------------------------------------------------------


def safe_link(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) URL fit for a link, else None."""
    if not url or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    parts = urlsplit(url)
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def one_line(text: str, limit: int | None = None) -> str:
    """Whitespace (line breaks included) collapsed to single spaces; cut with … past ``limit``."""
    line = _WHITESPACE.sub(" ", text).strip()
    if limit is not None and len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


def card_escape(text: object) -> str:
    """Page text for a markdown card: syntax characters made full-width, one line."""
    return _ENTITY.sub("＆", one_line(str(text)).translate(_CARD_SYNTAX))


def card_link(url: str) -> str:
    return url.translate(_URL_UNSAFE_IN_MARKDOWN)


def display_time(value: str | None) -> str | None:
    """``2024-05-01T09:30:00+08:00`` -> ``2024-05-01 09:30``; a date, or anything else, as is."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if "T" not in value and " " not in value.strip():
        return value
    return moment.strftime("%Y-%m-%d %H:%M")


def place_of(content: AlertContent) -> str:
    return f"{content.site_name}·{content.column}" if content.column else content.site_name


def make_subject(content: AlertContent) -> str:
    """``[eduwatch] 山西省教育厅·通知公告: <title>``, prefixed by the kind when not ``new``."""
    prefix = "" if content.kind == "new" else f"{LABELS.get(content.kind, content.kind)} "
    if content.kind in SITE_KINDS:
        subject = f"{prefix}{content.site_name}（{content.site_id}）{_site_event_gist(content)}"
    else:
        subject = f"{prefix}{place_of(content)}: {content.title or content.url or '(无标题)'}"
    return "[eduwatch] " + one_line(subject, SUBJECT_MAX)


def _site_event_gist(content: AlertContent) -> str:
    details = content.details
    if content.kind == "site_failing" and "failures" in details:
        return f": 连续 {details['failures']} 次抓取失败"
    if content.kind == "site_recovered" and "failures" in details:
        return f": 连续 {details['failures']} 次失败后恢复正常"
    if content.kind == "site_stale" and "quiet_days" in details:
        return f": {details['quiet_days']} 天无新文章"
    return ""


# --- the diff part: monitor.diff's JSON form back into a TextDiff, rendered by monitor.diff ---


@dataclass(frozen=True, slots=True)
class DiffView:
    basis: str  # 与上一版本相比 / 与前一份文件相比
    counts: str  # 新增 2 句，删除 1 句，修改 3 句（未变 40 句）
    text: str  # monitor.diff.render_text
    html: Markup  # monitor.diff.render_html, escaped there
    title_text: str | None
    title_html: Markup | None
    files_added: tuple[tuple[str, str], ...]
    files_removed: tuple[tuple[str, str], ...]
    truncated: bool
    card_lines: tuple[str, ...]
    problem: str | None = None


def diff_from_json(data: Mapping[str, Any]) -> TextDiff:
    """The TextDiff of monitor.diff's JSON form (its ops; unchanged clauses when present)."""
    ops = []
    for item in data["ops"]:
        old = Clause(item["old"], int(item["old_paragraph"])) if item["old"] is not None else None
        new = Clause(item["new"], int(item["new_paragraph"])) if item["new"] is not None else None
        if item["kind"] not in ("equal", "added", "removed", "changed"):
            raise ValueError(f"unknown diff op kind {item['kind']!r}")
        spans = tuple(
            CharSpan(*(int(i) for i in (*span["old"], *span["new"])))
            for span in item.get("spans", ())
        )
        ops.append(DiffOp(item["kind"], old, new, spans))
    return TextDiff(tuple(ops))


def diff_view(content: AlertContent) -> DiffView | None:
    if not content.diff:
        return None
    basis = "与上一版本相比"
    if content.kind != "revised" and content.predecessor:
        basis = f"与前一份文件《{one_line(content.predecessor.get('title') or '')}》相比"
    try:
        return _diff_view(content.diff, basis)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, AssertionError) as problem:
        # Nothing lost: the alert goes out with the rest of its content and this note.
        note = f"差异数据格式无效，未显示（{type(problem).__name__}）"
        empty = Markup("")
        return DiffView(basis, "", "", empty, None, None, (), (), False, (), problem=note)


def _diff_view(data: Mapping[str, Any], basis: str) -> DiffView:
    diff = diff_from_json(data)
    counts = data.get("counts") or diff.counts
    summary = (
        f"新增 {counts['added']} 句，删除 {counts['removed']} 句，修改 {counts['changed']} 句"
        f"（未变 {counts['unchanged']} 句）"
    )
    title_text = title_html = None
    if isinstance(data.get("title"), Mapping):
        old, new = str(data["title"]["old"]), str(data["title"]["new"])
        title_diff = TextDiff(
            (DiffOp("changed", Clause(old, 0), Clause(new, 0), char_spans(old, new)),)
        )
        title_text = render_text(title_diff, 0).strip().removeprefix("~ ")
        title_html = Markup(render_html(title_diff, 0))
    files = data.get("attachments") or {}
    text = render_text(diff, DIFF_CONTEXT)
    return DiffView(
        basis=basis,
        counts=summary,
        text=text,
        html=Markup(render_html(diff, DIFF_CONTEXT)),
        title_text=title_text,
        title_html=title_html,
        files_added=tuple((f["name"], f["url"]) for f in files.get("added", ())),
        files_removed=tuple((f["name"], f["url"]) for f in files.get("removed", ())),
        truncated=bool(data.get("truncated")),
        card_lines=tuple(
            one_line(line, CARD_LINE_MAX) for line in text.splitlines()[:CARD_DIFF_LINES]
        ),
    )


# --- the article text in the sample format -------------------------------------------------------


def text_blocks(text: str | None, summary: str | None) -> list[tuple[str, str]]:
    """The sample format's blocks as (role, text): heading, summary, lead, paragraph."""
    lines = [line for line in (text or "").split("\n") if line.strip()]
    if not lines:
        return [("heading", "摘要"), ("summary", summary)] if summary else []
    blocks: list[tuple[str, str]] = []
    if lines[0].strip() == "摘要":
        blocks.append(("heading", "摘要"))
        lines = lines[1:]
        if lines:
            blocks.append(("summary", lines[0].strip()))
            lines = lines[1:]
    for line in lines:
        role = "paragraph" if line.startswith("  ") else "lead"
        blocks.append((role, line.strip()))
    return blocks


def detail_items(details: Mapping[str, Any]) -> list[tuple[str, str]]:
    items = []
    for key, value in details.items():
        if key in _HIDDEN_DETAILS or value is None:
            continue
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        items.append((DETAIL_LABELS.get(key, key), shown))
    return items


# --- the alert ------------------------------------------------------------------------------------


def _environment(autoescape: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = card_escape
    env.filters["mdurl"] = card_link
    return env


_HTML_ENV = _environment(autoescape=True)
_PLAIN_ENV = _environment(autoescape=False)
_CARD_DIFF_MARKS = {"+ ": "＋ ", "- ": "－ ", "~ ": "～ ", "  ": "　"}


def view_of(content: AlertContent, subject: str) -> dict[str, Any]:
    """What the templates show, computed once."""
    diff = diff_view(content)
    predecessor = dict(content.predecessor or {})
    blocks = text_blocks(content.text, content.summary)
    summary = content.summary or next((t for role, t in blocks if role == "summary"), "")
    return {
        "subject": subject,
        "kind": content.kind,
        "label": LABELS.get(content.kind, content.kind),
        "site_event": content.kind in SITE_KINDS,
        "place": place_of(content),
        "site_id": content.site_id,
        "title": content.title,
        "url": content.url,
        "link": safe_link(content.url),
        "published": display_time(content.published_at),
        "source": content.source,
        "document_number": content.document_number,
        "text": content.text.rstrip("\n") if content.text else None,
        "summary": content.summary,
        "blocks": blocks,
        "card_meta": " · ".join(
            f"{name} {card_escape(value)}"
            for name, value in (
                ("发布", display_time(content.published_at)),
                ("文号", content.document_number),
                ("来源", content.source),
            )
            if value
        ),
        "card_summary": one_line(summary, CARD_SUMMARY_MAX),
        "attachments": [(a.name, a.url, safe_link(a.url)) for a in content.attachments],
        "diff": diff,
        "card_diff": [
            _CARD_DIFF_MARKS.get(line[:2], "") + card_escape(line[2:])
            for line in (diff.card_lines if diff else ())
        ],
        "predecessor": predecessor or None,
        "predecessor_link": safe_link(predecessor.get("url")),
        "details": detail_items(content.details),
        "created": display_time(content.created_at),
    }


def make_payload(content: AlertContent, key: str, subject: str) -> dict[str, Any]:
    """The webhook JSON, as ``webhook.schema.json`` documents it; page text raw."""
    article = None
    if content.kind not in SITE_KINDS:
        article = {
            "url": content.url,
            "title": content.title,
            "published_at": content.published_at,
            "source": content.source,
            "document_number": content.document_number,
            "summary": content.summary,
            "text": content.text,
            "attachments": [{"name": a.name, "url": a.url} for a in content.attachments],
        }
    predecessor = None
    if content.predecessor:
        predecessor = {
            "url": content.predecessor.get("url"),
            "title": content.predecessor.get("title"),
        }
    return {
        "schema": SCHEMA_ID,
        "version": SCHEMA_VERSION,
        "key": key,
        "kind": content.kind,
        "subject": subject,
        "created_at": content.created_at,
        "site": {
            "id": content.site_id,
            "name": content.site_name,
            "authority": content.authority,
            "column": content.column,
            "category": content.category,
        },
        "article": article,
        "predecessor": predecessor,
        "diff": _json_ready(content.diff) if content.diff else None,
        "details": _json_ready(content.details),
    }


def _json_ready(value: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy that JSON can encode (anything odd as its text)."""
    copied: dict[str, Any] = json.loads(json.dumps(value, ensure_ascii=False, default=str))
    return copied


def render_alert(content: AlertContent, key: str) -> Alert:
    """The alert for one event and one delivery (``key``: its stable idempotency key)."""
    if not isinstance(key, str) or not key.strip():
        raise ValueError("an alert needs its delivery's idempotency key (a non-empty string)")
    if content.kind not in LABELS:
        raise ValueError(
            f"unknown alert kind {content.kind!r}; expected one of {', '.join(LABELS)}"
        )
    subject = make_subject(content)
    view = view_of(content, subject)
    return Alert(
        key=key,
        subject=subject,
        text=_PLAIN_ENV.get_template("alert.txt.j2").render(view),
        html=_HTML_ENV.get_template("alert.html.j2").render(view),
        payload=make_payload(content, key, subject),
        card=_PLAIN_ENV.get_template("card.md.j2").render(view).strip() + "\n",
        link=safe_link(content.url),
    )
