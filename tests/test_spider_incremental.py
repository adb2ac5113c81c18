"""Incremental crawls over real HTTP: conditional list requests, fetching only what is new or due,
and a crawl killed half way (SIGKILL) that loses and duplicates nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from monitor.runner import PROJECT_ROOT, CrawlJob, crawl_command
from tests.fixture_site import FixtureSite
from tests.fixture_site.pytest_plugin import SiteFactory
from tests.test_spider_support import (
    SITE_ID,
    TEST_SETTINGS,
    article_targets,
    crawl,
    fetched_paths,
    stored,
    write_config,
)

NOTICE = "关于做好2024年普通高校招生工作的通知"
NOTICE_BODY = [
    "各市教育局：为做好2024年普通高校招生工作，现将有关事项通知如下。",
    "一、高度重视，加强组织领导。各地要把招生工作摆在突出位置，确保公平公正。",
]


def first_list_paths(site: FixtureSite) -> list[str]:
    return sorted(urlsplit(site.list_url(key)).path for key in site.specs)


def article_events(config: Path) -> list[tuple[str, str]]:
    return [(kind, url) for kind, url in stored(config).events if kind != "site_stale"]


def first_page_articles(site: FixtureSite) -> set[str]:
    """The article pages the first list page of each column shows (re-checked every crawl)."""
    per_page = site.options.per_page
    return {a.path for key in site.specs for a in site.items(key)[:per_page] if not a.is_file}


def test_nothing_new_costs_only_304s(trs_site: FixtureSite, tmp_path: Path) -> None:
    """The first list page of each column, and the re-checks of the articles it shows: all
    conditional, all answered 304."""
    config = write_config(tmp_path, trs_site, "trs")
    assert crawl(config).status == "ok"
    trs_site.reset_log()
    result = crawl(config)
    assert result.status == "ok", result.error
    paths = fetched_paths(trs_site)
    assert sorted(set(paths) - article_targets(trs_site)) == first_list_paths(trs_site)
    assert set(paths) & article_targets(trs_site) == first_page_articles(trs_site)
    assert len(paths) == len(set(paths))
    assert {e.status for e in trs_site.requests if e.path != "/robots.txt"} == {304}
    assert result.stats["not_modified"] == len(first_page_articles(trs_site))
    assert result.stats["unchanged_pages"] == 3 and result.stats["articles"] == 0
    assert {c["status"] for c in result.stats["columns"].values()} == {"unchanged"}
    assert [status for status, _ in stored(config).runs] == ["ok", "ok"]  # a 304 is no failure
    assert article_events(config) == []


def test_list_requests_are_conditional_and_a_changed_list_answers_in_full(
    trs_site: FixtureSite, tmp_path: Path
) -> None:
    config = write_config(tmp_path, trs_site, "trs")
    assert crawl(config).status == "ok"
    validators = {}
    for path in first_list_paths(trs_site):
        with urllib.request.urlopen(trs_site.url(path)) as answer:
            validators[path] = (answer.headers["ETag"], answer.headers["Last-Modified"])
    trs_site.publish("tzgg", NOTICE, NOTICE_BODY)
    trs_site.reset_log()
    assert crawl(config).status == "ok"
    lists = {e.path: e for e in trs_site.requests if e.path in validators}
    assert sorted(lists) == sorted(validators)
    for path, entry in lists.items():
        etag, modified = validators[path]
        assert entry.headers["if-none-match"] == etag
        assert entry.headers["if-modified-since"] == modified
        changed = path.startswith("/xwzx/tzgg/")
        assert entry.status == (200 if changed else 304), path


def test_a_published_article_is_fetched_and_raises_one_new_event(
    trs_site: FixtureSite, tmp_path: Path
) -> None:
    config = write_config(tmp_path, trs_site, "trs")
    assert crawl(config).status == "ok"  # the silent baseline
    article = trs_site.publish("tzgg", NOTICE, NOTICE_BODY)
    trs_site.reset_log()
    result = crawl(config)
    assert result.status == "ok", result.error
    paths = fetched_paths(trs_site)
    assert paths.count(article.path) == 1
    # besides it, only the re-checks the store asks for: the articles on the first list pages
    assert set(paths) & article_targets(trs_site) <= first_page_articles(trs_site)
    assert "/xwzx/tzgg/index_1.html" in paths  # page 1 had news: page 2 read, nothing on it new
    assert not (set(paths) & {a.path for a in trs_site.items("tzgg")[20:]})
    assert result.stats["changes"].get("new") == 1
    assert result.stats["changes"].get("revised") is None
    assert article_events(config) == [("new", trs_site.url_of(article))]
    # the next crawl: lists unchanged; the re-checks (the new article's too) answer 304
    trs_site.reset_log()
    assert crawl(config).status == "ok"
    paths = fetched_paths(trs_site)
    assert set(paths) - article_targets(trs_site) == set(first_list_paths(trs_site))
    assert article.path in paths
    assert {e.status for e in trs_site.requests if e.path != "/robots.txt"} == {304}
    assert article_events(config) == [("new", trs_site.url_of(article))]


def test_known_urls_file_without_a_store(trs_site: FixtureSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, trs_site, "trs")
    unknown = trs_site.items("tzgg")[0]
    known = [a for a in trs_site.articles() if a != unknown]
    known_file = tmp_path / "known.txt"
    known_file.write_text("# known\n\n" + "\n".join(map(trs_site.url_of, known)), "utf-8")
    output = tmp_path / "out.jsonl"
    result = crawl(config, database_url="none", known_urls=known_file, output=output)
    assert result.status == "ok", result.error
    assert set(fetched_paths(trs_site)) & article_targets(trs_site) == {unknown.path}
    [line] = output.read_text("utf-8").splitlines()
    assert json.loads(line)["url"] == trs_site.url_of(unknown)
    assert not (tmp_path / "data" / "eduwatch.sqlite").exists()


def test_a_crawl_killed_half_way_loses_and_duplicates_nothing(
    fixture_site_factory: SiteFactory, tmp_path: Path
) -> None:
    site = fixture_site_factory("trs", columns=1, articles_per_column=20)
    config = write_config(tmp_path, site, "trs")
    assert crawl(config).status == "ok"  # baseline
    published = [site.publish("gzdt", f"{NOTICE}（第{n}号）", NOTICE_BODY) for n in range(15)]
    site.set_delay(0.1)
    killed_after = kill_after_new_articles(config, 5)
    assert 5 <= killed_after < len(published)
    stored_early = {url for kind, url in article_events(config) if kind == "new"}
    assert 5 <= len(stored_early) < len(published)  # half way: some stored, some not
    site.set_delay(0)
    assert crawl(config).status == "ok"
    view = stored(config)
    live = {site.url_of(article) for article in site.articles()}
    assert set(view.articles) == live
    assert view.versions == len(live)  # nothing stored twice
    new = [url for kind, url in view.events if kind == "new"]
    assert sorted(new) == sorted(site.url_of(article) for article in published)
    # the killed run has no live owner: the next run fails it as interrupted
    assert [status for status, _ in view.runs] == ["ok", "failed", "ok"]
    assert "interrupted" in (view.runs[1][1] or "")


def kill_after_new_articles(config: Path, count: int) -> int:
    """Run a crawl and SIGKILL its process group once it stored ``count`` new articles;
    returns how many it had reported by then. Past its second article, the store writer
    process stores them (it dies with the group)."""
    settings = {**TEST_SETTINGS, "EDUWATCH_STORE_WRITER_AFTER": "2"}
    job = CrawlJob(SITE_ID, config, settings=settings)
    command = crawl_command(job, config.parent / "killed-stats.json")
    child = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    seen = 0
    try:
        assert child.stdout is not None
        for line in child.stdout:
            event = json.loads(line)
            if event.get("eduwatch") == "article" and event.get("change") == "new":
                seen += 1
                if seen >= count:
                    break
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    return seen
