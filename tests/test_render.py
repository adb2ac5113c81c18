"""The render decisions without a browser: the `render:` key, a machine without Chromium (clear
errors naming the package), what a crawl remembers and when it asks again, which list pages
count as built by scripts, and how crawl and status report the browser's pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.settings import Settings

from crawler.middlewares import ROLE
from crawler.render.detect import scripts_build_list
from crawler.render.memory import RenderMemory
from crawler.render.planner import RENDER, RenderPlanner
from crawler.render.report import browser_text
from crawler.sites import load_site
from monitor.cli import main
from tests.fixture_site.scripted import build_scripted_site
from tests.test_sites import GOOD, write_site
from tests.test_spider_support import crawl, write_config

MISSING = "/nonexistent/chromium"


def test_render_is_accepted_per_site_and_per_column(tmp_path: Path) -> None:
    text = GOOD + "render: http\n"
    text = text.replace("category: notice", "category: notice\n    render: browser", 1)
    write_site(tmp_path, "good.yaml", text)
    site = load_site(tmp_path, "good")
    assert site.render == "http"
    assert [column.render for column in site.effective_columns()] == ["browser"]


def test_check_config_names_the_package_when_chromium_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EDUWATCH_CHROMIUM", MISSING)
    write_site(tmp_path, "good.yaml", GOOD + "render: browser\n")
    write_site(tmp_path, "auto.yaml", GOOD.replace("id: good", "id: auto") + "render: auto\n")
    assert main(["check-config", "--config", str(tmp_path)]) == 2
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1  # render: auto needs no browser until a page does
    assert out[0].startswith(f"{tmp_path}/sites/good.yaml:9: render: expected http or auto: ")
    assert f"Chromium is not installed at {MISSING}" in out[0]
    assert "apt-get install chromium" in out[0]


def test_a_challenge_without_a_browser_fails_with_a_clear_reason(tmp_path: Path) -> None:
    with build_scripted_site(challenge="cookie", articles_per_column=3) as site:
        config = write_config(tmp_path, site, "css")
        result = crawl(config, settings={"EDUWATCH_BROWSER": "True", "EDUWATCH_CHROMIUM": MISSING})
    assert result.status == "failed"
    assert "anti-bot challenge (HTTP 412)" in (result.error or "")
    assert "apt-get install chromium" in (result.error or "")
    assert {c["status"] for c in result.stats["columns"].values()} == {"challenge"}
    assert result.stats["browser"]["has_browser"] is False


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
