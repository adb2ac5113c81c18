"""The body of every real article page of the corpus, as its .expected.json reads it.

The expected values are not NFKC-normalized: both sides are compared after ``clean_text``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from crawler.normalize import ExtractionError, extract_article
from crawler.normalize import body as body_module
from crawler.normalize.body import extract_body
from crawler.normalize.model import ExtractionRules
from crawler.normalize.page import parse_page
from crawler.normalize.text import clean_text
from tests.paths import CORPUS

PAGES = sorted(CORPUS.glob("article_*.html"))
PAGE_URL = "http://www.example.gov.cn/xwzx/202401/t20240101_1.html"
FURNITURE_WORDS = ("责任编辑", "责编", "纠错", "扫一扫", "分享到", "打印", "当前位置", "浏览次数")


def expected(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.with_name(path.name + ".expected.json").read_text())
    return loaded


def body_of(path: Path, data: bytes | None = None) -> tuple[str, ...]:
    facts = expected(path)
    page = parse_page(data or path.read_bytes(), facts["url"] or PAGE_URL)
    return extract_body(page, ExtractionRules(), clean_text(facts["title"]), None).paragraphs


def assert_matches_expected(paragraphs: tuple[str, ...], facts: dict[str, Any]) -> None:
    assert paragraphs[0] == clean_text(facts["body_first_paragraph"])
    assert paragraphs[-1] == clean_text(facts["body_last_paragraph"])
    assert len(paragraphs) == facts["body_paragraph_count"]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_body_matches_expected(path: Path) -> None:
    facts = expected(path)
    page = parse_page(path.read_bytes(), facts["url"] or PAGE_URL)
    body = extract_body(page, ExtractionRules(), clean_text(facts["title"]), None)
    assert_matches_expected(body.paragraphs, facts)
    selector = facts["content_selector"]
    assert body.method == (f"cms:{selector}" if selector[0] in ".#" else "density")
    for paragraph in body.paragraphs:
        assert not any(word in paragraph for word in FURNITURE_WORDS), paragraph
        assert "<" not in paragraph and ">" not in paragraph


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_density_alone_finds_the_same_body(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without any CMS rule, as on a page no rule was written for."""
    monkeypatch.setattr(body_module, "CMS_CONTAINERS", ())
    facts = expected(path)
    page = parse_page(path.read_bytes(), facts["url"] or PAGE_URL)
    body = extract_body(page, ExtractionRules(), clean_text(facts["title"]), None)
    assert body.method == "density"
    assert_matches_expected(body.paragraphs, facts)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_extract_article_gives_the_expected_body(path: Path) -> None:
    facts = expected(path)
    article = extract_article(path.read_bytes(), facts["url"] or PAGE_URL)
    assert_matches_expected(article.paragraphs, facts)
    assert article.text.endswith("\n\n  " + article.paragraphs[-1] + "\n")
    assert "\n\n  " + article.paragraphs[0] + "\n" in article.text


def as_gb(data: bytes, label: str) -> bytes:
    """A UTF-8 page re-encoded in GB18030, its declaration changed to ``label``."""
    text = re.sub(
        r"charset=[\"']?utf-8[\"']?", f"charset={label}", data.decode("utf-8"), flags=re.I
    )
    assert f"charset={label}" in text
    return text.encode("gb18030")


@pytest.mark.parametrize("label", ["gbk", "gb2312", "GB18030"])
@pytest.mark.parametrize(
    "name", ["article_gov_shanxi-portal_20190918.html", "article_gov_zj-fgw_20161122.html"]
)
def test_gb_encoded_pages(name: str, label: str) -> None:
    path = CORPUS / name
    data = as_gb(path.read_bytes(), label)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    article = extract_article(data, expected(path)["url"] or PAGE_URL)
    assert article.paragraphs == body_of(path)
    assert_matches_expected(article.paragraphs, expected(path))


def test_gb18030_only_characters_survive_a_gbk_declaration() -> None:
    path = CORPUS / "article_gov_zj-fgw_20161122.html"
    text = path.read_bytes().decode("utf-8").replace("德清县发改局", "德清县发改局䶮𠀾")
    data = as_gb(text.encode("utf-8"), "gbk")
    article = extract_article(data, expected(path)["url"])
    assert article.paragraphs[-1].endswith("(德清县发改局䶮𠀾)")


def test_page_declaring_gb2312_but_utf8_is_read_as_utf8() -> None:
    path = CORPUS / "article_news_people-culture_20190615.html"
    assert b"charset=GB2312" in path.read_bytes()
    article = extract_article(path.read_bytes(), PAGE_URL)
    assert_matches_expected(article.paragraphs, expected(path))


def test_utf8_page_relabelled_gbk_is_still_read_as_utf8() -> None:
    path = CORPUS / "article_gov_shanxi-portal_20190918.html"
    data = path.read_bytes().replace(b'charset="utf-8"', b'charset="gbk"')
    assert b'charset="gbk"' in data
    assert extract_article(data, PAGE_URL).paragraphs == body_of(path)


def test_lexbor_keeps_the_body_after_a_stray_html_end_tag_lxml_does_not() -> None:
    """www.gov.cn closes `</html>` after its header include, before the article."""
    path = CORPUS / "article_gov_govcn-gwygb_2007-23.html"
    text = path.read_bytes().decode("utf-8")
    assert text.index("</html>") < text.index("UCAP-CONTENT")
    lxml_body = lxml.html.document_fromstring(text).body
    assert "第二十八次会议" not in lxml_body.text_content()
    assert body_of(path)[0].startswith("第十届全国人民代表大会常务委员会第二十八次会议")


def test_images_of_a_real_page_are_absolute() -> None:
    path = CORPUS / "article_gov_shanxi-portal_20190918.html"
    url = "http://www.shanxi.gov.cn/yw/sxyw/201909/t20190918_693227.shtml"
    article = extract_article(path.read_bytes(), url)
    assert article.images == ("http://www.shanxi.gov.cn/yw/sxyw/201909/W020190918234243033577.jpg",)


def test_real_page_without_body_is_no_body() -> None:
    path = CORPUS / "article_gov_zj-fgw_20161122.html"
    text = path.read_bytes().decode("utf-8")
    start = text.index("<!--ZJEG_RSS.content.begin-->")
    end = text.index("<!--ZJEG_RSS.content.end-->")
    emptied = text[:start] + "<p>&nbsp;</p>" + text[end:]
    with pytest.raises(ExtractionError) as caught:
        extract_article(emptied.encode("utf-8"), expected(path)["url"])
    assert caught.value.code == "no_body"
