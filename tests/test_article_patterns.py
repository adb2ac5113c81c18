"""Article patterns of real government sites (tests/article_patterns.py): an official notice
keeps its recipients line first and its issuing office and signing date last, as paragraphs;
a disclosure page's metadata table gives title, date, document number and source without
their labels, and is never body. Each in several CMS markups, UTF-8 and GB18030."""

from __future__ import annotations

import pytest

from crawler.normalize import extract_article
from tests.article_patterns import ArticlePage, article_patterns

PAGES = [page for page in article_patterns() if page.paragraphs]


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_values_a_reader_reads(page: ArticlePage) -> None:
    article = extract_article(page.body, page.url)
    assert article.title == page.title
    assert (article.published_at or "")[:10] == page.date
    assert article.source == page.source
    assert article.document_number == page.document_number
    assert article.paragraphs == page.paragraphs


def test_notice_text_starts_with_recipients_and_ends_with_signature() -> None:
    page = next(p for p in PAGES if p.name == "notice-trs-utf8")
    lines = extract_article(page.body, page.url).text.split("\n")
    body = [line for line in lines[4:] if line]
    assert body[0].startswith("  各省、自治区、直辖市教育厅(教委)")
    assert body[-2:] == ["  教育部办公厅", "  2024年5月30日"]


def test_metadata_labels_never_reach_title_or_body() -> None:
    for page in (p for p in PAGES if p.name.startswith("disclosure")):
        article = extract_article(page.body, page.url)
        assert not article.title.startswith(("名称", "名 称"))
        assert not any("索引号" in p or "发布机构" in p for p in article.paragraphs)
