"""`eduwatch check-config`: each error as file:line: key: expected (exit 2), or a summary."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.sites import load_sites
from monitor.cli import main
from tests.paths import ROOT
from tests.test_sites import EXPECTED_ERRORS, GOOD, broken_folder, write_site

VENV_PYTHON = ROOT / ".venv" / "bin" / "python"


def test_the_shipped_configuration_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", "--config", str(ROOT / "config")]) == 0
    columns = sum(len(site.columns) for site in load_sites(ROOT / "config").sites)
    summary = f"32 sites, {columns} columns, 32 enabled; eduwatch.yaml: sqlite database: OK\n"
    assert capsys.readouterr().out == summary


def test_errors_exit_2_with_one_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken_folder(tmp_path)
    assert main(["check-config", "--config", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == len(EXPECTED_ERRORS)
    for line, (name, number, key, words) in zip(lines, EXPECTED_ERRORS, strict=True):
        assert line.startswith(f"{tmp_path}/sites/{name}:{number}: {key}: "), line
        assert words in line
    assert captured.err == f"eduwatch check-config: {len(lines)} errors in 12 files\n"


def test_a_valid_folder_exits_0_with_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_site(tmp_path, "good.yaml", GOOD + "enabled: false\n")
    assert main(["check-config", "--config", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "1 site, 1 column, 0 enabled: OK\n"


def test_a_missing_folder_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", "--config", str(tmp_path / "absent")]) == 2
    out = capsys.readouterr().out
    assert out == f"{tmp_path}/absent/sites: (file): expected a folder of site files (<id>.yaml)\n"


def test_eduwatch_config_is_honoured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_site(tmp_path / "from-env", "good.yaml", GOOD.replace("http://", "gopher://"))
    write_site(tmp_path / "config", "good.yaml", GOOD)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EDUWATCH_CONFIG", str(tmp_path / "from-env"))
    assert main(["check-config"]) == 2
    assert capsys.readouterr().out.startswith("from-env/sites/good.yaml:7: columns[0].url: ")
    monkeypatch.delenv("EDUWATCH_CONFIG")
    assert main(["check-config"]) == 0  # ./config
    assert capsys.readouterr().out == "1 site, 1 column, 1 enabled: OK\n"


def test_eduwatch_yaml_is_checked_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_site(tmp_path, "good.yaml", GOOD)
    service_file = tmp_path / "eduwatch.yaml"
    service_file.write_text("database:\n  url: sqlite:///x.sqlite\n", "utf-8")
    assert main(["check-config", "--config", str(tmp_path)]) == 0
    assert (
        capsys.readouterr().out
        == "1 site, 1 column, 1 enabled; eduwatch.yaml: sqlite database: OK\n"
    )
    service_file.write_text("database:\n  url: sqlite:///x.sqlite\nstore:\n  url: nope\n", "utf-8")
    assert main(["check-config", "--config", str(tmp_path)]) == 2
    out = capsys.readouterr().out
    assert out.startswith(f"{tmp_path}/eduwatch.yaml:3: store: unknown key")


def test_the_real_command_in_a_subprocess(tmp_path: Path) -> None:
    broken_folder(tmp_path / "config")
    write_site(tmp_path / "config", "zh.yaml", GOOD.replace("good", "zh").replace("notice", "通知"))
    python = VENV_PYTHON if VENV_PYTHON.exists() else Path(sys.executable)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LC_ALL": "C"}
    env.pop("EDUWATCH_CONFIG", None)
    run = subprocess.run(
        [str(python), "-m", "monitor", "check-config", "--config", "config"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=tmp_path,
        env=env,
        check=False,
        timeout=60,
    )
    assert run.returncode == 2, run.stderr
    lines = run.stdout.splitlines()
    assert lines[1] == (
        "config/sites/beijing.yaml:5: colour: unknown key; expected one of: id, name, authority, "
        "enabled, adapter, columns, list, article, options, max_pages, render, schedule, delay, "
        "concurrency, obey_robots, encoding, headers, allowed_hosts"
    )
    assert "config/sites/syntax.yaml:4: (file): expected valid YAML" in lines[14]
    assert lines[-1] == (
        "config/sites/zh.yaml:8: columns[0].category: "
        "expected 'news', 'notice' or 'policy', got '通知'"
    )
    assert run.stderr == "eduwatch check-config: 17 errors in 13 files\n"


EVERY_PROBLEM = """\
subscribers:
  - name: 甲
    channels:
      - kind: webhook
        options: {url: "http://127.0.0.1:9/h?t=${EDUWATCH_TEST_UNSET_A}"}
    filters:
      sites: [nosuchsite]
  - name: 甲
    mode: digest
    channels:
      - kind: pigeon
      - kind: webhook
        options: {url: "http://127.0.0.1:9/h", secret: written-here}
      - kind: webhook
        options: {url: "http://127.0.0.1:9/h"}
    filters:
      categories: [gossip]
  - name: 丙
    channels:
      - kind: email
        options: {host: 127.0.0.1, to: [a@example.org], password: "${EDUWATCH_TEST_UNSET_B}"}
    filters:
      authorities: [火星]
"""


def test_every_problem_of_subscribers_yaml_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken field does not hide the rules that span fields: unique names, digest schedules,
    unique channel names, secrets set, known sites and authorities."""
    write_site(tmp_path, "good.yaml", GOOD)
    (tmp_path / "subscribers.yaml").write_text(EVERY_PROBLEM, "utf-8")
    assert main(["check-config", "--config", str(tmp_path)]) == 2
    lines = capsys.readouterr().out.splitlines()
    found = [line.split(": ", 2)[:2] for line in lines]
    file = f"{tmp_path}/subscribers.yaml"
    assert found == [
        [f"{file}:5", "subscribers[0].channels[0].options.url"],
        [f"{file}:7", "subscribers[0].filters.sites[0]"],
        [f"{file}:8", "subscribers[1].name"],
        [f"{file}:8", "subscribers[1].digest"],
        [f"{file}:11", "subscribers[1].channels[0].kind"],
        [f"{file}:13", "subscribers[1].channels[1].options.secret"],
        [f"{file}:14", "subscribers[1].channels[2]"],
        [f"{file}:17", "subscribers[1].filters.categories[0]"],
        [f"{file}:21", "subscribers[2].channels[0].options.from"],
        [f"{file}:21", "subscribers[2].channels[0].options.password"],
        [f"{file}:23", "subscribers[2].filters.authorities[0]"],
    ]
    assert "EDUWATCH_TEST_UNSET_B to be set" in lines[9]
