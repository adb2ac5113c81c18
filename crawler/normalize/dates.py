"""The publish date of an article: the visible date line first, meta tags and the URL as hints.

Order: the site's ``rules.date`` selector; a labelled date (``发布时间``, ``时间``, ``日期`` ...)
in the bounded window after the headline; a ``发布`` label anywhere (a disclosure table above
the title); a bare date standing alone just after or before the headline; a generic label
anywhere; the ``PubDate``-like meta tags, cross-checked with the date in the URL; the URL date;
last, a document date (``成文日期``). Parsing and the meta/URL hints
live in ``datetext.py``.
"""

from __future__ import annotations

import re
from enum import IntEnum

from selectolax.lexbor import LexborNode

from crawler.normalize.datetext import (
    DATE_PATTERN,
    META_URL_AGREEMENT,
    FoundDate,
    date_from_match,
    hinted_date,
    meta_date,
    url_date,
)
from crawler.normalize.model import ExtractionRules
from crawler.normalize.nearby import labelled_windows, previous_element, window
from crawler.normalize.page import Page

HEADLINE_WINDOW_CHARS = 320
# A bare date is the meta line under the headline only within its first lines; further down
# it is a signature (`教育部\n2024年2月26日`), a document date.
BARE_DATE_WINDOW_CHARS = 160
BARE_DATE_WINDOW_LINES = 3
LABEL_WINDOW_CHARS = 60
PRECEDING_WINDOW_CHARS = 120

PUBLISH_LABELS: tuple[str, ...] = (
    *("发布时间", "发布日期", "发表时间", "发表日期", "发稿时间", "刊发时间", "发布", "发表"),
    *("发布于", "发表于", "公开日期", "公布日期", "上线时间"),
)
DOCUMENT_LABELS = ("成文日期", "成文时间", "发文日期", "印发日期", "签发日期", "制发日期")
# Times of the page or of the visit, never of the article: `页面生成时间：…` in a footer.
NOT_PUBLISH_LABELS = (
    "生成时间",
    "生成日期",
    "打印时间",
    "访问时间",
    "当前时间",
    "系统时间",
    "今天是",
)
GENERIC_LABELS: tuple[str, ...] = (
    *("时间", "日期", "更新时间", "更新日期", "录入时间"),
    *("上传时间", "信息时间", "创建时间", "创建日期", "公开时间", "稿件日期"),
)
LABEL_WORDS = ("发布", "发表", "时间", "日期")
LABEL_TAIL = re.compile(r"([\u4e00-\u9fff]+)([ \x1f]*)(:?)[ \t\x1f]*$")
FIELD_SPLIT = re.compile(r"[\n\t]")
# What may follow a bare date on its line: the next field, not the rest of a sentence.
FIELD_START = re.compile(
    r"(?:来源|作者|编辑|浏览|点击|阅读|访问|字号|字体|信息|发布|责任|供稿|【|\[|\||$)"
)
CJK = re.compile(r"[\u4e00-\u9fff]")


class DateKind(IntEnum):
    """How a visible date is labelled; lower is more trustworthy as the publish date."""

    PUBLISH = 0
    GENERIC = 1
    BARE = 2
    DOCUMENT = 3
    OTHER = 4


def _label_kind(label: str) -> DateKind:
    if label.endswith(NOT_PUBLISH_LABELS):
        return DateKind.OTHER
    if label.endswith(DOCUMENT_LABELS):
        return DateKind.DOCUMENT
    if label.endswith(PUBLISH_LABELS):
        return DateKind.PUBLISH
    if label in GENERIC_LABELS or label[-4:] in GENERIC_LABELS[2:]:
        return DateKind.GENERIC
    return DateKind.OTHER


def _kind(text: str, start: int, end: int) -> DateKind:
    """How the date at ``text[start:end]`` is labelled, from the field before it."""
    before = text[:start]
    fields = FIELD_SPLIT.split(before)
    current = fields[-1]
    if not current.strip() and len(fields) > 1:
        previous = fields[-2].strip()
        tail = LABEL_TAIL.search(previous)
        if tail and tail.group(3):
            return _label_kind(tail.group(1))
        if tail and tail.group(1) == previous and _label_kind(previous) is not DateKind.OTHER:
            return _label_kind(previous)
        return _bare_kind(text, end)
    tail = LABEL_TAIL.search(current)
    if tail is None:
        return _bare_kind(text, end)
    label, space, colon = tail.groups()
    if colon or label.endswith(LABEL_WORDS):
        return _label_kind(label)
    return _bare_kind(text, end) if space else DateKind.OTHER


def _bare_kind(text: str, end: int) -> DateKind:
    """A date without a label counts only when it stands alone, not inside a sentence."""
    rest = text[end:].lstrip(" \x1f")
    if not rest or not CJK.match(rest) or FIELD_START.match(rest):
        return DateKind.BARE
    return DateKind.OTHER


def dates_in_window(text: str, bare_until: int | None = None) -> list[tuple[DateKind, FoundDate]]:
    """Every plausible date of a window with its kind, in reading order; a bare date counts
    only when it starts before ``bare_until``."""
    found: list[tuple[DateKind, FoundDate]] = []
    for match in DATE_PATTERN.finditer(text):
        parsed = date_from_match(match)
        if parsed is None:
            continue
        kind = _kind(text, match.start(), match.end())
        if kind is DateKind.BARE and bare_until is not None and match.start() >= bare_until:
            kind = DateKind.OTHER
        found.append((kind, parsed))
    return found


def _best(found: list[tuple[DateKind, FoundDate]], kinds: tuple[DateKind, ...]) -> FoundDate | None:
    for kind in kinds:
        for got, parsed in found:
            if got is kind:
                return parsed
    return None


def headline_dates(page: Page, headline: LexborNode) -> list[tuple[DateKind, FoundDate]]:
    """Dates of the bounded window after the headline; bare dates only near its start."""
    text = page.text_after(headline, HEADLINE_WINDOW_CHARS)
    lines = text.split("\n")[:BARE_DATE_WINDOW_LINES]
    first_lines = sum(len(line) + 1 for line in lines)
    return dates_in_window(text, bare_until=min(BARE_DATE_WINDOW_CHARS, first_lines))


def preceding_dates(headline: LexborNode) -> list[tuple[DateKind, FoundDate]]:
    """Dates of the element just before the headline (a `2024-03-01 | 要闻` line above it)."""
    before = previous_element(headline)
    if before is None:
        return []
    text = window(before, include_start=True, max_chars=PRECEDING_WINDOW_CHARS, within=True)
    return dates_in_window(text)


def page_dates(page: Page) -> list[tuple[DateKind, FoundDate]]:
    """Labelled dates anywhere on the page (``发布日期`` in a disclosure table above the title)."""
    found: list[tuple[DateKind, FoundDate]] = []
    if not any(word in page.html for word in LABEL_WORDS):
        return found
    for word in LABEL_WORDS:
        for text in labelled_windows(page.tree, word, LABEL_WINDOW_CHARS):
            found.extend(item for item in dates_in_window(text) if item[0] is not DateKind.BARE)
    return found


def _with_meta_time(visible: FoundDate, page: Page) -> FoundDate:
    """A visible date without a time takes the time of a meta date of the same day."""
    if visible.has_time:
        return visible
    meta = meta_date(page)
    if meta is not None and meta.has_time and meta.day == visible.day:
        return meta
    return visible


def _selector_date(page: Page, selector: str) -> FoundDate | None:
    for node in page.tree.css(selector):
        text = window(node, include_start=True, max_chars=LABEL_WINDOW_CHARS)
        found = dates_in_window(text)
        if found:
            return min(found, key=lambda item: item[0])[1]
    return None


def _url_agrees(item: tuple[DateKind, FoundDate], url: str) -> bool:
    """A bare date must not contradict the day in the URL (it may be a cited date)."""
    day, _ = url_date(url)
    return day is None or abs(item[1].day - day.day) <= META_URL_AGREEMENT


def _visible_date(
    page: Page, headline: LexborNode | None
) -> tuple[FoundDate | None, list[tuple[DateKind, FoundDate]]]:
    """The visible publish date, most explicit first; also every date seen on the way.

    A labelled date after the headline; a `发布` label anywhere (a disclosure table above the
    title); a bare date just after or before the headline; a generic label anywhere.
    """
    labelled = (DateKind.PUBLISH, DateKind.GENERIC)
    after = headline_dates(page, headline) if headline is not None else []
    chosen = _best(after, labelled)
    if chosen is not None:
        return chosen, after
    anywhere = page_dates(page)
    chosen = _best(anywhere, (DateKind.PUBLISH,))
    if chosen is not None:
        return chosen, after + anywhere
    before = preceding_dates(headline) if headline is not None else []
    bare = [item for item in after if _url_agrees(item, page.url)]
    chosen = _best(bare, (DateKind.BARE,)) or _best(before, (*labelled, DateKind.BARE))
    found = after + before + anywhere
    return chosen or _best(anywhere, (DateKind.GENERIC,)), found


def extract_published_at(
    page: Page, rules: ExtractionRules, headline: LexborNode | None
) -> str | None:
    """ISO 8601 publish time (``+08:00``) or date of the page, or None when it shows none."""
    if rules.date:
        chosen = _selector_date(page, rules.date)
        if chosen is not None:
            return _with_meta_time(chosen, page).iso()
    visible, found = _visible_date(page, headline)
    if visible is not None:
        return _with_meta_time(visible, page).iso()
    hinted = hinted_date(page)
    if hinted is not None:
        return hinted.iso()
    document = _best(found, (DateKind.DOCUMENT,))
    return document.iso() if document is not None else None
