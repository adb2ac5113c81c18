"""`eduwatch diff` and the diff/predecessor fields of `eduwatch events`, on SQLite and
PostgreSQL, through monitor.cli.main and one real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta

import pytest

from monitor.cli import main
from monitor.config import DATABASE_URL_ENV
from monitor.store import Store, make_engine
from tests.db import crawl
from tests.paths import ROOT
from tests.test_predecessors import (
    ADDED_CLAUSE,
    LATER,
    NEW_UNRELATED,
    SHANXI,
    admissions,
    baseline,
    nfkc,
)

ANNEX = "详见<附件1>招生计划表。"
POSTPONED = admissions(2024, report_by="2024年4月15日")
REVISED = replace(POSTPONED, paragraphs=(*POSTPONED.paragraphs, ANNEX))
URL_2024 = admissions(2024).url


@pytest.fixture(name="filled_url")
def filled_url_fixture(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Baselines (山西 2022, 2023, 2025 and unrelated notices; 浙江 2023), then the 2024 notice
    and an unrelated one as new, then the 2024 notice revised; via $EDUWATCH_DATABASE_URL."""
    store = Store(make_engine(database_url))
    baseline(store)
    crawl(store, [admissions(2024), NEW_UNRELATED], LATER, site=SHANXI)
    results, _ = crawl(store, [REVISED], LATER + timedelta(days=1), site=SHANXI)
    assert [r.kind for r in results] == ["revised"]
    store.close()
    monkeypatch.setenv(DATABASE_URL_ENV, database_url)
    return database_url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_revised_article_against_its_previous_version(
    filled_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "diff", URL_2024)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("--- #") and lines[0].endswith(f"{URL_2024}  [previous]")
    assert lines[1].startswith("+++ #") and "关于做好2024年普通高校招生工作的通知" in lines[1]
    assert "title:" not in out  # the title did not change
    assert "1 added, 0 removed, 1 changed clauses" in out
    postponed = "~ 请各地各校于2024年[-3-]{+4+}月[-31-]{+15+}日前将工作方案报送省教育厅高校学生处。"
    assert postponed in lines
    assert f"+ {ANNEX}" in lines
    assert not any(line.startswith("- ") for line in lines)


def test_a_new_directive_against_its_predecessor(
    filled_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "diff", URL_2024, "--against", "predecessor")
    assert code == 0
    lines = out.splitlines()
    assert admissions(2023).url in lines[0]
    assert "[predecessor: same folded title, content similarity" in lines[0]
    assert "title: 关于做好[-2023-]{+2024+}年普通高校招生工作的通知" in lines
    assert "+ 八、加强考生服务。" in lines and f"+ {ANNEX}" in lines
    assert "~ 为做好[-2023-]{+2024+}年我省普通高校招生工作,根据教育部有关文件精神," in out
    assert "11月1日至[-2022年-]11月[-10-]{+12+}日," in out  # registration now closes on 11月12日


def test_json_names_both_sides_and_a_version_id_gives_the_same_diff(
    filled_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "diff", URL_2024, "--against", "predecessor", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["against"] == "predecessor"
    assert data["old"]["url"] == admissions(2023).url and data["new"]["url"] == URL_2024
    assert data["predecessor"]["title"] == admissions(2023).title
    added = "".join(op["new"] for op in data["diff"]["ops"] if op["kind"] == "added")
    assert added == nfkc(ADDED_CLAUSE) + ANNEX
    assert data["diff"]["title"]["old"] == admissions(2023).title
    assert data["new"]["version"] == 2 and data["old"]["version"] == 1


def test_against_a_number_is_the_articles_own_version_never_another_articles(
    filled_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "diff", URL_2024, "--format", "json")
    assert code == 0
    previous = json.loads(out)
    code, out, _ = run(capsys, "diff", URL_2024, "--against", "1", "--format", "json")
    assert code == 0
    by_number = json.loads(out)
    assert by_number["against"] == "version" and by_number["diff"] == previous["diff"]
    assert by_number["old"] == previous["old"] and by_number["old"]["version"] == 1
    # a store-wide version id (here: of its current version) is no number of the article's
    foreign = previous["new"]["version_id"]
    assert foreign > 2
    code, out, err = run(capsys, "diff", URL_2024, "--against", str(foreign))
    assert code == 1 and out == ""
    assert f"has no version {foreign}: its versions are 1 to 2" in err


def test_html_is_inline_styled_and_escaped(
    filled_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "diff", URL_2024, "--format", "html")
    assert code == 0
    assert "详见&lt;附件1&gt;招生计划表。" in out and "<附件1>" not in out
    assert '<del style="' in out and '<ins style="' in out
    assert "<style" not in out and "class=" not in out


def test_a_baseline_article_finds_its_predecessor_on_demand(
    filled_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "diff", admissions(2023).url, "--against", "predecessor", "--format", "json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["old"]["url"] == admissions(2022).url  # not 2024 or 2025: they came later


def test_nothing_to_compare_is_a_clear_error(
    filled_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "diff", NEW_UNRELATED.url)
    assert code == 1 and "has only one version" in err
    code, _, err = run(capsys, "diff", NEW_UNRELATED.url, "--against", "predecessor")
    assert code == 1 and "has no predecessor" in err
    code, _, err = run(capsys, "diff", "http://jyt.shanxi.gov.cn/nothing.shtml")
    assert code == 1 and "no article" in err
    code, _, err = run(capsys, "diff", URL_2024, "--against", "99999")
    assert code == 1 and "no version 99999" in err
    code, _, err = run(capsys, "diff", URL_2024, "--against", "0")
    assert code == 1 and "no version 0" in err
    with pytest.raises(SystemExit) as caught:
        main(["diff", URL_2024, "--against", "last-year"])
    assert caught.value.code == 2
    assert "expected a version number" in capsys.readouterr().err


def test_events_json_carry_predecessor_and_diff(
    filled_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "events", "--format", "json")
    assert code == 0
    records = {(r["kind"], r["url"]): r for r in map(json.loads, out.splitlines())}
    assert sorted(records) == [
        ("new", NEW_UNRELATED.url),
        ("new", URL_2024),
        ("revised", URL_2024),
    ]
    new = records["new", URL_2024]
    assert new["predecessor"] == {"url": admissions(2023).url, "title": admissions(2023).title}
    assert new["diff"]["counts"]["added"] == 2 and new["diff"]["title"]["new"] == new["title"]
    assert "diff" not in new["payload"]  # not repeated
    unrelated = records["new", NEW_UNRELATED.url]
    assert "predecessor" not in unrelated and "diff" not in unrelated
    revised = records["revised", URL_2024]
    assert "predecessor" not in revised
    assert revised["diff"]["counts"] == {"added": 1, "removed": 0, "changed": 1, "unchanged": 24}
    code, out, _ = run(capsys, "events", "--kind", "new")
    lines = out.splitlines()
    assert any(f"follows: {admissions(2023).title}" in line and "diff: +2 -0 ~4" in line
               for line in lines)  # fmt: skip


def test_diff_in_a_subprocess(filled_url: str) -> None:
    env = {**os.environ, DATABASE_URL_ENV: filled_url}
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "diff", URL_2024, "--against", "predecessor",
         "--format", "json"],
        capture_output=True, text=True, cwd=ROOT, env=env, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["old"]["title"] == "关于做好2023年普通高校招生工作的通知"
    assert data["new"]["title"] == "关于做好2024年普通高校招生工作的通知"
