"""Sites that misbehave, over real HTTP: server errors retried, robots.txt obeyed, empty columns,
anti-bot challenges, sites down; and withdrawal evidence (404 after vanishing from the list)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from tests.fixture_site import FixtureSite
from tests.fixture_site.pytest_plugin import SiteFactory
from tests.test_spider_support import (
    crawl,
    fetched_paths,
    stored,
    write_config,
)


def statuses(site: FixtureSite, path: str) -> list[int]:
    return [entry.status for entry in site.requests if entry.path == path]


def test_server_errors_are_retried_until_they_succeed(
    trs_site: FixtureSite, tmp_path: Path
) -> None:
    config = write_config(tmp_path, trs_site, "trs")
    list_path = urlsplit(trs_site.list_url("gzdt")).path
    article = trs_site.items("tzgg")[0]
    trs_site.fail_first(list_path, count=2, status=500)
    trs_site.fail_first(article.path, count=1, status=503)
    result = crawl(config)
    assert result.status == "ok", result.error
    assert result.stats["failures"] == {} and result.stats["retries"] == 3
    assert statuses(trs_site, list_path) == [500, 500, 200]
    assert statuses(trs_site, article.path) == [503, 200]
    assert trs_site.url_of(article) in stored(config).articles


def test_an_article_that_keeps_failing_is_fetched_again_next_time(
    trs_site: FixtureSite, tmp_path: Path
) -> None:
    config = write_config(tmp_path, trs_site, "trs")
    article = trs_site.items("zcwj")[2]
    trs_site.fail_first(article.path, count=4, status=500)  # the first try and 3 retries
    result = crawl(config)
    assert result.status == "partial" and result.stats["failures"] == {"http_500": 1}
    assert trs_site.url_of(article) not in stored(config).articles
    trs_site.reset_log()
    assert crawl(config).status == "ok"
    # its column's list is read in full again (no 304 hides the article), the others are not
    zcwj_list = [e for e in trs_site.requests if e.path == "/zwgk/zcwj/index.html"]
    assert [(e.status, "if-none-match" in e.headers) for e in zcwj_list] == [(200, False)]
    assert trs_site.url_of(article) in stored(config).articles


def test_robots_txt_is_obeyed(trs_site: FixtureSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, trs_site, "trs")
    trs_site.set_robots(["/xwzx/tzgg/", "/zwgk/zcwj/2024"])  # a column's list, another's pages
    result = crawl(config)
    paths = fetched_paths(trs_site)
    assert not [p for p in paths if p.startswith(("/xwzx/tzgg/", "/zwgk/zcwj/2024"))]
    assert "/zwgk/zcwj/index.html" in paths
    columns = result.stats["columns"]
    assert columns["通知公告"]["status"] == "blocked" and "robots" in columns["通知公告"]["reason"]
    assert columns["工作动态"]["status"] == columns["政策文件"]["status"] == "ok"
    assert result.stats["failures"] == {"robots": len(trs_site.items("zcwj"))}
    assert result.status == "partial"


def test_a_column_without_list_items_is_broken(trs_site: FixtureSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, trs_site, "trs")
    for article in trs_site.items("zcwj"):
        trs_site.delete(article.id)
    result = crawl(config)
    column = result.stats["columns"]["政策文件"]
    assert column["status"] == "broken" and "no list items" in column["reason"]
    assert result.status == "partial" and "政策文件" in (result.error or "")
    [(status, error)] = stored(config).runs
    assert status == "partial" and "政策文件" in (error or "")


def test_a_site_with_no_list_items_at_all_fails(
    fixture_site_factory: SiteFactory, tmp_path: Path
) -> None:
    site = fixture_site_factory("css", articles_per_column=0)
    config = write_config(tmp_path, site, "css")
    result = crawl(config)
    assert result.status == "failed" and not result.ok
    assert {c["status"] for c in result.stats["columns"].values()} == {"broken"}
    assert [status for status, _ in stored(config).runs] == ["failed"]


def test_a_challenge_site_is_reported_and_never_parsed(
    challenge_site: FixtureSite, tmp_path: Path
) -> None:
    config = write_config(tmp_path, challenge_site, "challenge")
    result = crawl(config)
    assert result.status == "failed" and "challenge" in (result.error or "")
    assert {c["status"] for c in result.stats["columns"].values()} == {"challenge"}
    assert result.stats["pages"] == 0 and result.stats["articles"] == 0
    # the list pages answered 412 and nothing was read from them: no article, no page 2
    assert sorted(fetched_paths(challenge_site)) == sorted(
        urlsplit(challenge_site.list_url(key)).path for key in challenge_site.specs
    )
    view = stored(config)
    assert view.articles == {} and [status for status, _ in view.runs] == ["failed"]


def test_a_deleted_article_is_withdrawn_after_two_crawls_see_it_gone(
    trs_site: FixtureSite, tmp_path: Path
) -> None:
    config = write_config(tmp_path, trs_site, "trs")
    assert crawl(config).status == "ok"
    victim = trs_site.items("tzgg")[3]
    trs_site.delete(victim.id)
    trs_site.reset_log()
    first = crawl(config)
    assert first.status == "ok" and first.stats["gone"] == 1
    assert statuses(trs_site, victim.path) == [404]
    assert [kind for kind, _ in stored(config).events if kind == "withdrawn"] == []
    trs_site.reset_log()
    second = crawl(config)  # its list is unchanged now (304): the suspect is probed again
    assert second.status == "ok" and statuses(trs_site, victim.path) == [404]
    withdrawn = [(kind, url) for kind, url in stored(config).events if kind == "withdrawn"]
    assert withdrawn == [("withdrawn", trs_site.url_of(victim))]
    trs_site.reset_log()
    assert crawl(config).status == "ok"
    assert statuses(trs_site, victim.path) == []  # withdrawn: no more probes


def test_a_site_down_or_behind_a_challenge_withdraws_nothing(
    trs_site: FixtureSite, tmp_path: Path
) -> None:
    config = write_config(tmp_path, trs_site, "trs")
    assert crawl(config).status == "ok"
    victim = trs_site.items("gzdt")[0]
    trs_site.delete(victim.id)
    trs_site.set_down(True)
    down = crawl(config)
    assert down.status == "failed" and {c["status"] for c in down.stats["columns"].values()} == {
        "failed"
    }
    trs_site.set_down(False)
    trs_site.set_challenge(True)
    assert crawl(config).status == "failed"
    trs_site.set_challenge(False)
    trs_site.reset_log()
    back = crawl(config)  # the first healthy crawl after the deletion: one piece of evidence
    assert back.status == "ok" and back.stats["gone"] == 1
    view = stored(config)
    assert [status for status, _ in view.runs] == ["ok", "failed", "failed", "ok"]
    assert [kind for kind, _ in view.events if kind == "withdrawn"] == []
    assert view.articles[trs_site.url_of(victim)]["status"] == "active"


def test_a_store_that_cannot_open_fails_the_crawl_without_a_request(
    trs_site: FixtureSite, tmp_path: Path
) -> None:
    config = write_config(tmp_path, trs_site, "trs")
    (tmp_path / "blocker").write_text("a file where the store's folder should be", "utf-8")
    database = f"sqlite:///{tmp_path / 'blocker' / 'eduwatch.sqlite'}"
    result = crawl(config, database_url=database)
    assert result.status == "failed" and "cannot open the store" in (result.error or "")
    assert result.exit_code == 0  # the crawl ended cleanly, with its reason recorded
    assert trs_site.requests == []


def test_article_challenges_and_extraction_errors_are_counted_never_stored(
    trs_site: FixtureSite, tmp_path: Path
) -> None:
    config = write_config(tmp_path, trs_site, "trs")
    challenged, soft_error = trs_site.items("gzdt")[1], trs_site.items("tzgg")[2]
    trs_site.fail_first(challenged.path, count=1, status=412)  # 412: a challenge, never retried
    trs_site.fail_first(soft_error.path, count=1, status=200)  # an error page answered as 200
    result = crawl(config)
    assert result.status == "partial"
    assert result.stats["failures"] == {"challenge": 1, "no_body": 1}
    assert statuses(trs_site, challenged.path) == [412]
    articles = stored(config).articles
    assert trs_site.url_of(challenged) not in articles
    assert trs_site.url_of(soft_error) not in articles
    assert len(articles) == len(trs_site.articles()) - 2


def test_site_politeness_and_headers_come_from_its_yaml(
    trs_site: FixtureSite, tmp_path: Path
) -> None:
    headers = {"Referer": "http://jyt.shanxi.gov.cn/", "Accept-Language": "zh-CN,zh;q=0.9"}
    config = write_config(
        tmp_path, trs_site, "trs", obey_robots=False, headers=headers, concurrency=1
    )
    trs_site.set_robots(["/"])  # everything disallowed: this site's YAML says not to obey
    result = crawl(config)
    assert result.status == "ok" and result.stats["robots_forbidden"] == 0
    requests = trs_site.requests
    assert not [entry for entry in requests if entry.path == "/robots.txt"]
    assert len(requests) == len(trs_site.articles()) + 6  # and 2 list pages x 3 columns
    for entry in requests:
        assert entry.headers["referer"] == headers["Referer"]
        assert entry.headers["accept-language"] == headers["Accept-Language"]
        assert entry.headers["user-agent"].startswith("eduwatch/")
