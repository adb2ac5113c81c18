"""Every real article page of tests/corpus against its ``.expected.json``.

One test per page and field group (title, date, source, body). Expected values are not
NFKC-normalized, so both sides are compared after NFKC and whitespace folding (corpus README).
The URL is the expected one, or a plausible one on the page's domain from MANIFEST.tsv: the
article's own path where the page names it (share links, ``Url`` meta, ids), else a path
without a date, so that a URL date never hides a failure to read the visible date.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from functools import cache
from typing import Any

import pytest

from crawler.normalize import Article, extract_article
from tests.paths import CORPUS

# Paths the pages themselves give away (bShare link, `Url` meta, contentid/publishid/manuscriptId).
KNOWN_PATHS = {
    "article_gov_cmse_20120624.html": "/ztbd/xwfbh/201206/t20120624_43188.html",
    "article_gov_shanxi-portal_20190918.html": "/yw/sxyw/201909/t20190918_693227.shtml",
    "article_gov_govcn-gwygb_2007-23.html": "/gongbao/content/2007/content_711039.htm",
    "article_news_people-culture_20190615.html": "/n1/2019/0615/c1013-31153719.html",
    "article_news_xinhuanet_20191210.html": "/2019-12/10/c_1125327450.htm",
    "article_news_thepaper_20190924.html": "/newsDetail_forward_4506347",
}


def manifest() -> dict[str, dict[str, str]]:
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8", newline="") as handle:
        return {row["file"]: row for row in csv.DictReader(handle, delimiter="\t")}


ROWS = manifest()
PAGES = sorted(
    name
    for name in ROWS
    if name.startswith("article_") and (CORPUS / f"{name}.expected.json").exists()
)


def fold(text: str | None) -> str | None:
    if text is None:
        return None
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def expected(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CORPUS / f"{name}.expected.json").read_text("utf-8"))
    return data


def page_url(name: str) -> str:
    given = expected(name).get("url")
    if given:
        return str(given)
    row = ROWS[name]
    path = KNOWN_PATHS.get(name, f"/article/{row['sha1_12']}.html")
    return f"http://{row['site_domain']}{path}"


@cache
def article(name: str) -> Article:
    return extract_article((CORPUS / name).read_bytes(), page_url(name))


def test_the_corpus_has_article_pages() -> None:
    assert len(PAGES) >= 8


@pytest.mark.parametrize("name", PAGES)
def test_title(name: str) -> None:
    assert fold(article(name).title) == fold(expected(name)["title"])


@pytest.mark.parametrize("name", PAGES)
def test_published_date(name: str) -> None:
    want = expected(name)
    got = article(name).published_at
    if want["publish_date"] is None:
        # No visible date: a meta date may stand in, never the document or generation date.
        wrong = {str(want.get(key) or "")[:10] for key in ("document_date", "page_generated")}
        assert got is None or got[:10] not in wrong
        return
    assert got is not None
    assert got[:10] == want["publish_date"][:10]
    if "T" in want["publish_date"]:
        assert got[11:16] == want["publish_date"][11:16]
        assert got.endswith("+08:00")


@pytest.mark.parametrize("name", PAGES)
def test_source(name: str) -> None:
    assert fold(article(name).source) == fold(expected(name)["source"])


@pytest.mark.parametrize("name", PAGES)
def test_body(name: str) -> None:
    want = expected(name)
    paragraphs = article(name).paragraphs
    assert fold(paragraphs[0]) == fold(want["body_first_paragraph"])
    assert fold(paragraphs[-1]) == fold(want["body_last_paragraph"])
    assert len(paragraphs) == want["body_paragraph_count"]
