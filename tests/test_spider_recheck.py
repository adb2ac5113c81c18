"""Re-checks over real HTTP: they follow their own schedule whatever the list page says, as
conditional requests (a 304 costs nothing and is recorded as checked); and an article that
failed during the silent baseline stays part of it when it is fetched later."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from monitor.store.models import ArticleVersion, StoredArticle
from tests.fixture_site import FixtureSite
from tests.fixture_site.pytest_plugin import SiteFactory
from tests.test_spider_support import crawl, open_test_store, stored, write_config

REVISED = [
    "各市教育局：现将有关事项补充通知如下。",
    "一、报名截止时间延长至2024年7月15日。",
]


@pytest.fixture(name="site")
def site_fixture(fixture_site_factory: SiteFactory) -> FixtureSite:
    """One column of eight articles published in 2024: older than the re-check window, so
    only their place on the first list page makes them due."""
    return fixture_site_factory("trs", columns=1, articles_per_column=8)


def article_events(config: Path) -> list[tuple[str, str]]:
    return [(kind, url) for kind, url in stored(config).events if kind != "site_stale"]


def last_checked(config: Path) -> dict[str, object]:
    store = open_test_store(config)
    try:
        with store.transaction() as session:
            rows = session.execute(select(StoredArticle.url, StoredArticle.last_checked))
            return {url: when for url, when in rows}
    finally:
        store.close()


def test_an_article_revised_in_place_is_found_when_the_list_answers_304(
    site: FixtureSite, tmp_path: Path
) -> None:
    config = write_config(tmp_path, site, "trs")
    assert crawl(config).status == "ok"  # the silent baseline
    checked_before = last_checked(config)
    article = site.items("gzdt")[3]
    site.revise(article.id, paragraphs=REVISED)  # same title and date: the list is unchanged
    site.reset_log()
    result = crawl(config)
    assert result.status == "ok", result.error
    list_path = site.list_url("gzdt").removeprefix(site.base_url)
    assert [e.status for e in site.requests if e.path == list_path] == [304]
    assert article_events(config) == [("revised", site.url_of(article))]
    # every re-check was conditional: the unchanged pages cost a 304 and count as checked
    pages = {a.path for a in site.items("gzdt")}
    answers = {e.path: (e.status, "if-none-match" in e.headers) for e in site.requests}
    assert {path: answers[path] for path in pages} == {
        path: (200, True) if path == article.path else (304, True) for path in pages
    }
    assert result.stats["not_modified"] == 7
    assert result.stats["changes"] == {"revised": 1, "unchanged": 7}
    assert result.stats["failures"] == {}
    checked_after = last_checked(config)
    assert all(checked_after[url] > checked_before[url] for url in checked_before)  # type: ignore[operator]
    # the revised page's new validators are kept: the next re-check of it is a 304 too
    site.reset_log()
    assert crawl(config).status == "ok"
    assert {e.status for e in site.requests if e.path in pages} == {304}


def test_a_page_fetched_after_a_changed_normalizer_is_read_in_full(
    site: FixtureSite, tmp_path: Path
) -> None:
    """Validators are only sent for articles whose stored version this normalizer made."""
    config = write_config(tmp_path, site, "trs")
    assert crawl(config).status == "ok"
    store = open_test_store(config)
    try:
        with store.transaction() as session:
            for version in session.scalars(select(ArticleVersion)):
                version.normalizer_version = "0.0-old"
    finally:
        store.close()
    site.reset_log()
    result = crawl(config)
    assert result.status == "ok", result.error
    pages = {a.path for a in site.items("gzdt")}
    assert {(e.status, "if-none-match" in e.headers) for e in site.requests if e.path in pages} == {
        (200, False)
    }
    assert article_events(config) == []  # re-baselined silently


def test_an_article_that_failed_during_the_baseline_is_part_of_it(
    site: FixtureSite, tmp_path: Path
) -> None:
    config = write_config(tmp_path, site, "trs")
    failing = site.items("gzdt")[2]
    site.fail_first(failing.path, count=4, status=500)  # the first try and its 3 retries
    result = crawl(config)
    assert result.status == "partial" and result.stats["failures"] == {"http_500": 1}
    assert site.url_of(failing) not in stored(config).articles
    fresh = site.publish("gzdt", "关于做好2024年暑期学校安全工作的通知")
    result = crawl(config)
    assert result.status == "ok", result.error
    assert site.url_of(failing) in stored(config).articles
    assert result.stats["changes"].get("baseline") == 1  # stored now, silently
    assert article_events(config) == [("new", site.url_of(fresh))]
