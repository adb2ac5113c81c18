"""The `eduwatch` command: a thin argparse front over the modules of ``monitor.commands``.

Only the module of the command being run is imported (`eduwatch --help` imports none of them,
and so none of Scrapy, SQLAlchemy or Twisted): the table below names each command's module and
its one-line help for the listing.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Sequence
from importlib import import_module
from pathlib import Path
from typing import Any

# (command, module, help in the listing). Each module's `register(subparsers)` adds its commands,
# with `func=handler(args) -> int`; a module's commands are listed together, in its order.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("demo", "monitor.commands.demo", "the whole product in two minutes, offline, on 127.0.0.1"),
    ("extract", "monitor.commands.extract", "extract the article of a saved page (or a folder)"),
    ("crawl", "monitor.commands.crawl", "crawl one site now, in the foreground"),
    (
        "check-config",
        "monitor.commands.check_config",
        "validate the configuration folder and report every error",
    ),
    ("db", "monitor.commands.db", "the store: migrate it, prune old history"),
    ("articles", "monitor.commands.articles", "list the stored articles, newest first"),
    ("show", "monitor.commands.articles", "one article: metadata, version history and text"),
    ("events", "monitor.commands.articles", "list events, oldest first"),
    ("diff", "monitor.commands.diff", "what changed in an article, clause by clause"),
    ("run", "monitor.commands.service", "run the service: scheduled crawls and alerts"),
    ("status", "monitor.commands.service", "each site's last run, result and next run"),
    ("deliveries", "monitor.commands.service", "list the alert deliveries, newest first"),
    ("worker", "monitor.commands.worker", "a long-lived crawl worker taking its work from Redis"),
    (
        "test-alert",
        "monitor.commands.test_alert",
        "send a sample alert through each channel of a subscriber",
    ),
    (
        "probe",
        "monitor.commands.probe",
        "try every list adapter on a column URL and print the site YAML",
    ),
    ("web", "monitor.commands.web", "serve the web dashboard, JSON API, feeds and metrics"),
)

DEFAULT_CONFIG_DIR = "./config"
CONFIG_HELP = "configuration folder (default: $EDUWATCH_CONFIG or ./config)"


def default_config_dir() -> Path:
    """`$EDUWATCH_CONFIG`, else `./config`."""
    return Path(os.environ.get("EDUWATCH_CONFIG") or DEFAULT_CONFIG_DIR)


def package_version() -> str:
    """The installed distribution's version (importlib.metadata, read only when asked)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("eduwatch")
    except PackageNotFoundError:
        return "unknown (not installed)"


class _VersionAction(argparse.Action):
    """`--version`: the version is looked up only when it is asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.setdefault("help", "print the version and exit")
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        print(f"eduwatch {package_version()}")
        parser.exit()


def build_parser(modules: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only ``modules`` (default: all) register their commands in full, the others
    are listed by name and help."""
    loaded = {module for _, module, _ in COMMANDS} if modules is None else set(modules)
    parser = argparse.ArgumentParser(
        prog="eduwatch",
        description="Watch the news, notice and policy columns of China's education authorities.",
        epilog="`eduwatch COMMAND --help` describes a command. New here? Try `eduwatch demo`.",
    )
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument("--config", type=Path, default=None, metavar="DIR", help=CONFIG_HELP)
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a `--config` given before the command is kept when none follows it
    common.add_argument(
        "--config", type=Path, default=argparse.SUPPRESS, metavar="DIR", help=CONFIG_HELP
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    subparsers.common_parents = [common]  # type: ignore[attr-defined]
    for name, module, help_text in COMMANDS:
        if module in loaded:
            loaded.discard(module)
            import_module(module).register(subparsers)
        if name not in subparsers.choices:
            subparsers.add_parser(name, help=help_text, add_help=False)
    return parser


def command_of(argv: Sequence[str]) -> str | None:
    """The sub-command named in ``argv`` (the first positional argument), if any."""
    tokens = iter(argv)
    for token in tokens:
        if token == "--config":
            next(tokens, None)
        elif not token.startswith("-"):
            return token
    return None


def modules_for(command: str | None) -> set[str]:
    return {module for name, module, _ in COMMANDS if name == command}


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(modules_for(command_of(arguments)))
    args = parser.parse_args(arguments)
    if getattr(args, "config", None) is None:
        args.config = default_config_dir()
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def add_command(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_text: str
) -> argparse.ArgumentParser:
    """A sub-command parser that also takes the common `--config DIR`."""
    parents = getattr(subparsers, "common_parents", [])
    return subparsers.add_parser(name, help=help_text, description=help_text, parents=parents)
