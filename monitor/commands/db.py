"""`eduwatch db upgrade` and `eduwatch db prune`; opening the store for every command."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta
from pathlib import Path

from crawler.names import SHANGHAI
from monitor.cli import add_command
from monitor.config import load_config, parse_duration
from monitor.errors import ConfigError, StoreError
from monitor.store import Store, open_configured, upgrade
from monitor.store.retention import prune
from monitor.store.types import utcnow


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(subparsers, "db", "the store: migrate it, prune old history")
    actions = parser.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    # `--config` after the action too; SUPPRESS keeps one given before it (`db --config D upgrade`)
    config = argparse.ArgumentParser(add_help=False)
    config.add_argument("--config", type=Path, default=argparse.SUPPRESS, metavar="DIR")
    upgrade_help = "apply the migrations (also done on every start)"
    up = actions.add_parser("upgrade", help=upgrade_help, parents=[config])
    up.set_defaults(func=run_upgrade)
    prune_help = "delete history past the retention setting"
    actions.add_parser("prune", help=prune_help, parents=[config]).set_defaults(func=run_prune)


def run_upgrade(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
        revision = upgrade(config.database.url)
    except (ConfigError, StoreError) as error:
        print(f"eduwatch db upgrade: {error}", file=sys.stderr)
        return 2 if isinstance(error, ConfigError) else 1
    print(f"database at revision {revision}")
    return 0


def run_prune(args: argparse.Namespace) -> int:
    store = open_from_args(args, "db prune")
    if store is None:
        return 2
    try:
        with store.transaction() as session:
            report = prune(session, utcnow(), store.config.retention)
    finally:
        store.close()
    print(f"pruned {report.events} events, {report.versions} versions, {report.runs} crawl runs")
    return 0


def open_from_args(args: argparse.Namespace, command: str) -> Store | None:
    """The store of ``--config`` (migrated), or None after printing why it cannot be opened."""
    try:
        return open_configured(load_config(args.config))
    except (ConfigError, StoreError) as error:
        print(f"eduwatch {command}: {error}", file=sys.stderr)
        return None


def parse_since(value: str) -> datetime:
    """``2024-06-18`` (midnight, Asia/Shanghai), an ISO time, or a span back from now (``7d``)."""
    try:
        span = parse_duration(value)
    except ValueError:
        span = None
    if isinstance(span, timedelta):
        return utcnow() - span
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r}: expected a date (2024-06-18), a time (2024-06-18T09:00) or a span (7d)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def shown(moment: datetime | None) -> str:
    """A stored time as the operator reads it: Asia/Shanghai, to the minute."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment else "-"
