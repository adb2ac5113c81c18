"""Properties of text normalization and of the rendered text format, on generated input."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.normalize.text import SUMMARY_LENGTH, clean_text, render_text

CHINESE = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
PUNCTUATION = st.sampled_from(list("，。；：！？（）《》“”、　 \u00a0\t\n…—·【】％＆"))
ANY_CHAR = st.characters(codec="utf-8")  # any code point but surrogates
WORDS = st.text(st.one_of(CHINESE, PUNCTUATION, ANY_CHAR), max_size=40)
TAG_NAMES = st.sampled_from(["p", "div", "span", "br", "img", "a", "strong", "font", "article"])


@st.composite
def tag(draw: st.DrawFn) -> str:
    name = draw(TAG_NAMES)
    kind = draw(st.sampled_from(["open", "close", "self", "attrs", "broken-head", "broken-tail"]))
    if kind == "open":
        return f"<{name}>"
    if kind == "close":
        return f"</{name}>"
    if kind == "self":
        return f"<{name}/>"
    if kind == "attrs":
        return f'<{name} style="text-indent: 2em;" class=TRS_Editor>'
    if kind == "broken-head":
        return f"<{name} style=2jpg/"
    return "1jpg/>"


MARKED_UP = st.lists(st.one_of(WORDS, tag()), max_size=12).map("".join)
PARAGRAPH = st.text(st.one_of(CHINESE, PUNCTUATION), min_size=1, max_size=120).map(clean_text)
PARAGRAPHS = st.lists(PARAGRAPH.filter(bool), min_size=1, max_size=8)


@given(WORDS)
def test_clean_text_is_idempotent(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once


@given(MARKED_UP)
def test_clean_text_is_idempotent_on_markup(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once


@given(st.one_of(WORDS, MARKED_UP))
def test_output_is_nfkc_stable_and_folded(text: str) -> None:
    out = clean_text(text)
    assert unicodedata.normalize("NFKC", out) == out
    assert out == out.strip()
    assert "  " not in out and "\n" not in out and "\t" not in out and "\u3000" not in out


# Text between the tags, `<` and `>` included (`<p style=2jpg/<<p>`); no ASCII letter or `/`,
# which could make a tag of their own (`a<b` or `</试行>` is text and stays: see below).
NON_ASCII = st.characters(min_codepoint=0x80).filter(
    lambda c: re.search(r"[A-Za-z/\u2028\u2029]", unicodedata.normalize("NFKC", c)) is None
)  # nor what NFKC makes one of (Ĳ -> IJ)
TEXT_BETWEEN_TAGS = st.text(st.one_of(CHINESE, PUNCTUATION, NON_ASCII, st.sampled_from("<>0 ")))


@settings(max_examples=300)
@given(st.lists(st.tuples(TEXT_BETWEEN_TAGS, tag()), min_size=1, max_size=10))
def test_no_markup_survives(pieces: list[tuple[str, str]]) -> None:
    out = clean_text("".join(words + markup for words, markup in pieces))
    assert re.search(r"<[a-zA-Z]", out) is None
    assert "</" not in out and "/>" not in out


@given(PARAGRAPHS, st.one_of(st.none(), PARAGRAPH.filter(bool)))
def test_render_text_summary_rule(paragraphs: list[str], lead: str | None) -> None:
    lines = render_text(paragraphs, lead).split("\n")
    body = "".join(paragraphs)
    assert lines[0] == "摘要" and lines[1] == ""
    if len(body) > SUMMARY_LENGTH:
        assert lines[2] == body[:SUMMARY_LENGTH] + "..."
    else:
        assert lines[2] == body


@given(PARAGRAPHS, st.one_of(st.none(), PARAGRAPH.filter(bool)))
def test_render_text_lines_and_ending(paragraphs: list[str], lead: str | None) -> None:
    text = render_text(paragraphs, lead)
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert all(line == line.rstrip() for line in text.split("\n"))
    indented = [line[2:] for line in text.split("\n") if line.startswith("  ")]
    assert indented == paragraphs


def test_source_line_break_between_chinese_characters_renders_as_nothing() -> None:
    assert clean_text("血\n管性水肿，横纹肌溶解\n  症状") == "血管性水肿,横纹肌溶解症状"
    assert clean_text("“通知”\n。") == "“通知”。"
    assert clean_text("eduwatch\nmonitor 与\n2024") == "eduwatch monitor 与 2024"


LOOKS_LIKE_MARKUP = st.text(
    st.one_of(CHINESE, st.sampled_from(list("<>《》“”，。 ab=/\"'12"))), max_size=60
).filter(lambda text: re.search(r"<(?:a|b)[\s/>]|</(?:a|b)>|<[ab] \w+=|/>", text) is None)


@given(LOOKS_LIKE_MARKUP)
def test_text_that_only_looks_like_markup_is_kept(text: str) -> None:
    """`<试行>`, `a<b`, `x<y且y>z`: only whole tags of HTML elements are markup."""
    expected = " ".join(unicodedata.normalize("NFKC", text).split())
    assert clean_text(text) == expected


def test_known_cases_of_text_that_looks_like_markup() -> None:
    for text in (
        "关于印发《学校管理办法<试行>》的通知",
        "a<b",
        "当 a<b 且 b>c 时",
        "取 a<b and c>d 的结果",
        "当a<p, b>c时",
        "x<y",
        "<中小学>与</中小学>",
        "1<br 2",
    ):
        assert clean_text(text) == text
