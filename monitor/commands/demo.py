"""`eduwatch demo [--keep DIR]`: the whole product in under two minutes, offline (monitor.demo)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from monitor.cli import add_command


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        subparsers, "demo", "the whole product in two minutes, offline, on 127.0.0.1"
    )
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="leave the configuration and the database in DIR (a new or empty folder)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    keep: Path | None = args.keep
    if keep is not None:
        if keep.exists() and (not keep.is_dir() or any(keep.iterdir())):
            print(f"eduwatch demo: {keep} is not a new or empty folder", file=sys.stderr)
            return 2
        keep.mkdir(parents=True, exist_ok=True)
        keep = keep.resolve()
    from monitor.demo.scenario import run_demo

    return run_demo(keep, sys.stdout)
