"""The `eduwatch` front: lazy sub-command imports, `--version`, `--config` before the command."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from monitor.cli import COMMANDS, build_parser, command_of, main

HEAVY = ("scrapy", "sqlalchemy", "twisted", "pydantic", "apscheduler")


def loaded_after(argv: list[str]) -> tuple[int, list[str]]:
    """Run ``main(argv)`` in a fresh interpreter: its exit code and the heavy packages loaded."""
    script = (
        "import json, sys\n"
        "from monitor.cli import main\n"
        "try:\n"
        f"    code = main({argv!r})\n"
        "except SystemExit as stop:\n"
        "    code = stop.code or 0\n"
        f"heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
        "print(json.dumps([code, heavy]), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    code, heavy = json.loads(done.stderr.strip().splitlines()[-1])
    return code, heavy


def test_help_imports_no_sub_command_module() -> None:
    assert loaded_after(["--help"]) == (0, [])
    assert loaded_after(["--version"]) == (0, [])


def test_a_command_imports_what_it_needs() -> None:
    code, heavy = loaded_after(["events", "--help"])
    assert code == 0 and "sqlalchemy" in heavy and "scrapy" not in heavy


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"eduwatch {version('eduwatch')}\n"


def test_the_listing_says_what_each_module_says() -> None:
    """The help in the table is the help the command's own module registers."""
    full = build_parser()
    action = next(a for a in full._actions if a.dest == "command")
    helps = {choice.dest: choice.help for choice in action._choices_actions}
    assert helps == {name: help_text for name, _, help_text in COMMANDS}


def test_every_command_is_listed_without_its_module(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser(modules=()).parse_args(["--help"])
    listing = capsys.readouterr().out
    assert all(f"    {name}" in listing for name, _, _ in COMMANDS)


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["--config", "events", "events"], "events"),
        (["--config=x", "show", "3"], "show"),
        (["-h"], None),
        (["nosuch"], "nosuch"),
    ],
)
def test_command_of(argv: list[str], command: str | None) -> None:
    assert command_of(argv) == command


def test_config_before_or_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good"
    (good / "sites").mkdir(parents=True)
    bad = tmp_path / "bad"
    (bad / "sites").mkdir(parents=True)
    (bad / "eduwatch.yaml").write_text("retention: {days: -1}\n", "utf-8")
    assert main(["--config", str(good), "check-config"]) == 0
    assert main(["--config", str(bad), "check-config"]) == 2
    assert main(["--config", str(bad), "check-config", "--config", str(good)]) == 0  # last wins
    capsys.readouterr()
