"""`eduwatch check-config [--config DIR]`: validate the configuration folder, all errors at once."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from crawler.sites import ConfigError, load_sites
from monitor.cli import add_command
from monitor.config import CONFIG_FILE, check_service_config, check_subscribers_config

EXIT_OK = 0
EXIT_INVALID = 2


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What one checker found: a summary part (`32 sites, 97 columns, 32 enabled`) and errors."""

    summary: str | None
    errors: tuple[ConfigError, ...] = ()


ConfigChecker = Callable[[Path], CheckReport]


def check_sites(config_dir: Path) -> CheckReport:
    """`config_dir/sites/*.yaml`."""
    result = load_sites(config_dir)
    return CheckReport(summary=result.summary(), errors=result.errors)


# Every part of the configuration folder that has a loader has a checker here, run in order.
# Later issues append theirs (e.g. one for eduwatch.yaml, one for subscribers.yaml): a function
# of the configuration folder that returns a CheckReport.
def check_service(config_dir: Path) -> CheckReport:
    """`config_dir/eduwatch.yaml`; when it is absent the defaults apply and nothing is said."""
    if not (config_dir / CONFIG_FILE).is_file():
        return CheckReport(summary=None)
    return CheckReport(*check_service_config(config_dir))


def check_subscribers(config_dir: Path) -> CheckReport:
    """`config_dir/subscribers.yaml`: channels and their secrets set, filters naming known sites."""
    known = {site.id: site.authority for site in load_sites(config_dir).sites}
    return CheckReport(*check_subscribers_config(config_dir, known))


CONFIG_CHECKERS: list[ConfigChecker] = [check_sites, check_service, check_subscribers]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        subparsers, "check-config", "validate the configuration folder and report every error"
    )
    parser.add_argument(
        "--explain", metavar="SITE", help="say in plain words what one site will do"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "explain", None):
        from monitor.commands.explain import explain_site

        return explain_site(args.config, args.explain, sys.stdout, sys.stderr)
    return check_config(args.config, sys.stdout, sys.stderr)


def check_config(config_dir: Path, out: TextIO, err: TextIO) -> int:
    """Print each error as `file:line: key: what was expected` (exit 2), or a summary (exit 0)."""
    summaries: list[str] = []
    errors: list[ConfigError] = []
    for checker in CONFIG_CHECKERS:
        report = checker(config_dir)
        errors.extend(report.errors)
        if report.summary:
            summaries.append(report.summary)
    for error in errors:
        print(error.render(display_path(error.file)), file=out)
    if errors:
        files = len({error.file for error in errors})
        print(
            f"eduwatch check-config: {_count(len(errors), 'error')} in {_count(files, 'file')}",
            file=err,
        )
        return EXIT_INVALID
    print(f"{'; '.join(summaries)}: OK", file=out)
    return EXIT_OK


def display_path(path: Path) -> str:
    """The path relative to the working folder when it lies inside it, else as given."""
    if not path.is_absolute():
        return str(path)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
