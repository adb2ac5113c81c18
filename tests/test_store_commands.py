"""`eduwatch db upgrade`, `articles`, `show`, `events` on a store filled through ingest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.config import DATABASE_URL_ENV
from monitor.store import Store, make_engine
from tests.db import (
    T0,
    crawl,
    notice,
)
from tests.paths import ROOT

DAY = timedelta(days=1)
REVISED = ("各市教育局：报名截止时间延长至2024年6月30日。",)


@pytest.fixture(name="filled_url")
def filled_url_fixture(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A store with a baseline, one new article, one revised, reached via $EDUWATCH_DATABASE_URL."""
    store = Store(make_engine(database_url))
    crawl(store, [notice(1), notice(2)], T0)
    crawl(store, [notice(1, REVISED), notice(3)], T0 + DAY)
    store.close()
    monkeypatch.setenv(DATABASE_URL_ENV, database_url)
    return database_url


def test_events_as_json_lines(filled_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "--format", "json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["kind"], r["url"]) for r in records] == [
        ("revised", notice(1).url),
        ("new", notice(3).url),
    ]
    new = records[1]
    assert new["site"] == "jyt-shanxi" and new["title"] == notice(3).title
    assert new["created_at"] == "2024-06-19T10:00:00+08:00"
    assert new["payload"]["title"] == notice(3).title
    assert {"kind", "site", "url", "title", "created_at", "payload"} <= new.keys()


def test_events_since_and_kind_filter(filled_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "--since", "2024-06-20"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["events", "--since", "2024-06-19", "--kind", "new"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith("2024-06-19 10:00+08:00  new ") and notice(3).title in line


def test_articles_lists_newest_first(filled_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["articles", "--site", "jyt-shanxi"]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 3
    assert {row[-1] for row in rows} == {notice(n).url for n in (1, 2, 3)}
    assert all(row[2] == "jyt-shanxi" and row[3] == "active" for row in rows)
    assert main(["articles", "--site", "another"]) == 0
    assert capsys.readouterr().out == ""


def test_show_by_url_or_id(filled_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", notice(1).url + "#top"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"title: {notice(1).title}\nurl: {notice(1).url}\n")
    assert "document_number: 晋教办〔2024〕1号" in out
    history = [line for line in out.splitlines() if line.startswith("  #")]
    assert len(history) == 2 and history[1].endswith("<- current")
    assert [line.split()[0] for line in history] == ["#1", "#2"]  # the article's own numbers
    assert out.endswith(notice(1, REVISED).text)
    assert main(["show", "1", "--version", "1"]) == 0
    assert capsys.readouterr().out.endswith(notice(1).text)
    assert main(["show", "1", "--version", "3"]) == 1
    assert "has no version 3: its versions are 1 to 2" in capsys.readouterr().err


def test_show_unknown_article_exits_1(filled_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "http://jyt.shanxi.gov.cn/nothing.shtml"]) == 1
    assert "no article" in capsys.readouterr().err


def test_bad_since_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["events", "--since", "last tuesday"])
    assert caught.value.code == 2
    assert "expected a date" in capsys.readouterr().err


def test_config_error_exits_2_naming_the_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    (tmp_path / "eduwatch.yaml").write_text("alerts:\n  failing_afte: 3\n", "utf-8")
    expected = f"{tmp_path / 'eduwatch.yaml'}:2: alerts.failing_afte: unknown key"
    assert main(["db", "upgrade", "--config", str(tmp_path)]) == 2
    assert expected in capsys.readouterr().err
    assert main(["db", "--config", str(tmp_path), "prune"]) == 2
    assert expected in capsys.readouterr().err


def test_db_upgrade_in_a_subprocess_creates_the_configured_sqlite_file(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "eduwatch.yaml").write_text("database:\n  url: sqlite:///var/ew.sqlite\n")
    env = {k: v for k, v in os.environ.items() if k != DATABASE_URL_ENV}
    run = subprocess.run(
        [sys.executable, "-m", "monitor", "db", "upgrade", "--config", str(config_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("database at revision ")
    assert (tmp_path / "var" / "ew.sqlite").is_file()
