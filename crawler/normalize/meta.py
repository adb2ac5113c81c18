"""Article metadata read around the headline: title, publish date, source, 发文字号, description.

The visible page comes first, the 政府网站发展指引 meta tags (``ArticleTitle``, ``PubDate``,
``ContentSource``, ``Description``) are hints: they are often empty, ``null``, the site's own
name, a page-generation time or a site-wide blurb. The headline lives in ``title.py``, the
date in ``dates.py`` (parsing, meta and URL hints in ``datetext.py``), the bounded window of
text after the headline in ``nearby.py``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence

from selectolax.lexbor import LexborNode

from crawler.normalize.dates import extract_published_at
from crawler.normalize.datetext import DATE_PATTERN
from crawler.normalize.model import ExtractionRules
from crawler.normalize.nearby import labelled_windows, window
from crawler.normalize.page import Page
from crawler.normalize.text import clean_text
from crawler.normalize.title import (
    END_SEPARATORS,
    extract_title,
    site_names,
    strip_site_affixes,
    text_key,
    title_hints,
)

__all__ = [
    "extract_description",
    "extract_document_number",
    "extract_published_at",
    "extract_source",
    "extract_title",
]

SOURCE_WINDOW_CHARS = 320
SOURCE_LABEL_CHARS = 80
SOURCE_LABELS = ("信息来源", "文章来源", "稿件来源", "新闻来源", "内容来源", "来源", "稿源", "出处")
SOURCE_LINE = re.compile(
    rf"(?<![\u4e00-\u9fff])(?:{'|'.join(SOURCE_LABELS)})[ \x1f]*:[ \x1f]*(?P<value>[^\n\t]*)"
    r"(?:[\n\t]+(?P<next>[^\n\t]*))?"
)
# The next field of a `来源:` line ends its value: `来源:山西日报 作者:… 【字体:大 中 小】`.
SOURCE_STOP = re.compile(
    r"\s*(?:作者|记者|编辑|责任编辑|责编|发布|时间|日期|浏览|点击|阅读|访问|字号|字体|打印|分享|关闭"
    r"|收藏|扫一扫|审核|摄影|撰稿|通讯员|供稿|来源|【|\[|\||丨)"
)
SOURCE_TRIM = " :;,.|/丨、。,;:-【】[]"
SOURCE_METAS = ("ContentSource", "source", "copyfrom", "article:source", "og:source")
MAX_SOURCE_CHARS = 40
# A byline `记者/媒体` right under the headline: `石佳/中国青年报`.
OUTLET = r"[\u4e00-\u9fffA-Za-z]{1,20}(?:报|社|台|网|刊|杂志|新闻|客户端)"
BYLINE = re.compile(
    rf"^[\u4e00-\u9fff·]{{2,5}}(?:[\s、,][\u4e00-\u9fff·]{{2,5}})*\s?/\s?(?P<outlet>{OUTLET})$"
)
# A publication named between the headline and the site in `<title>`: `…_2007年第23号国务院公报_…`.
TITLE_OUTLET_SUFFIXES = ("报", "刊", "杂志")

DOCNO = re.compile(
    r"(?P<issuer>[\u4e00-\u9fff]{1,12}?) ?[〔\[【(] ?(?P<year>(?:19|20)\d{2}) ?[〕\]】)] ?第? ?"
    r"(?P<num>\d{1,5}) ?号"
    r"|(?P<decree>[\u4e00-\u9fff]{1,16}令) ?[(\[]? ?第 ?(?P<decree_num>\d{1,5}) ?号"
)
DOCNO_LABEL = re.compile(r"(?:发\s*文\s*字\s*号|发\s*文\s*号|文\s*件\s*编\s*号|文\s*号)\s*[:：]?")
DOCNO_AFTER_LABEL_CHARS = 40
DOCNO_BODY_LINES = 6
DOCNO_LINE_CHARS = 40
DOCNO_IN_TITLE = re.compile(r"[(\[]\s*(?P<docno>[^()\[\]]{4,40})\s*[)\]]\s*$")

DESCRIPTION_METAS = ("description", "og:description", "twitter:description")
SUMMARY_SELECTOR = (
    ".summary, .lead, .abstract, #zy, .zy, .digest, .zhaiyao, #summary, #abstract, "
    ".article-summary, .article-abstract, .news-summary"
)
BLURB_MARKERS = ("欢迎访问", "欢迎光临", "官方网站", "门户网站", "综合平台", "点击进入", "版权所有")
# A site describing itself: `山西省人民政府网是…`, `XX教育网站是…`.
SITE_SELF_DESCRIPTION = re.compile(r"^[^,，。]{2,24}(?:网|网站|平台|门户)是")
NOT_DESCRIPTION_METAS = ("ColumnDescription", "ColumnName", "ColumnKeywords", "keywords")
MIN_DESCRIPTION_CHARS = 6


# --- source ---------------------------------------------------------------------------------


def _source_value(raw: str) -> str | None:
    """A `来源` value cut at the next field, trimmed; None when nothing sensible is left."""
    raw = raw.strip()
    stop = SOURCE_STOP.search(raw, 1)
    if stop:
        raw = raw[: stop.start()]
    date = DATE_PATTERN.search(raw)
    if date:
        raw = raw[: date.start()]
    value = clean_text(raw).strip(SOURCE_TRIM)
    if not 2 <= len(value) <= MAX_SOURCE_CHARS or value.isdigit() or value.lower() == "null":
        return None
    return value


def _labelled_source(text: str) -> str | None:
    for match in SOURCE_LINE.finditer(text):
        value = _source_value(match.group("value"))
        if value is None and not match.group("value").strip() and match.group("next"):
            value = _source_value(match.group("next"))
        if value:
            return value
    return None


def _byline_outlet(text: str) -> str | None:
    for line in text.split("\n")[:6]:
        match = BYLINE.match(line.strip())
        if match:
            return match.group("outlet")
    return None


def _meta_source(page: Page) -> str | None:
    names = {text_key(name) for name in site_names(page)}
    domain = page.meta("SiteDomain") or ""
    for meta_name in SOURCE_METAS:
        raw = page.meta(meta_name)
        if not raw:
            continue
        match = SOURCE_LINE.match(unicodedata.normalize("NFKC", raw).strip())
        value = _source_value(match.group("value") if match else raw)
        if value and not _names_the_website(value, names) and value not in domain:
            return value
    return None


# A site name that names a website (保定市人民政府网, …门户网站) says where the page is, not who
# issued it; an authority's own name (湖北省市场监督管理局, 山西省教育厅) is the issuer.
WEBSITE_SUFFIXES = ("网", "网站", "门户", "平台", "在线")


def _names_the_website(value: str, site_names: set[str]) -> bool:
    return text_key(value) in site_names and value.endswith(WEBSITE_SUFFIXES)


def _title_outlet(page: Page) -> str | None:
    node = page.tree.css_first("title")
    if node is None:
        return None
    names = site_names(page)
    headline = text_key(strip_site_affixes(node.text(), names))
    pieces = END_SEPARATORS.split(clean_text(node.text()))[::2]
    for piece in pieces[1:]:
        piece = piece.strip()
        if text_key(piece) != headline and piece.endswith(TITLE_OUTLET_SUFFIXES):
            return _source_value(piece)
    return None


def extract_source(page: Page, rules: ExtractionRules, headline: LexborNode | None) -> str | None:
    """The visible `来源:` near the headline (anywhere when no headline node is known), a byline
    outlet, else the meta/`<title>` hints."""
    if rules.source:
        node = page.tree.css_first(rules.source)
        if node is not None:
            text = window(node, include_start=True, max_chars=SOURCE_LABEL_CHARS)
            found = _labelled_source(text) or _source_value(text.split("\n")[0])
            if found:
                return found
    if headline is not None:
        near = page.text_after(headline, SOURCE_WINDOW_CHARS)
        found = _labelled_source(near) or _byline_outlet(near)
        if found:
            return found
    if headline is None and any(label in page.html for label in ("来源", "出处")):
        for label in ("来源", "出处"):
            for text in labelled_windows(page.tree, label, SOURCE_LABEL_CHARS):
                found = _labelled_source(text)
                if found:
                    return found
    return _meta_source(page) or _title_outlet(page)


# --- document number ------------------------------------------------------------------------


def _format_docno(match: re.Match[str]) -> str:
    if match.group("decree"):
        return f"{match.group('decree')}第{match.group('decree_num')}号"
    return f"{match.group('issuer')}〔{match.group('year')}〕{match.group('num')}号"


def document_number_in(text: str) -> str | None:
    """A 发文字号 at the start of ``text``, in the normalized form (`晋教办〔2020〕12号`)."""
    return _docno_at_start(text)


def _docno_at_start(text: str) -> str | None:
    text = unicodedata.normalize("NFKC", text).lstrip(" \t\n:")
    match = DOCNO.match(text)
    return _format_docno(match) if match else None


def _labelled_docno(text: str) -> str | None:
    for label in DOCNO_LABEL.finditer(text):
        found = _docno_at_start(text[label.end() : label.end() + DOCNO_AFTER_LABEL_CHARS])
        if found:
            return found
    return None


def _standalone_docno(text: str) -> str | None:
    """A line of the page that is a document number alone, as directives print it under the
    headline (body extraction may have left that line out of the paragraphs)."""
    for line in _lines_with(text, "号"):
        line = line.strip()
        if len(line) <= DOCNO_LINE_CHARS:
            match = DOCNO.fullmatch(unicodedata.normalize("NFKC", line))
            if match:
                return _format_docno(match)
    return None


def _lines_with(text: str, mark: str) -> Iterator[str]:
    """The lines of ``text`` (split at ``\\n``) that hold ``mark``, in order; ``str.find`` skips
    the others, where a loop over every line of a page would not."""
    found = text.find(mark)
    while found >= 0:
        start = text.rfind("\n", 0, found) + 1
        end = text.find("\n", found)
        if end < 0:
            end = len(text)
        yield text[start:end]
        found = text.find(mark, end)


def _body_docno(paragraphs: Sequence[str]) -> str | None:
    """A first line that is a document number alone (`教基〔2024〕3号`), as directives print it."""
    for line in paragraphs[:DOCNO_BODY_LINES]:
        line = line.strip()
        if len(line) > DOCNO_LINE_CHARS:
            continue
        match = DOCNO.match(unicodedata.normalize("NFKC", line))
        if match and len(line) - (match.end() - match.start()) <= 2:
            return _format_docno(match)
    return None


def extract_document_number(page: Page, paragraphs: Sequence[str], title: str) -> str | None:
    """The 发文字号 from a labelled field, the first lines of the body, a line of the page that
    holds it alone, or the end of the title."""
    body = page.body
    text = body.text(deep=True, separator="\n") if body is not None and "号" in page.html else ""
    found = _labelled_docno(text) or _body_docno(paragraphs) or _standalone_docno(text)
    if found:
        return found
    in_title = DOCNO_IN_TITLE.search(unicodedata.normalize("NFKC", title))
    return _docno_at_start(in_title.group("docno")) if in_title else None


# --- description ----------------------------------------------------------------------------


def _description_metas(page: Page) -> list[str]:
    wanted = {name.lower() for name in DESCRIPTION_METAS}
    values = []
    for attrs in page.meta_tags:
        name = (attrs.get("name") or attrs.get("property") or "").strip().lower()
        content = (attrs.get("content") or "").strip()
        if name in wanted and content and content.lower() not in ("null", "none", "undefined"):
            values.append(content)
    return values


def _is_blurb(text: str, page: Page) -> bool:
    """A site-wide text rather than this article's summary."""
    key = text_key(text)
    if len(clean_text(text)) < MIN_DESCRIPTION_CHARS or any(m in text for m in BLURB_MARKERS):
        return True
    if SITE_SELF_DESCRIPTION.match(text.strip()):
        return True
    others = [*site_names(page), *(page.meta(name) or "" for name in NOT_DESCRIPTION_METAS)]
    if any(other and text_key(other) == key for other in others):
        return True
    hints = title_hints(page)
    if any(hint.key == key or key == hint.whole_key for hint in hints):
        return True
    # The title with a few words around it and no sentence in it: `X详细信息查询详细信息`.
    return not SENTENCE_PUNCTUATION.search(text) and any(hint.key in key for hint in hints)


SENTENCE_PUNCTUATION = re.compile(r"[，。；！？,.;!?]")


def extract_description(page: Page) -> str | None:
    """The page's own summary: the `Description` meta unless generic, else a lead block."""
    for value in _description_metas(page):
        if not _is_blurb(value, page):
            return value
    for node in page.tree.css(SUMMARY_SELECTOR):
        text = clean_text(node.text(deep=True))
        if text and not DATE_PATTERN.search(text) and not _is_blurb(text, page):
            return text
    return None
