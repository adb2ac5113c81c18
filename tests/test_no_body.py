"""No body, no article: a page whose text is missing (only its metadata table, navigation and
footer remain) is an extraction failure with its reason, in `eduwatch extract`, in a crawl's
failure counts, and it never reaches the store as an article or a revision."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crawler.normalize import ExtractionError, extract_article
from tests.article_patterns import article_patterns
from tests.fixture_site import FixtureSite
from tests.paths import ROOT
from tests.test_spider_support import crawl, stored, write_config

NO_BODY = [page for page in article_patterns() if not page.paragraphs]
NOTICE = "关于做好2024年暑期学生安全教育工作的通知"
NOTICE_BODY = ["各市教育局：", "暑期将至，为切实做好学生安全教育工作，现将有关事项通知如下。"]
# The text gone, only a furniture line left where it was (the fixture site keeps one line).
MISSING = ["【打印本页】【关闭窗口】"]


@pytest.mark.parametrize("page", NO_BODY, ids=[page.name for page in NO_BODY])
def test_a_page_of_metadata_navigation_and_footer_has_no_body(page: object) -> None:
    from tests.article_patterns import ArticlePage

    assert isinstance(page, ArticlePage)
    with pytest.raises(ExtractionError) as raised:
        extract_article(page.body, page.url)
    assert raised.value.code == "no_body"
    assert raised.value.reason.startswith("no body found")


def test_extract_command_fails_with_the_reason(tmp_path: Path) -> None:
    saved = tmp_path / "page.html"
    saved.write_bytes(NO_BODY[0].body)
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "extract", str(saved), "--url", NO_BODY[0].url],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert "no body found" in done.stderr and "(no_body)" in done.stderr


def test_a_crawl_counts_it_and_stores_no_article_and_no_revision(
    trs_site: FixtureSite, tmp_path: Path
) -> None:
    config = write_config(tmp_path, trs_site, "trs")
    assert crawl(config).status == "ok"  # the silent baseline
    fine = trs_site.publish("tzgg", NOTICE, NOTICE_BODY)
    empty = trs_site.publish("gzdt", NOTICE + "（补充）", NOTICE_BODY)
    trs_site.revise(empty.id, paragraphs=MISSING)
    result = crawl(config)
    assert result.stats["failures"] == {"no_body": 1}
    view = stored(config)
    assert trs_site.url_of(fine) in view.articles
    assert trs_site.url_of(empty) not in view.articles
    versions = view.versions
    # the stored article's text goes missing: a re-check fails, no revision is stored
    trs_site.revise(fine.id, paragraphs=MISSING)
    result = crawl(config)
    assert result.stats["failures"].get("no_body", 0) >= 1
    view = stored(config)
    assert view.versions == versions
    assert view.articles[trs_site.url_of(fine)]["paragraphs"][-1].startswith("暑期将至")
    assert [kind for kind, _ in view.events if kind == "revised"] == []
