"""The listing spider against every fixture family, over real HTTP: a real `scrapy crawl listing`
subprocess stores exactly the articles the fixture site publishes, with the values it expects."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixture_site import FixtureSite
from tests.fixture_site.pytest_plugin import SiteFactory
from tests.test_spider_support import (
    crawl,
    expected_fields,
    fetched_paths,
    stored,
    write_config,
)

FAMILIES = {
    # family: articles per column (Hanweb: 45 in the page's datastore, the rest by POST)
    "trs": 30,
    "trs_index2": 30,
    "tianjin": 30,
    "hanweb": 60,
    "json_search": 30,
    "gbk": 30,
    "pdf_list": 30,
    "css": 30,
}


def crawl_family(factory: SiteFactory, family: str, tmp_path: Path) -> FixtureSite:
    site = factory(family, articles_per_column=FAMILIES[family])
    config = write_config(tmp_path, site, family)
    # the biggest family crawl stores its articles past the 50th through the store writer
    writer = {"EDUWATCH_STORE_WRITER_AFTER": "50"} if family == "hanweb" else {}
    result = crawl(config, settings=writer)
    assert result.status == "ok", f"{result.error}\n{result.log_tail}"
    assert result.stats["failures"] == {}
    view = stored(config)
    expected = {site.url_of(article): expected_fields(site, article) for article in site.articles()}
    got = {
        url: {key: fields[key] for key in ("title", "published_at", "paragraphs")}
        for url, fields in view.articles.items()
    }
    assert sorted(got) == sorted(expected)
    mismatched = [url for url in expected if got[url] != expected[url]]
    assert not mismatched, (mismatched[0], got[mismatched[0]], expected[mismatched[0]])
    # a silent baseline: everything stored once, no article event
    assert view.versions == len(expected)
    assert [kind for kind, _ in view.events if kind in ("new", "revised")] == []
    assert result.stats["changes"] == {"baseline": len(expected)}
    assert result.stats["stored_by_writer"] == (len(expected) - 50 if writer else 0)
    return site


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_crawls_to_the_expected_articles(
    family: str, fixture_site_factory: SiteFactory, tmp_path: Path
) -> None:
    site = crawl_family(fixture_site_factory, family, tmp_path)
    paths = fetched_paths(site)
    # each article page fetched once, file items never (they become file articles)
    pages = [a.path for a in site.articles() if not a.is_file]
    assert sorted(p for p in paths if p in set(pages)) == sorted(pages)
    files = {a.path for a in site.articles() if a.is_file}
    assert not files & set(paths)
    if family == "trs_index2":
        assert any(p.endswith("/index_2.html") for p in paths)
        assert not any(p.endswith("/index_1.html") for p in paths)
    if family == "hanweb":
        posts = fetched_paths(site, "POST")
        assert posts and all(p.startswith("/module/web/jpage/dataproxy.jsp") for p in posts)
    if family == "pdf_list":
        assert files, "the pdf_list fixture has file items"
