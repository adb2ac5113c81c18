"""`eduwatch crawl SITE` end to end: the real command, its `scrapy crawl` subprocess and the
fixture site; the JSON lines, the summary, the exit codes; and the runner's hard timeout."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.commands.crawl import ProgressDisplay
from monitor.config import DATABASE_URL_ENV
from monitor.ingest import known_urls
from monitor.runner import CrawlJob, run_crawl
from monitor.store import open_store
from tests.fixture_site import FixtureSite
from tests.test_spider_support import (
    SITE_ID,
    TEST_SETTINGS,
    expected_fields,
    stored,
    write_config,
)

SETTINGS = [f"--set={name}={value}" for name, value in TEST_SETTINGS.items()]


def test_crawl_writes_json_lines_and_prints_a_summary(
    pdf_list_site: FixtureSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = pdf_list_site
    config = write_config(tmp_path, site, "pdf_list")
    output = tmp_path / "out" / "articles.jsonl"
    code = main(["crawl", SITE_ID, "--config", str(config), "--output", str(output), *SETTINGS])
    captured = capsys.readouterr()
    assert code == 0, captured
    raw = output.read_text("utf-8")
    assert "附件" in raw and "\\u" not in raw  # Chinese as is, not escaped
    records = {record["url"]: record for record in map(json.loads, raw.splitlines())}
    assert sorted(records) == sorted(site.url_of(article) for article in site.articles())
    for article in site.articles():
        record = records[site.url_of(article)]
        assert {key: record[key] for key in ("title", "published_at", "paragraphs")} == (
            expected_fields(site, article)
        )
        assert record["site"] == SITE_ID and record["column"] == "公告通知"
        assert record["change"] == "baseline"
        if article.is_file:
            title = expected_fields(site, article)["title"]
            assert record["attachments"] == [{"name": title, "url": site.url_of(article)}]
    files = sum(article.is_file for article in site.articles())
    lines = captured.out.splitlines()
    assert lines[0].startswith(f"{site.authority.name} ({SITE_ID}): ok in ")
    assert "  pages: 2 list pages (0 unchanged)" in lines[1]
    assert lines[2] == (
        f"  articles: 30 ({30 - files} pages, {files} files): "
        "0 new, 0 revised, 0 unchanged, 30 baseline"
    )
    assert "  failures: none" in lines
    assert "公告通知 page 1: 20 items, 20 to fetch (HTTP 200)" in captured.err  # progress lines
    assert len(stored(config).articles) == 30  # stored as a scheduled run stores


def test_crawl_of_a_failing_site_exits_non_zero(
    challenge_site: FixtureSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, challenge_site, "challenge")
    assert main(["crawl", SITE_ID, "--config", str(config), *SETTINGS]) == 1
    out = capsys.readouterr().out
    assert f"({SITE_ID}): failed in " in out and "anti-bot challenge (HTTP 412)" in out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["nosuchsite"], "nosuchsite"),
        ([SITE_ID, "--column", "没有这个栏目"], "没有这个栏目"),
        ([SITE_ID, "--set", "NOEQUALS"], "NAME=VALUE"),
    ],
)
def test_crawl_usage_errors_exit_2(
    arguments: list[str],
    message: str,
    trs_site: FixtureSite,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = write_config(tmp_path, trs_site, "trs")
    assert main(["crawl", "--config", str(config), *arguments]) == 2
    assert message in capsys.readouterr().err
    assert trs_site.requests == []


def test_the_runner_kills_a_crawl_at_its_deadline_and_fails_its_run(
    trs_site: FixtureSite, tmp_path: Path
) -> None:
    config = write_config(tmp_path, trs_site, "trs")
    trs_site.set_delay(2.0)  # every answer takes 2 s: the crawl cannot end in time
    events: list[dict[str, object]] = []
    job = CrawlJob(SITE_ID, config, settings=TEST_SETTINGS, timeout=15.0)
    result = run_crawl(job, on_event=events.append)
    assert result.timed_out and result.status == "failed" and not result.ok
    assert "timed out after 15 s" in (result.error or "")
    assert events and events[0]["eduwatch"] == "start"
    [(status, error)] = stored(config).runs
    assert status == "failed" and error


def test_the_database_url_from_the_environment_wins(
    trs_site: FixtureSite,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = write_config(tmp_path, trs_site, "trs")
    url = f"sqlite:///{tmp_path / 'elsewhere.sqlite'}"
    monkeypatch.setenv(DATABASE_URL_ENV, url)
    assert main(["crawl", SITE_ID, "--config", str(config), "--column", "通知公告", *SETTINGS]) == 0
    assert "通知公告: ok, 30 items on 2 pages" in capsys.readouterr().out
    store = open_store(url)
    try:
        assert len(known_urls(store, SITE_ID)) == 30
    finally:
        store.close()
    assert not (tmp_path / "data" / "eduwatch.sqlite").exists()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_counts_the_articles_found_so_far() -> None:
    stream = _Terminal()
    display = ProgressDisplay(stream)
    page = {"column": "通知公告", "status": 200, "items": 20, "fetch": 18, "files": 2}
    display.handle({"eduwatch": "page", "page": 1, **page})
    for _ in range(3):
        display.handle({"eduwatch": "article", "column": "通知公告", "change": "new"})
    display.handle({"eduwatch": "failure", "scope": "article", "reason": "http_404"})
    display.handle({"eduwatch": "failure", "scope": "list", "reason": "http_500"})
    assert (display.bar.n, display.bar.total) == (4, 20)
    display.close()
    assert "通知公告 p1" in stream.getvalue()  # the column and page being read
