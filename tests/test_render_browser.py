"""Sites that need a browser, crawled with real Chromium (one per module, over CDP) through real
`scrapy crawl listing` subprocesses: lists built by scripts (inline data, XHR) and a 瑞数-style
challenge (HTTP 412, a script that sets a cookie and reloads). `render: auto` gives the same
articles as the static site, and only the pages that need it go through the browser."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from monitor.cli import main
from tests.fixture_site import FixtureSite
from tests.fixture_site.scripted import ScriptedSite, build_scripted_site
from tests.test_spider_support import crawl, expected_fields, stored, write_config

pytest_plugins = ["tests.browser"]
ARTICLES, PER_PAGE = 12, 8  # per column: two list pages
BROWSER_UA = "Chrome/"


@pytest.fixture
def scripted() -> Any:
    """``make(lists, challenge)`` -> a started ScriptedSite; stopped at teardown."""
    started: list[ScriptedSite] = []

    def make(lists: dict[str, Any] | None = None, challenge: Any = None) -> ScriptedSite:
        site = build_scripted_site(
            lists, challenge, articles_per_column=ARTICLES, per_page=PER_PAGE
        ).start()
        started.append(site)
        return site

    yield make
    for site in started:
        site.stop()


def browser_crawl(config: Path, cdp: str, **settings: str) -> Any:
    return crawl(
        config,
        settings={"EDUWATCH_BROWSER": "True", "EDUWATCH_BROWSER_CDP_URL": cdp, **settings},
    )


def by_path(config: Path) -> dict[str, dict[str, Any]]:
    """The stored articles by URL path (the two sites differ by port only)."""
    return {
        urlsplit(url).path: {key: fields[key] for key in ("title", "published_at", "paragraphs")}
        for url, fields in stored(config).articles.items()
    }


def expected(site: FixtureSite) -> dict[str, dict[str, Any]]:
    return {article.path: expected_fields(site, article) for article in site.articles()}


def served(site: FixtureSite, browser: bool) -> list[tuple[str, int]]:
    """(path, status) of the requests the browser (or plain HTTP) made, robots.txt aside."""
    return [
        (entry.path, entry.status)
        for entry in site.requests
        if entry.path != "/robots.txt"
        and (BROWSER_UA in entry.headers.get("user-agent", "")) == browser
    ]


def list_paths(site: FixtureSite) -> set[str]:
    return {urlsplit(site.list_url(key, page)).path for key in site.specs for page in (1, 2)}


def test_scripted_lists_give_the_static_sites_articles_and_only_lists_render(
    scripted: Any, chromium_cdp: str, tmp_path: Path
) -> None:
    static = scripted()
    static_config = write_config(tmp_path / "static", static, "css")
    assert browser_crawl(static_config, chromium_cdp).stats["browser"]["renders"] == 0

    site = scripted({"zxdt": "inline", "gsgg": "xhr"})
    config = write_config(tmp_path / "scripted", site, "css")
    result = browser_crawl(config, chromium_cdp)
    assert result.status == "ok", f"{result.error}\n{result.log_tail}"
    assert by_path(config) == by_path(static_config) == expected(site)
    # a first list page over HTTP (empty), then rendered, and page 2 rendered straight away;
    # every article over plain HTTP
    assert result.stats["browser"]["reasons"] == {"script_list": 4}
    rendered = {path for path, _ in served(site, True) if not path.startswith("/api/")}
    assert rendered == list_paths(site)
    firsts = {urlsplit(site.list_url(key)).path for key in site.specs}
    articles = {a.path for a in site.articles()}
    assert {path for path, _ in served(site, False)} == firsts | articles

    # the next crawl remembers: list pages go straight to the browser, none over plain HTTP
    # (articles due for a re-check still come over plain HTTP)
    site.reset_log()
    again = browser_crawl(config, chromium_cdp)
    assert again.status == "ok"
    assert again.stats["browser"]["reasons"] == {"script_list_remembered": 2}
    assert not {path for path, _ in served(site, False)} & list_paths(site)
    memory = json.loads((tmp_path / "scripted/data/crawl-state/fixture.render.json").read_text())
    assert sorted(memory["columns"]) == ["公示公告", "最新动态"]

    # crawl and status say which pages went through the browser and why
    out = tmp_path / "status.txt"
    code = main_output(["status", "--config", str(config)], out)
    assert code == 0 and "browser (fixture, last run): 2 pages rendered" in out.read_text()
    assert "(2 script_list_remembered)" in out.read_text()


def test_challenged_site_renders_once_then_uses_the_earned_cookies(
    scripted: Any, chromium_cdp: str, tmp_path: Path
) -> None:
    site = scripted(challenge="cookie")
    config = write_config(tmp_path, site, "css")
    result = browser_crawl(config, chromium_cdp)
    assert result.status == "ok", f"{result.error}\n{result.log_tail}"
    assert by_path(config) == expected(site)
    browser = result.stats["browser"]
    assert browser["reasons"] == {"challenge": 2} and browser["cookies"] == "accepted"
    # plain HTTP met the challenge on the two first list pages only; articles came over HTTP
    http = served(site, False)
    assert sorted(path for path, status in http if status == 412) == sorted(
        urlsplit(site.list_url(key)).path for key in site.specs
    )
    assert {path for path, status in http if status == 200} >= {a.path for a in site.articles()}
    # a rendered answer was 412 first, then the real page after the script's reload
    rendered = served(site, True)
    assert any(
        status == 412 and (path, 200) in rendered[index + 1 :]
        for index, (path, status) in enumerate(rendered)
    )

    # remembered: the next crawl goes to the browser first and never meets a 412 over HTTP
    site.reset_log()
    again = browser_crawl(config, chromium_cdp)
    assert again.status == "ok"
    assert set(again.stats["browser"]["reasons"]) == {"challenge_remembered"}
    # (articles re-checked over HTTP may answer 304: conditional re-checks)
    assert all(status in (200, 304) for _, status in served(site, False))

    # the site drops its challenge; once the memory is due, plain HTTP is tried and kept
    site.set_gate(None)
    site.reset_log()
    probe = browser_crawl(config, chromium_cdp, EDUWATCH_RENDER_REPROBE="0")
    assert probe.status == "ok" and probe.stats["browser"]["renders"] == 0
    memory = json.loads((tmp_path / "data/crawl-state/fixture.render.json").read_text())
    assert memory["challenge"] is None
    assert served(site, True) == []


def test_cookies_bound_to_the_browser_fall_back_to_rendering(
    scripted: Any, chromium_cdp: str, tmp_path: Path
) -> None:
    site = scripted({"gsgg": "xhr"}, challenge="bound")
    config = write_config(tmp_path, site, "css")
    result = browser_crawl(config, chromium_cdp)
    assert result.status == "ok", f"{result.error}\n{result.log_tail}"
    assert by_path(config) == expected(site)
    browser = result.stats["browser"]
    assert browser["cookies"] == "refused" and browser["reasons"]["cookies_refused"] > 0
    # every article page reached the crawl through the browser
    assert {a.path for a in site.articles()} <= {p for p, s in served(site, True) if s == 200}


def test_a_render_that_hangs_fails_its_page_not_the_crawl(
    scripted: Any, chromium_cdp: str, tmp_path: Path
) -> None:
    site = scripted()
    hung = site.items("gsgg")[0]
    site.hang.add(hung.path)
    columns = [
        {"name": spec.name, "url": site.list_url(spec.key), "category": spec.category}
        for spec in site.specs.values()
    ]
    columns[1]["render"] = "browser"  # gsgg: every page through the browser
    config = write_config(tmp_path, site, "css", columns=columns)
    result = browser_crawl(config, chromium_cdp, EDUWATCH_RENDER_TIMEOUT="10")  # loaded machines
    assert result.status == "partial", result.error
    assert result.stats["failures"] == {"timeout": 1}
    got = by_path(config)
    assert hung.path not in got
    assert got == {path: value for path, value in expected(site).items() if path != hung.path}
    gsgg = {a.path for a in site.items("gsgg")} | {urlsplit(site.list_url("gsgg")).path}
    assert result.stats["browser"]["reasons"]["configured"] >= len(gsgg)
    assert not gsgg & {path for path, _ in served(site, False)}


def test_the_browser_restarts_after_n_pages(scripted: Any, tmp_path: Path) -> None:
    """Launched from /usr/bin/chromium by the crawl itself (no shared browser)."""
    site = scripted()
    config = write_config(tmp_path, site, "css", render="browser", max_pages=1)
    result = crawl(
        config,
        settings={"EDUWATCH_BROWSER": "True", "EDUWATCH_BROWSER_RESTART_PAGES": "7"},
    )
    assert result.status == "ok", f"{result.error}\n{result.log_tail}"
    assert by_path(config) == {
        path: value
        for path, value in expected(site).items()
        if path in {a.path for key in site.specs for a in site.items(key)[:PER_PAGE]}
    }
    browser = result.stats["browser"]
    assert browser["renders"] == 2 + 2 * PER_PAGE and browser["restarts"] == 2
    assert browser["browsers_launched"] == 3


def main_output(argv: list[str], out: Path) -> int:
    with out.open("w") as stream, contextlib.redirect_stdout(stream):
        return main(argv)
