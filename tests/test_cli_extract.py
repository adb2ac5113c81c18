"""`eduwatch extract`: a page as text or JSON, a folder as JSON lines, failures with reasons."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.cli import main
from tests.paths import CORPUS, PAGES, ROOT

SAMPLE_PAGE = PAGES / "jyt-shanxi_t20200618.html"
SAMPLE_URL = "http://jyt.shanxi.gov.cn/xwzx/ywsd/202006/t20200618_1234567.shtml"


def test_extract_prints_the_text_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(SAMPLE_PAGE), "--url", SAMPLE_URL]) == 0
    out = capsys.readouterr().out
    assert out.startswith("摘要\n\n6月18日上午,山西省教育厅")
    assert out.endswith("设分会场。\n")


def test_extract_json_has_the_article_fields(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(SAMPLE_PAGE), "--url", SAMPLE_URL, "--format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    fields = {"title", "published_at", "source", "document_number", "lead", "paragraphs"}
    fields |= {"summary", "attachments", "images", "text", "url"}
    assert fields <= record.keys()
    assert record["url"] == SAMPLE_URL
    assert record["published_at"] == "2020-06-18T17:32:00+08:00"
    assert record["text"].split("\n")[2] == record["summary"]


def test_extract_failure_exits_1_with_the_reason(tmp_path: Path) -> None:
    challenge = tmp_path / "challenge.html"
    shutil.copy(CORPUS / "challenge_gov_nmpa_412.html", challenge)
    run = subprocess.run(
        [sys.executable, "-m", "monitor", "extract", str(challenge)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 1
    assert run.stdout == ""
    assert "challenge" in run.stderr and "challenge.html" in run.stderr


def test_extract_folder_prints_one_line_per_page_and_goes_on(tmp_path: Path) -> None:
    shutil.copy(SAMPLE_PAGE, tmp_path / "a.html")
    (tmp_path / "b.html").write_text("<html><body><div></div></body></html>" * 3, "utf-8")
    shutil.copy(CORPUS / "article_gov_zj-fgw_20161122.html", tmp_path / "c.html")
    (tmp_path / "notes.txt").write_text("not a page", "utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "monitor", "extract", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    records = [json.loads(line) for line in run.stdout.splitlines()]
    assert [Path(r["file"]).name for r in records] == ["a.html", "b.html", "c.html"]
    assert records[0]["title"] == "山西省教育厅召开全省教育系统疫情防控工作推进会议"
    assert "error" in records[1] and records[1]["code"] in {"no_title", "no_body"}
    assert records[2]["title"] and "error" not in records[2]


def test_extract_missing_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", "/nonexistent/page.html"]) == 2
    assert "no such file" in capsys.readouterr().err
