"""`eduwatch probe URL` over real HTTP: the list patterns and the fixture site's families; a
table of every adapter, `auto` chosen where it is as good, YAML that loads and finds the same
items, and clear exits for a challenge, a page with no list and an unreachable site."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from crawler.sites import load_sites
from monitor.commands.probe import probe
from tests.fixture_site import FixtureSite
from tests.list_patterns import ListPage, all_patterns
from tests.paths import ROOT
from tests.pattern_site import PatternSite

SiteFactory = Callable[..., FixtureSite]


@pytest.fixture(scope="module")
def patterns() -> Iterator[tuple[PatternSite, dict[str, ListPage]]]:
    with PatternSite() as site:
        pages = {}
        for found in all_patterns(site.base_url):
            kind = "application/json" if found.name.startswith("json") else "text/html"
            site.add(found.url[len(site.base_url) :], found.body, kind)
            pages[found.name] = found
        site.add(
            "/empty.html", "<html><body><p>本栏目正在建设中，敬请期待。</p></body></html>".encode()
        )
        yield site, pages


def run_probe(url: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = probe(url, out, err)
    return code, out.getvalue(), err.getvalue()


def pasted(output: str, tmp_path: Path) -> dict[str, object]:
    """The YAML part of the output, written to a config folder and loaded as a site."""
    text = output.split("paste into config/sites/:\n", 1)[1]
    data = yaml.safe_load(text)
    sites = tmp_path / "sites"
    sites.mkdir(exist_ok=True)
    (sites / f"{data['id']}.yaml").write_text(text, "utf-8")
    result = load_sites(tmp_path)
    assert result.errors == ()
    return dict(data)


@pytest.mark.parametrize("name", ["next-link-query-gb18030", "nav-rows-in-the-list-table",
                                  "json-disclosure"])  # fmt: skip
def test_patterns_choose_auto_with_every_adapter_tried(
    patterns: tuple[PatternSite, dict[str, ListPage]], name: str, tmp_path: Path
) -> None:
    _, pages = patterns
    page = pages[name]
    code, output, _ = run_probe(page.url)
    assert code == 0
    table = output.split("\n\nchosen:", 1)[0]
    for kind in ("trs", "hanweb", "json_search", "css", "auto"):
        assert f"\n{kind} " in table
    auto = next(line for line in table.splitlines() if line.startswith("auto "))
    assert auto.split()[1:3] == [str(len(page.titles)), str(len(page.titles))]
    assert page.titles[0][:10] in auto
    assert (page.next_url or "none") in auto
    data = pasted(output, tmp_path)
    assert data["adapter"] == "auto"
    assert data["columns"] == [{"name": data["columns"][0]["name"], "url": page.url,  # type: ignore[index]
                                "category": "news"}]  # fmt: skip


@pytest.mark.parametrize("family", ["trs", "hanweb", "json_search", "gbk"])
def test_fixture_families(fixture_site_factory: SiteFactory, family: str, tmp_path: Path) -> None:
    site = fixture_site_factory(family, articles_per_column=30)
    key = next(iter(site.specs))
    code, output, _ = run_probe(site.list_url(key))
    assert code == 0, output
    assert "chosen: auto" in output
    first = site.items(key)[0].title
    auto = next(line for line in output.splitlines() if line.startswith("auto "))
    assert first[:8] in auto.replace(",", "，")
    pasted(output, tmp_path)


def test_challenge_empty_and_unreachable(
    fixture_site_factory: SiteFactory, patterns: tuple[PatternSite, dict[str, ListPage]]
) -> None:
    challenged = fixture_site_factory("challenge", articles_per_column=3)
    code, output, err = run_probe(challenged.list_url("gzdt"))
    assert code == 1 and "HTTP 412" in output and "needs a browser" in err
    site, _ = patterns
    code, _, err = run_probe(site.base_url + "/empty.html")
    assert code == 1 and "no adapter found a list" in err
    code, _, err = run_probe("http://127.0.0.1:9/nothing-listens-here/")
    assert code == 2 and "cannot fetch" in err


def test_the_command_line(patterns: tuple[PatternSite, dict[str, ListPage]]) -> None:
    _, pages = patterns
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "probe", pages["createpagehtml"].url],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "adapter: auto" in done.stdout and "index_1.html" in done.stdout
