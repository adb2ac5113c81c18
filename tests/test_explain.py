"""`eduwatch check-config --explain SITE`: what a site will do, in plain words, for every
shipped site and for hand-written ones (paging of each adapter, render mode, schedule)."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from crawler.sites import load_site
from monitor.commands.explain import RENDER_WORDS, describe_site, explain_site
from tests.paths import ROOT

CONFIG = ROOT / "config"
SHIPPED = sorted(path.stem for path in (CONFIG / "sites").glob("*.yaml"))


@pytest.mark.parametrize("site_id", SHIPPED)
def test_every_shipped_site_is_explained(site_id: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert explain_site(CONFIG, site_id, out, err) == 0, err.getvalue()
    text = out.getvalue()
    site = load_site(CONFIG, site_id)
    assert f"fetching: {RENDER_WORDS[site.render]} (render: {site.render})" in text
    assert "schedule:" in text
    for column in site.effective_columns():
        assert f"column {column.name} [{column.category}]: {column.url}" in text
        assert f"adapter {column.adapter}:" in text
    assert text.count("    paging: ") == len(site.columns)


SITE = """\
id: county
name: 某某县教育局
authority: 某某县
adapter: auto
enabled: false
schedule: 2h
list: {item: "ul.list > li", date: span}
columns:
  - {name: 通知公告, url: "http://127.0.0.1:8/tzgg/", category: notice}
  - name: 规范性文件
    url: "http://127.0.0.1:8/api/gfxwj?channel=12"
    category: policy
    adapter: json_search
    render: http
  - name: 政策文件
    url: "http://127.0.0.1:8/zcwj/"
    category: policy
    adapter: trs
    schedule: "0 8 * * 1-5"
"""


def test_plain_words_for_each_adapter_and_schedule(tmp_path: Path) -> None:
    (tmp_path / "sites").mkdir()
    (tmp_path / "sites" / "county.yaml").write_text(SITE, "utf-8")
    site = load_site(tmp_path, "county")
    now = datetime.fromisoformat("2024-06-03T09:10:00+08:00")
    text = "\n".join(describe_site(site, now))
    assert "disabled: never crawled on schedule" in text
    assert "schedule: every 2 hours, counted from the start of the service" in text
    assert "each `ul.list > li` (the YAML's list selectors) first, the detected list" in text
    assert "paging: none: one answer holds the whole column" in text
    assert "the largest list of records in the answer" in text
    assert "a TRS paging script (createPageHTML, countPage) or index_N links imply them" in text
    assert "schedule: cron `0 8 * * 1-5`; next runs 06-04 08:00, 06-05 08:00, 06-06 08:00" in text
    assert f"  fetching: {RENDER_WORDS['auto']} (render: auto)" in text
    assert text.count("    fetching: ") == 1  # only the column that differs from its site
    assert f"    fetching: {RENDER_WORDS['http']} (render: http)" in text


def test_the_command_line_and_an_unknown_site() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "check-config", "--explain", "moe"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and "adapter trs" in done.stdout
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "check-config", "--explain", "atlantis"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and "atlantis" in done.stderr
