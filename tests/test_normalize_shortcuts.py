"""The normalizer's fast paths give what their plain formulations give.

Each shortcut (NFKC after replacing common full-width characters, `clean_text` stopping at a
fixed point, the tool-line regex, Lexbor's search for probes and labels) is checked against the
plain way of computing the same thing, on generated text or on the corpus pages.
"""

from __future__ import annotations

import html
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from selectolax.lexbor import LexborNode

from crawler.normalize import text as text_module
from crawler.normalize.furniture import TOOL_LINE, TOOL_SEPARATOR, TOOL_WORDS
from crawler.normalize.infotable import GATES, _gated
from crawler.normalize.meta import _lines_with
from crawler.normalize.nearby import SKIP_TAGS, _in_skipped, labelled_windows, window
from crawler.normalize.page import Page, parse_page
from crawler.normalize.text import clean_text, nfkc
from crawler.normalize.title import _probe_hits
from tests.paths import CORPUS

COMPATIBLE = st.sampled_from(list("，：？！（）；\u3000\xa0…"))
COMBINING = st.sampled_from(list("\u0301\u0308\u0338\u3099<=>Ae\u00a8ｶﾞ"))
ANY_CHAR = st.characters(codec="utf-8")
MIXED = st.lists(st.one_of(COMPATIBLE, COMBINING, ANY_CHAR), max_size=30).map("".join)
MARKUP = st.sampled_from(
    ["<p>", "</div>", "<!--", "-->", "&lt;", "&amp;", "&#60;", "1jpg/>", "&amp;lt;p&amp;gt;"]
)
# Text a first pass leaves unfinished: an entity decoded into markup, a combining mark that
# composes once the invisible character before it is gone.
UNFINISHED = st.sampled_from(["\n", "中\n文", "\u200b", "e\u200b\u0301", "&amp;amp;lt;b&gt;"])
DIRTY = st.lists(st.one_of(MIXED, MARKUP, UNFINISHED), max_size=8)
TOOL_PIECES = st.sampled_from(
    [
        *re.findall(r"[\u4e00-\u9fffA-Z]+", TOOL_WORDS.pattern),
        *("1", "12", "1234", "+", "共", "第", "页", "本", "x", "。"),
        *(" ", "|", "【", "】", ":", "-", "\n"),
    ]
)
PAGES = sorted(CORPUS.glob("article_*.html"))


def plain_clean_text(text: str) -> str:
    """`clean_text` as first written: every step on every pass, until nothing changes."""
    for _ in range(8):
        cleaned = unicodedata.normalize("NFKC", html.unescape(text))
        for pattern in (text_module._COMMENT, text_module._TAG, text_module._TAG_HEAD):
            cleaned = pattern.sub(" ", cleaned)
        cleaned = text_module._TAG_TAIL.sub(" ", cleaned)
        cleaned = text_module._INVISIBLE.sub("", cleaned)
        cleaned = text_module._CJK_LINE_BREAK.sub("", cleaned)
        cleaned = re.sub(r"\s+", " ", cleaned).strip()
        if cleaned == text:
            break
        text = cleaned
    return text


@given(MIXED)
def test_nfkc_is_unicode_nfkc(text: str) -> None:
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


@given(DIRTY.map("".join))
def test_clean_text_is_the_plain_loop(text: str) -> None:
    assert clean_text(text) == plain_clean_text(text)


@given(st.lists(TOOL_PIECES, max_size=10).map("".join))
def test_tool_line_reads_tool_words_as_their_substitution_does(text: str) -> None:
    substituted = re.fullmatch(f"{TOOL_SEPARATOR}*", TOOL_WORDS.sub(" ", text)) is not None
    assert (TOOL_LINE.fullmatch(text) is not None) is substituted


@given(st.text(st.sampled_from(list("号\n \r中a")), max_size=30))
def test_lines_with_a_mark(text: str) -> None:
    assert list(_lines_with(text, "号")) == [line for line in text.split("\n") if "号" in line]


def page_of(markup: str) -> Page:
    return parse_page(markup.encode("utf-8"), "http://www.example.gov.cn/a.html")


def plain_probe_hits(page: Page, probes: list[str]) -> list[int]:
    assert page.body is not None
    return [
        node.parent.mem_id
        for node in page.body.traverse(include_text=True)
        if node.tag == "-text"
        and node.parent is not None
        and any(probe in (node.text_content or "") for probe in probes)
    ]


def ids(nodes: list[LexborNode]) -> list[int]:
    return [node.mem_id for node in nodes]


def test_probe_hits_follow_the_text_nodes() -> None:
    page = page_of(
        "<html><body><div>x<span>关于做好</span>关于做好<p>关于做好 关于做好</p></div>"
        "<script>var t = '关于做好';</script>关于<b>做好</b></body></html>"
    )
    hits = _probe_hits(page, ["关于做好"])
    assert [node.tag for node in hits] == ["span", "div", "p", "script"]
    assert ids(hits) == plain_probe_hits(page, ["关于做好"])


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_probe_hits_on_real_pages(path: Path) -> None:
    page = parse_page(path.read_bytes(), "http://www.example.gov.cn/a.html")
    for probes in (["关于"], ["教育", "通知"], ["发布"], ["的"]):
        assert ids(_probe_hits(page, probes)) == plain_probe_hits(page, probes)


def plain_labelled_windows(page: Page, keyword: str) -> list[str]:
    """Every element of the document whose own text holds the keyword, head included."""
    return [
        window(node, include_start=True, max_chars=60)
        for node in page.tree.css(f':lexbor-contains("{keyword}")')
        if node.tag not in SKIP_TAGS and not _in_skipped(node)
    ]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_labelled_windows_need_only_the_body(path: Path) -> None:
    page = parse_page(path.read_bytes(), "http://www.example.gov.cn/a.html")
    for keyword in ("发布", "发表", "时间", "日期", "来源", "出处"):
        found = list(labelled_windows(page.tree, keyword, 60))
        assert found == plain_labelled_windows(page, keyword)


def test_labelled_windows_skip_the_head() -> None:
    page = page_of(
        "<html><head><title>发布时间</title><noframes>发布时间：2024-01-01</noframes>"
        "<script>var 发布 = 1;</script></head>\n<body><p>发布时间：2024-01-02</p></body></html>"
    )
    found = list(labelled_windows(page.tree, "发布", 60))
    assert found == plain_labelled_windows(page, "发布") == ["发布时间:2024-01-02"]


@pytest.mark.parametrize(
    ("markup", "gated"),
    [
        ("<p>索引号：000014349/2024-00012</p>", True),
        ("<p>发布<span>日期</span>：2024-01-01</p>", False),
        ("<p>发布日期</p>", True),
        ("<p>&#32034;&#24341;&#21495;</p>", True),
        ("<head><title>索引号</title></head><body><p>x</p></body>", False),
        ("<template>索引号</template><p>x</p>", False),
    ],
)
def test_gate_reads_one_text_node_at_a_time(markup: str, gated: bool) -> None:
    body = page_of("<html>" + markup + "</html>").body
    assert body is not None
    selector = ", ".join(f'*:lexbor-contains("{gate}")' for gate in GATES)
    assert (body.css_first(selector) is not None) is gated
    assert _gated(body) is gated
