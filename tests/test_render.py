"""The render decisions without a browser: the `render:` key, a machine without Chromium (a valid
configuration; the crawl of a browser column fails, saying which package to install, and the
other columns are crawled; check-config warns), what a crawl remembers and when it asks again,
which list pages count as built by scripts, and how crawl and status report the browser's pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.settings import Settings

from crawler.middlewares import ROLE
from crawler.render.detect import scripts_build_list
from crawler.render.memory import RenderMemory
from crawler.render.planner import RENDER, NoBrowser, RenderPlanner
from crawler.render.report import browser_text
from crawler.sites import load_site, load_sites
from monitor.cli import main
from tests.fixture_site.scripted import build_scripted_site
from tests.test_sites import GOOD, write_site
from tests.test_spider_support import crawl, stored, write_config

MISSING = "/nonexistent/chromium"


def test_render_is_accepted_per_site_and_per_column(tmp_path: Path) -> None:
    text = GOOD + "render: http\n"
    text = text.replace("category: notice", "category: notice\n    render: browser", 1)
    write_site(tmp_path, "good.yaml", text)
    site = load_site(tmp_path, "good")
    assert site.render == "http"
    assert [column.render for column in site.effective_columns()] == ["browser"]


BROWSER_COLUMN = """\
    render: browser
  - name: 新闻
    url: http://jyt.shanxi.gov.cn/xwzx/xw/
    category: news
"""
TWO_COLUMNS = GOOD + BROWSER_COLUMN


def test_a_browser_column_is_valid_on_a_machine_without_chromium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whether this machine can render is the crawl's question, not the configuration's."""
    monkeypatch.setenv("EDUWATCH_CHROMIUM", MISSING)
    write_site(tmp_path, "good.yaml", TWO_COLUMNS)
    write_site(tmp_path, "whole.yaml", GOOD.replace("id: good", "id: whole") + "render: browser\n")
    loaded = load_sites(tmp_path)
    assert loaded.errors == ()
    assert [site.id for site in loaded.sites] == ["good", "whole"]
    assert [c.render for c in loaded.site("good").effective_columns()] == ["browser", "auto"]
    assert loaded.site("good").browser_columns() == {("columns", 0, "render"): ("公告通知",)}
    assert loaded.site("whole").browser_columns() == {("render",): ("公告通知",)}


def test_check_config_warns_of_the_browser_columns_this_machine_cannot_render(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EDUWATCH_CHROMIUM", MISSING)
    write_site(tmp_path, "good.yaml", TWO_COLUMNS)
    write_site(tmp_path, "whole.yaml", GOOD.replace("id: good", "id: whole") + "render: browser\n")
    write_site(tmp_path, "auto.yaml", GOOD.replace("id: good", "id: auto") + "render: auto\n")
    assert main(["check-config", "--config", str(tmp_path)]) == 0  # valid configuration
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3  # render: auto needs no browser until a page does
    sites = f"warning: {tmp_path}/sites"
    assert out[0].startswith(f"{sites}/good.yaml:9: columns[0].render: 公告通知: ")
    assert out[1].startswith(f"{sites}/whole.yaml:9: render: 公告通知: ")
    for line in out[:2]:
        assert f"Chromium is not installed at {MISSING}" in line
        assert "apt-get install chromium" in line
        assert "eduwatch worker --browser" in line
    assert out[2] == "3 sites, 4 columns, 3 enabled: OK"

    monkeypatch.setenv("EDUWATCH_CHROMIUM", "/bin/sh")  # an executable: "a browser"
    assert main(["check-config", "--config", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "3 sites, 4 columns, 3 enabled: OK\n"


def test_a_planner_without_a_browser_fails_only_the_browser_columns(tmp_path: Path) -> None:
    write_site(tmp_path, "good.yaml", TWO_COLUMNS)
    site = load_site(tmp_path, "good")
    columns = {column.name: column for column in site.effective_columns()}
    plan = RenderPlanner(site, columns, RenderMemory(None))
    assert plan.configure(Settings({"EDUWATCH_CHROMIUM": MISSING})) == {}
    assert plan.unrenderable() == ["公告通知"]
    assert plan.unavailable() is None  # 新闻 can be crawled
    browser = Request("http://jyt.shanxi.gov.cn/", meta={ROLE: "list", "column": "公告通知"})
    with pytest.raises(NoBrowser, match=f"Chromium is not installed at {MISSING}"):
        plan.route(browser)
    plain = Request("http://jyt.shanxi.gov.cn/xwzx/xw/", meta={ROLE: "list", "column": "新闻"})
    plan.route(plain)
    assert "playwright" not in plain.meta

    alone = RenderPlanner(site, {"公告通知": columns["公告通知"]}, RenderMemory(None))
    alone.configure(Settings({"EDUWATCH_CHROMIUM": MISSING}))
    assert (alone.unavailable() or "").startswith("公告通知: this site needs the browser, and ")

    remote = RenderPlanner(site, columns, RenderMemory(None))
    remote.configure(
        Settings({"EDUWATCH_CHROMIUM": MISSING, "EDUWATCH_BROWSER_CDP_URL": "http://127.0.0.1:9"})
    )
    assert remote.has_browser and remote.unrenderable() == [] and remote.unavailable() is None


def test_a_challenge_without_a_browser_fails_with_a_clear_reason(tmp_path: Path) -> None:
    with build_scripted_site(challenge="cookie", articles_per_column=3) as site:
        config = write_config(tmp_path, site, "css")
        result = crawl(config, settings={"EDUWATCH_BROWSER": "True", "EDUWATCH_CHROMIUM": MISSING})
    assert result.status == "failed"
    assert "anti-bot challenge (HTTP 412)" in (result.error or "")
    assert "apt-get install chromium" in (result.error or "")
    assert {c["status"] for c in result.stats["columns"].values()} == {"challenge"}
    assert result.stats["browser"]["has_browser"] is False


def test_a_browser_column_without_chromium_fails_and_the_other_columns_are_crawled(
    tmp_path: Path,
) -> None:
    with build_scripted_site(articles_per_column=3) as site:
        specs = list(site.specs.values())
        columns = [
            {"name": spec.name, "url": site.list_url(spec.key), "category": spec.category}
            for spec in specs
        ]
        columns[0]["render"] = "browser"
        config = write_config(tmp_path, site, "css", columns=columns)
        settings = {"EDUWATCH_BROWSER": "True", "EDUWATCH_CHROMIUM": MISSING}
        result = crawl(config, settings=settings)
        asked = {entry.path for entry in site.requests}
        articles = site.articles()
    browser_column, others = specs[0], specs[1:]
    assert result.status == "partial", result.log_tail
    assert (result.error or "").startswith(f"{browser_column.name}: no_browser: ")
    assert f"Chromium is not installed at {MISSING}" in (result.error or "")
    assert "apt-get install chromium" in (result.error or "")
    statuses = {name: column["status"] for name, column in result.stats["columns"].items()}
    assert statuses == {browser_column.name: "failed", **{spec.name: "ok" for spec in others}}
    assert urlsplit(site.list_url(browser_column.key)).path not in asked  # never asked
    kept = stored(config).articles
    assert {fields["column"] for fields in kept.values()} == {spec.name for spec in others}
    assert len(kept) == sum(article.column != browser_column.key for article in articles)


def test_render_browser_in_a_process_without_a_browser_stops_before_any_request(
    tmp_path: Path,
) -> None:
    with build_scripted_site(articles_per_column=3) as site:
        config = write_config(tmp_path, site, "css", render="browser")
        result = crawl(config)  # the test settings turn the browser off
        assert result.status == "failed"
        assert "runs without a browser (EDUWATCH_BROWSER is off)" in (result.error or "")
        assert site.requests == []


# --- memory -------------------------------------------------------------------------------------


def test_memory_round_trips_and_a_bad_file_is_no_memory(tmp_path: Path) -> None:
    path = tmp_path / "site.render.json"
    now = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    memory = RenderMemory.load(path)
    memory.confirm_challenge(now, "refused")
    memory.confirm_column("通知公告", now)
    memory.save()
    again = RenderMemory.load(path)
    assert again.challenge is not None and again.challenge.cookies == "refused"
    assert list(again.columns) == ["通知公告"]
    day = timedelta(days=1)
    assert not again.challenge.due(now + timedelta(hours=23), day)
    assert again.challenge.due(now + day, day)
    path.write_text("{not json", "utf-8")
    assert RenderMemory.load(path).challenge is None


def planner(tmp_path: Path, memory: RenderMemory) -> RenderPlanner:
    write_site(tmp_path, "good.yaml", GOOD)
    site = load_site(tmp_path, "good")
    columns = {column.name: column for column in site.effective_columns()}
    plan = RenderPlanner(site, columns, memory)
    plan.configure(Settings({"EDUWATCH_CHROMIUM": "/bin/sh"}))  # an executable: "a browser"
    return plan


def list_request(plan: RenderPlanner) -> Request:
    column = next(iter(plan.modes))
    return Request("http://example.org/list.html", meta={ROLE: "list", "column": column})


def test_a_remembered_challenge_goes_to_the_browser_until_it_is_due(tmp_path: Path) -> None:
    memory = RenderMemory(None)
    memory.confirm_challenge(datetime.now(UTC) - timedelta(hours=2), "accepted")
    plan = planner(tmp_path, memory)
    request = list_request(plan)
    plan.route(request)
    assert request.meta[RENDER] == {"reason": "challenge_remembered"}
    assert request.meta["playwright"] is True

    memory.confirm_challenge(datetime.now(UTC) - timedelta(days=2), "accepted")
    plan = planner(tmp_path, memory)
    request = list_request(plan)
    plan.route(request)  # due: plain HTTP is tried again
    assert RENDER not in request.meta and "playwright" not in request.meta
    body = b"<html><body><ul><li>content</li></ul></body></html>"
    plan.answered(request, HtmlResponse(request.url, body=body, request=request))
    plan.remember()
    assert memory.challenge is None  # the site dropped its challenge


def test_a_challenge_answer_is_sent_on_to_the_browser(tmp_path: Path) -> None:
    plan = planner(tmp_path, RenderMemory(None))
    request = list_request(plan)
    plan.route(request)
    challenge = HtmlResponse(request.url, status=412, body=b"<script>x</script>", request=request)
    again = plan.answered(request, challenge)
    assert isinstance(again, Request) and again.dont_filter
    assert again.meta[RENDER] == {"reason": "challenge"}
    assert plan.stats()["challenges"] == 1


# --- list pages built by scripts --------------------------------------------------------------


@pytest.mark.parametrize(
    ("script", "builds"),
    [
        ('var d=[{"t":"通知"}];d.forEach(function(i){ul.appendChild(li(i))});', True),
        ('$.ajax({url:"/api/list",success:function(r){$("#list").html(r)}});', True),
        ("fetch('/list.json').then(function(r){return r.json()}).then(show);", True),
        ('document.write("<li>" + title + "</li>");', True),
        ("var _hmt = _hmt || []; _hmt.push(['_trackPageview']);", False),
        ("", False),
    ],
)
def test_which_list_pages_build_their_items_with_scripts(script: str, builds: bool) -> None:
    page = f"<html><body><ul id=list></ul><script>{script}</script></body></html>".encode()
    assert scripts_build_list(page) is builds


# --- reports ----------------------------------------------------------------------------------


def test_browser_text_counts_pages_by_reason() -> None:
    assert browser_text({"renders": 0, "reasons": {}, "with_cookies": 0}) == ""
    text = browser_text(
        {"renders": 3, "reasons": {"challenge": 1, "script_list": 2}, "with_cookies": 40}
    )
    assert text == (
        "3 pages rendered (1 challenge, 2 script_list); "
        "40 plain requests with the cookies it earned"
    )
