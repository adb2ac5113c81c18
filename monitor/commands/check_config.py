"""`eduwatch check-config [--config DIR]`: validate the configuration folder, all errors at once.

Beyond the files: a warning (the exit status stays 0) names the columns set to `render: browser`
that a crawl on this machine cannot render (no Chromium): the configuration is valid, and a
distributed `eduwatch worker --browser` elsewhere may render them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from crawler.render.chromium import browser_missing
from crawler.siteconfig.loader import key_line
from crawler.siteconfig.messages import key_text
from crawler.sites import ConfigError, LoadResult, load_sites
from monitor.cli import add_command
from monitor.config import (
    CONFIG_FILE,
    check_service_config,
    check_subscribers_config,
    load_config,
)
from monitor.errors import ConfigError as ConfigErrors
from monitor.errors import StoreError

EXIT_OK = 0
EXIT_INVALID = 2


EMBEDDED_SETTINGS = "monitor.scrapy_settings"  # the Scrapy settings of a crawl on this machine
BROWSER_ELSEWHERE = (
    "a crawl on this machine fails these columns (a distributed `eduwatch worker --browser` with a "
    "browser can render them)"
)


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What one checker found: a summary part (`32 sites, 97 columns, 32 enabled`), errors, and
    warnings (not errors: about this machine, not the configuration)."""

    summary: str | None
    errors: tuple[ConfigError, ...] = ()
    warnings: tuple[ConfigError, ...] = ()


ConfigChecker = Callable[[Path], CheckReport]


def check_sites(config_dir: Path) -> CheckReport:
    """`config_dir/sites/*.yaml`."""
    result = load_sites(config_dir)
    return CheckReport(result.summary(), result.errors, browser_warnings(result))


def browser_warnings(result: LoadResult) -> tuple[ConfigError, ...]:
    """The columns set to `render: browser` that this machine cannot render, one warning per
    `render` key that sets it; none when it has a browser (crawler.render.chromium)."""
    located = [(site, site.browser_columns()) for site in result.sites]
    if not any(columns for _, columns in located):
        return ()
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule(EMBEDDED_SETTINGS, priority="project")
    missing = browser_missing(settings)
    if missing is None:
        return ()
    paths: dict[str, Path] = {}
    for path in result.files:
        paths.setdefault(path.stem, path)  # a valid site's file is named after its id
    warnings: list[ConfigError] = []
    for site, columns in located:
        path = paths[site.id]
        for loc, names in columns.items():
            message = f"{', '.join(names)}: {missing}; {BROWSER_ELSEWHERE}"
            warnings.append(ConfigError(path, key_line(path, loc), key_text(loc), message))
    return tuple(warnings)


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


def check_database(config_dir: Path, connect: bool = False) -> CheckReport:
    """The database URL (eduwatch.yaml's, or $EDUWATCH_DATABASE_URL): its scheme, its driver
    installed, a SQLite file's folder writable; with ``connect``, the database opened."""
    from monitor.store.dburl import config_problems, probe

    try:
        url = load_config(config_dir).database.url
    except ConfigErrors as error:  # eduwatch.yaml's other problems are check_service's
        found = [p for p in error.problems if p.key == "database.url"]
        return CheckReport(None, tuple(located(config_dir, p) for p in found))
    problems = config_problems(config_dir, url)
    if problems or not connect:
        return CheckReport(None, tuple(problems))
    try:
        return CheckReport(summary=f"database {probe(url)}")
    except StoreError as error:
        path = config_dir / CONFIG_FILE
        message = f"expected to open the database: {error}"
        return CheckReport(None, (ConfigError(path, None, "database.url", message),))


def located(config_dir: Path, problem: ConfigError) -> ConfigError:
    from monitor.store.dburl import url_line

    line = problem.line or url_line(config_dir)
    return ConfigError(problem.file, line, problem.key, problem.message)


CONFIG_CHECKERS: list[ConfigChecker] = [check_sites, check_service, check_subscribers]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        subparsers, "check-config", "validate the configuration folder and report every error"
    )
    parser.add_argument(
        "--connect", action="store_true", help="also open the database (is it reachable?)"
    )
    parser.add_argument(
        "--explain", metavar="SITE", help="say in plain words what one site will do"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "explain", None):
        from monitor.commands.explain import explain_site

        return explain_site(args.config, args.explain, sys.stdout, sys.stderr)
    return check_config(args.config, sys.stdout, sys.stderr, connect=args.connect)


def check_config(config_dir: Path, out: TextIO, err: TextIO, *, connect: bool = False) -> int:
    """Print each error as `file:line: key: what was expected` (exit 2), or a summary (exit 0);
    each warning as `warning: file:line: key: ...` (either way)."""
    summaries: list[str] = []
    errors: list[ConfigError] = []
    warnings: list[ConfigError] = []
    reports = [checker(config_dir) for checker in CONFIG_CHECKERS]
    for report in [*reports, check_database(config_dir, connect)]:
        errors.extend(report.errors)
        warnings.extend(report.warnings)
        if report.summary:
            summaries.append(report.summary)
    for error in errors:
        print(error.render(display_path(error.file)), file=out)
    for warning in warnings:
        print(f"warning: {warning.render(display_path(warning.file))}", file=out)
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
