"""Browser work in distributed mode, with real Chromium (one for the module, over CDP), real
Redis, PostgreSQL and worker processes: a column set to `render: browser` is queued for the
browser workers and never reaches a plain one; a column set to `render: auto` that meets a
瑞数-style challenge (a cookie bound to the browser) goes on from the plain worker to the
browser worker, and every article is stored as the site shows it. Only the browser worker needs a
browser: the plain worker and the leader accept that configuration on a machine without
Chromium, and a browser worker with a CDP URL needs no local Chromium."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from scrapy.settings import Settings

from monitor.distributed.browser import BrowserMissing, browser_worker_settings
from monitor.service import load_setup
from tests.fixture_site.scripted import ScriptedSite, build_scripted_site
from tests.paths import ROOT
from tests.test_distributed import PYTHON, REDIS_URL, Farm, database, make_farm
from tests.test_render_browser import BROWSER_UA, by_path, expected

pytest_plugins = ["tests.browser"]
__all__ = ["database"]  # the module's own PostgreSQL database (a fixture)
BROWSER_COLUMN = 0  # the site's first column is set to `render: browser`, the rest to auto
NO_CHROMIUM = "/nonexistent/chromium"


@pytest.fixture(scope="module")
def site() -> Iterator[ScriptedSite]:
    built = build_scripted_site(challenge="bound", articles_per_column=12, per_page=8).start()
    yield built
    built.stop()


@pytest.fixture(scope="module")
def farm(
    tmp_path_factory: pytest.TempPathFactory, database: str, site: ScriptedSite, chromium_cdp: str
) -> Iterator[Farm]:
    columns = [
        {
            "name": spec.name,
            "url": site.list_url(spec.key),
            "category": spec.category,
            **({"render": "browser"} if index == BROWSER_COLUMN else {}),
        }
        for index, spec in enumerate(site.specs.values())
    ]
    built = make_farm(
        tmp_path_factory.mktemp("browser-farm"),
        database,
        REDIS_URL,
        site=site,
        family="css",
        columns=columns,
    )
    with pytest.MonkeyPatch.context() as patch:  # neither worker has Chromium of its own
        patch.setenv("EDUWATCH_CHROMIUM", NO_CHROMIUM)
        built.worker("plain")  # never renders: the browser column is valid configuration here
        built.worker("chromium", "--browser", "-s", f"EDUWATCH_BROWSER_CDP_URL={chromium_cdp}")
    built.until(
        lambda: all(built.client.exists(built.keys.worker(n)) for n in ("plain", "chromium")),
        60,
        "workers up",
    )
    yield built
    built.close()


def over_http(site: ScriptedSite) -> list[tuple[str, int]]:
    """(path, status) of what plain HTTP asked, robots.txt aside."""
    return [
        (entry.path, entry.status)
        for entry in site.requests
        if entry.path != "/robots.txt" and BROWSER_UA not in entry.headers.get("user-agent", "")
    ]


def test_browser_work_goes_to_the_browser_worker_and_challenges_follow_it(
    farm: Farm, site: ScriptedSite
) -> None:
    run = farm.wait_closed(farm.dispatch().run_id or 0, 180)
    assert (run.status, run.error) == ("ok", None), farm.all_logs()
    assert by_path(farm.config) == expected(site)
    keys = list(site.specs)
    auto_firsts = sorted(urlsplit(site.list_url(key)).path for key in keys[1:])
    # plain HTTP asked only the first list pages of the auto columns, met the challenge there,
    # and handed them on; the browser column never reached the plain worker
    assert sorted(over_http(site)) == [(path, 412) for path in auto_firsts]
    assert run.stats["escalated"] == len(auto_firsts)
    pages = len({entry.path for entry in site.requests if entry.path != "/robots.txt"})
    assert run.stats["rendered"] == pages
    assert farm.pages_of("chromium") > 0


def test_status_names_each_workers_mode(farm: Farm) -> None:
    shown = subprocess.run(
        [str(PYTHON), "-m", "monitor", "status", "--config", str(farm.config)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rows = [line.split() for line in shown.splitlines()]
    modes = {row[0]: row[2] for row in rows if row and row[0] in ("chromium", "plain")}
    assert modes == {"chromium": "browser", "plain": "http"}
    assert "no browser worker is alive" not in shown


def test_a_browser_worker_without_a_browser_refuses_to_start(farm: Farm) -> None:
    refused = subprocess.run(
        [str(PYTHON), "-m", "monitor", "worker", "--browser", "--config", str(farm.config)],
        cwd=ROOT,
        env={**os.environ, "EDUWATCH_CHROMIUM": NO_CHROMIUM},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2
    assert f"Chromium is not installed at {NO_CHROMIUM}" in refused.stderr
    # refused by the machine check, the configuration itself accepted
    assert "eduwatch worker --browser: this site needs the browser" in refused.stderr


def test_the_leader_accepts_a_browser_column_on_a_machine_without_chromium(
    farm: Farm, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDUWATCH_CHROMIUM", NO_CHROMIUM)
    setup = load_setup(farm.config)
    assert [column.render for column in setup.sites[0].columns][BROWSER_COLUMN] == "browser"


def test_browser_worker_settings_need_a_browser_here_or_a_cdp_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EDUWATCH_CHROMIUM", NO_CHROMIUM)
    with pytest.raises(BrowserMissing, match=f"Chromium is not installed at {NO_CHROMIUM}"):
        browser_worker_settings(Settings())
    cdp = "http://127.0.0.1:9222"
    added = browser_worker_settings(Settings({"EDUWATCH_BROWSER_CDP_URL": cdp}))
    assert added["PLAYWRIGHT_CDP_URL"] == cdp
    assert added["DOWNLOADER_MIDDLEWARES"]["monitor.distributed.browser.BrowserWorkMiddleware"]
