"""The sample article: a TRS page holding its content renders to the sample's format, byte for byte.

The expected text is rebuilt from tests/sample/sample-article.txt with the defects that
docs/article-format.md lists taken out: the lead printed three times, leaked markup, paragraphs run
together on one line, the aggregator's footer.
"""

from __future__ import annotations

from crawler.normalize import extract_article
from tests.paths import PAGES, SAMPLE

PAGE = PAGES / "jyt-shanxi_t20200618.html"
URL = "http://jyt.shanxi.gov.cn/xwzx/ywsd/202006/t20200618_1234567.shtml"
LEAKED_MARKUP = ("1jpg/></p><p>", "</p><p style=2jpg/></p><p>", "</p></article>")


def sample_paragraphs() -> list[str]:
    """The sample's body paragraphs, as its author meant them."""
    lines = SAMPLE.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "摘要" and lines[1] == ""
    body_lines = [line for line in lines[5:] if line.startswith("  ") or "</p><p>" in line]
    joined = "</p><p>".join(body_lines)
    for fragment in LEAKED_MARKUP:
        joined = joined.replace(fragment, "</p><p>")
    return [part.strip() for part in joined.split("</p><p>") if part.strip()]


def expected_text() -> str:
    paragraphs = sample_paragraphs()
    body = "".join(paragraphs)
    summary = body[:200] + "..."
    return "\n\n".join(["摘要", summary, *("  " + p for p in paragraphs)]) + "\n"


def test_sample_paragraphs_are_recovered_without_defects() -> None:
    paragraphs = sample_paragraphs()
    assert len(paragraphs) == 5
    assert paragraphs[0].startswith("6月18日上午,山西省教育厅召开")
    assert paragraphs[1].startswith("会议强调,开学复课关系千家万户")
    assert paragraphs[-1].startswith("会议以视频方式召开。")
    assert not any("<" in p or ">" in p or "二维码" in p for p in paragraphs)


def test_trs_page_renders_exactly_the_sample_format() -> None:
    article = extract_article(PAGE.read_bytes(), URL)
    assert article.text == expected_text()
    assert article.text.encode("utf-8") == expected_text().encode("utf-8")


def test_trs_page_metadata() -> None:
    article = extract_article(PAGE.read_bytes(), URL)
    assert article.title == "山西省教育厅召开全省教育系统疫情防控工作推进会议"
    assert article.published_at == "2020-06-18T17:32:00+08:00"
    assert article.source == "山西省教育厅"
    # The page's description is the start of the first paragraph: rule 3 prints no lead line.
    assert article.lead is None
    assert article.images == (
        "http://jyt.shanxi.gov.cn/xwzx/ywsd/202006/W020200618512345678901.jpg",
        "http://jyt.shanxi.gov.cn/xwzx/ywsd/202006/W020200618512345678902.jpg",
    )
    assert article.summary == expected_text().split("\n")[2]
