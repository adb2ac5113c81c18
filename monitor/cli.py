"""The `eduwatch` command: a thin argparse front over the modules of ``monitor.commands``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import import_module
from pathlib import Path

# Each module's `register(subparsers)` adds its sub-command, with `func=handler(args) -> int`.
COMMAND_MODULES = (
    "monitor.commands.extract",
    "monitor.commands.crawl",
    "monitor.commands.check_config",
    "monitor.commands.db",
    "monitor.commands.articles",
    "monitor.commands.diff",
    "monitor.commands.service",
    "monitor.commands.worker",
    "monitor.commands.test_alert",
)

DEFAULT_CONFIG_DIR = "./config"


def default_config_dir() -> Path:
    """`$EDUWATCH_CONFIG`, else `./config`."""
    return Path(os.environ.get("EDUWATCH_CONFIG") or DEFAULT_CONFIG_DIR)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="eduwatch",
        description="Watch the news, notice and policy columns of China's education authorities.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="DIR",
        help="configuration folder (default: $EDUWATCH_CONFIG or ./config)",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    subparsers.common_parents = [common]  # type: ignore[attr-defined]
    for name in COMMAND_MODULES:
        import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
