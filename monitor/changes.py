"""What changed between two stored versions: the clause diff of their bodies (monitor.diff), and
their titles and attachments; as JSON (event payloads, webhooks), plain text and HTML.

Events carry the JSON form in ``payload["diff"]``: computed once, in the ingest transaction, so
an alert shows what changed even after retention pruned the older version.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from monitor.diff import Clause, DiffOp, TextDiff, char_spans, diff_paragraphs, segments
from monitor.store.models import ArticleVersion

PAYLOAD_MAX_OPS = 400
"""At most this many clause operations in an event payload (the counts are always complete)."""

Attachment = tuple[str, str]

_BOX = "font-family:sans-serif;font-size:14px;line-height:1.7;color:#222;margin:0 0 8px 0;"
_LINE = "margin:0;padding:1px 6px;"


@dataclass(frozen=True, slots=True)
class VersionChange:
    """The difference from an old version to a new one (of the same article, or a predecessor)."""

    old_title: str
    new_title: str
    added_attachments: tuple[Attachment, ...]
    removed_attachments: tuple[Attachment, ...]
    diff: TextDiff

    @property
    def title_changed(self) -> bool:
        return self.old_title != self.new_title

    @property
    def is_empty(self) -> bool:
        attachments = self.added_attachments or self.removed_attachments
        return self.diff.is_empty and not self.title_changed and not attachments

    def title_op(self) -> DiffOp:
        """The title change as one changed clause, its changed characters marked."""
        spans = char_spans(self.old_title, self.new_title)
        return DiffOp("changed", Clause(self.old_title, 0), Clause(self.new_title, 0), spans)


def compare_versions(old: ArticleVersion, new: ArticleVersion) -> VersionChange:
    old_files, new_files = _attachments(old), _attachments(new)
    return VersionChange(
        old_title=old.title,
        new_title=new.title,
        added_attachments=tuple(a for a in new_files if a not in old_files),
        removed_attachments=tuple(a for a in old_files if a not in new_files),
        diff=diff_paragraphs(list(old.paragraphs), list(new.paragraphs)),
    )


def _attachments(version: ArticleVersion) -> tuple[Attachment, ...]:
    return tuple((a.get("name", ""), a.get("url", "")) for a in version.attachments or [])


def change_json(change: VersionChange, max_ops: int | None = PAYLOAD_MAX_OPS) -> dict[str, Any]:
    """monitor.diff's JSON (counts, changed clauses), plus ``title`` {old, new} and
    ``attachments`` {added, removed} when they changed, and ``truncated`` when ops were cut."""
    data = change.diff.to_json()
    if max_ops is not None and len(data["ops"]) > max_ops:
        data["ops"] = data["ops"][:max_ops]
        data["truncated"] = True
    if change.title_changed:
        data["title"] = {"old": change.old_title, "new": change.new_title}
    if change.added_attachments or change.removed_attachments:
        data["attachments"] = {
            "added": [{"name": n, "url": u} for n, u in change.added_attachments],
            "removed": [{"name": n, "url": u} for n, u in change.removed_attachments],
        }
    return data


def summary(change: VersionChange) -> str:
    """``2 added, 1 removed, 3 changed clauses (40 unchanged)``, or ``no changes``."""
    if change.is_empty:
        return "no changes"
    counts = change.diff.counts
    return (
        f"{counts['added']} added, {counts['removed']} removed, {counts['changed']} changed"
        f" clauses ({counts['unchanged']} unchanged)"
    )


def change_text(change: VersionChange, context: int = 1) -> str:
    """Title and attachment changes, the counts, then the clause diff (monitor.diff's text)."""
    lines: list[str] = []
    if change.title_changed:
        marks = {"same": "{}", "del": "[-{}-]", "ins": "{{+{}+}}"}
        marked = "".join(marks[kind].format(text) for kind, text in segments(change.title_op()))
        lines.append(f"title: {marked}")
    lines += [f"attachment added: {name} <{url}>" for name, url in change.added_attachments]
    lines += [f"attachment removed: {name} <{url}>" for name, url in change.removed_attachments]
    lines.append(summary(change))
    body = change.diff.to_text(context)
    return "\n".join(lines) + "\n" + ("\n" + body if body else "")


def change_html(change: VersionChange, context: int = 1) -> str:
    """An HTML fragment with inline styles only; every piece of page text is escaped."""
    parts: list[str] = []
    if change.title_changed:
        parts.append(TextDiff((change.title_op(),)).to_html(context=0))
    files = [("+", "#060", a) for a in change.added_attachments]
    files += [("-", "#a00", a) for a in change.removed_attachments]
    rows = [
        f'<p style="{_LINE}color:{color};">{sign} {escape(name)} &lt;{escape(url)}&gt;</p>'
        for sign, color, (name, url) in files
    ]
    rows.append(f'<p style="{_LINE}color:#666;">{escape(summary(change))}</p>')
    parts.append(f'<div style="{_BOX}">\n' + "\n".join(rows) + "\n</div>\n")
    parts.append(change.diff.to_html(context))
    return "".join(parts)
