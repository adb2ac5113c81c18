"""`eduwatch run`, `eduwatch status`, `eduwatch deliveries [--status S]`,
`eduwatch deliveries retry ID`: the service and what it has (not yet) sent."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

from loguru import logger
from sqlalchemy import func, select

from crawler.render.report import browser_text
from crawler.sites import SiteConfig, load_sites
from monitor.cli import add_command
from monitor.clock import shown
from monitor.commands.check_config import display_path
from monitor.commands.db import open_from_args, parse_since
from monitor.config import ServiceConfig
from monitor.errors import ConfigError, NotFoundError, StoreError
from monitor.logs import setup_logging
from monitor.scheduler import next_due
from monitor.store import Store
from monitor.store.delivery_models import DELIVERY_STATUSES, Delivery
from monitor.store.models import CrawlRun
from monitor.store.outbox_queue import backlog, list_deliveries, retry, retry_matching
from monitor.store.types import utcnow

EXIT_CONFIG = 2
ERROR_WIDTH = 80


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = add_command(subparsers, "run", "run the service: scheduled crawls and alerts")
    run.add_argument("--log-json", action="store_true", help="log JSON lines (default: text)")
    run.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING"))
    run.set_defaults(func=run_service)
    status = add_command(subparsers, "status", "each site's last run, result and next run")
    status.set_defaults(func=run_status)
    deliveries = add_command(subparsers, "deliveries", "list the alert deliveries, newest first")
    deliveries.add_argument("--status", choices=DELIVERY_STATUSES, help="only this status")
    deliveries.add_argument("--limit", type=int, default=50, help="at most N (default 50)")
    deliveries.set_defaults(func=run_deliveries)
    actions = deliveries.add_subparsers(dest="deliveries_command", metavar="ACTION")
    config = argparse.ArgumentParser(add_help=False)
    config.add_argument("--config", type=Path, default=argparse.SUPPRESS, metavar="DIR")
    again = actions.add_parser(
        "retry", help="send a failed or dead delivery again, or all that match", parents=[config]
    )
    again.add_argument("delivery_id", type=int, nargs="?", metavar="ID")
    again.add_argument("--status", choices=("failed", "dead"), help="every delivery of it")
    again.add_argument("--channel", metavar="[SUBSCRIBER/]CHANNEL", help="only this channel's")
    again.add_argument(
        "--since", type=parse_since, metavar="WHEN", help="only those created since (date, 7d)"
    )
    again.set_defaults(func=run_retry)


def run_service(args: argparse.Namespace) -> int:
    setup_logging(json_lines=args.log_json, level=args.log_level)
    from monitor.service import Service, load_setup
    from monitor.store.lock import StoreLockedError

    try:
        setup = load_setup(args.config)
    except ConfigError as error:
        problems = "\n".join(p.render(display_path(p.file)) for p in error.problems)
        logger.error(
            "the configuration in {} is broken, nothing started; {} problem(s):\n{}",
            args.config, len(error.problems), problems,
        )  # fmt: skip
        return EXIT_CONFIG
    try:
        return asyncio.run(Service(args.config, setup).run())
    except StoreLockedError as error:
        logger.error("eduwatch run not started: {}", error)
        return 1
    except StoreError as error:
        logger.error("the store cannot be used: {}", error)
        return 1


def run_status(args: argparse.Namespace) -> int:
    sites = load_sites(args.config)
    store = open_from_args(args, "status")
    if store is None:
        return EXIT_CONFIG
    try:
        write_status(store, sites.sites, sys.stdout)
        config = store.config
    finally:
        store.close()
    if config.distributed:
        write_workers(config, sys.stdout)
    for problem in sites.errors:
        print(f"warning: {problem.render(display_path(problem.file))}", file=sys.stderr)
    return 0


def write_status(store: Store, sites: tuple[SiteConfig, ...], out: TextIO) -> None:
    """One line per configured site: last run, its result, next run; then the backlog."""
    with store.transaction() as session:
        latest = (
            select(CrawlRun.site_id, func.max(CrawlRun.id).label("run_id"))
            .group_by(CrawlRun.site_id)
            .subquery()
        )
        runs = {
            run.site_id: run
            for run in session.scalars(
                select(CrawlRun).join(latest, CrawlRun.id == latest.c.run_id)
            )
        }
        counts = backlog(session)
        waiting = session.scalar(
            select(func.count()).where(Delivery.mode == "digest", Delivery.digest_key.is_(None))
            .where(Delivery.status == "pending")
        )  # fmt: skip
    now = utcnow()
    out.write(f"{'site':<16}{'last run':<24}{'result':<9}{'next run':<24}error\n")
    for site in sites:
        run = runs.get(site.id)
        result = run.status if run is not None else "-"
        error = _cut((run.error or "") if run is not None else "")
        out.write(
            f"{site.id:<16}{shown(run.started_at if run else None):<24}{result:<9}"
            f"{_next_run(site, run, now):<24}{error}\n"
        )
    for site in sites:
        run = runs.get(site.id)
        text = browser_text((run.stats or {}).get("browser") or {}) if run is not None else ""
        if text:
            out.write(f"browser ({site.id}, last run): {text}\n")
    parts = [f"{counts[status]} {status}" for status in DELIVERY_STATUSES]
    out.write(f"deliveries: {', '.join(parts)} ({waiting or 0} waiting for a digest)\n")


def write_workers(config: ServiceConfig, out: TextIO) -> None:
    """Distributed mode: the workers and the queue, or why Redis cannot tell."""
    from monitor.distributed.keys import Keys
    from monitor.distributed.retry import REDIS_ERRORS, connect
    from monitor.distributed.status import write_distributed

    assert config.redis.url is not None
    client = connect(config.redis.url)
    try:
        write_distributed(client, Keys(config.redis.prefix), out)
    except REDIS_ERRORS as error:
        out.write(f"workers: Redis unavailable ({type(error).__name__}: {error})\n")
    finally:
        client.close()


def _next_run(site: SiteConfig, run: CrawlRun | None, now: datetime) -> str:
    if not site.enabled:
        return "disabled"
    due = next_due(site.schedule, run.started_at if run is not None else None)
    return "due now" if due is None or due <= now else shown(due)


def run_deliveries(args: argparse.Namespace) -> int:
    store = open_from_args(args, "deliveries")
    if store is None:
        return EXIT_CONFIG
    try:
        with store.transaction() as session:
            rows = list_deliveries(session, args.status, max(1, args.limit))
            for row in rows:
                sys.stdout.write(_delivery_line(row) + "\n")
    finally:
        store.close()
    return 0


def _delivery_line(row: Delivery) -> str:
    if row.status == "sent":
        when = f"sent {shown(row.sent_at)}"
    elif row.next_attempt_at is not None:
        when = f"next {shown(row.next_attempt_at)}"
    else:
        when = "waits for its digest" if row.mode == "digest" else "-"
    fields = [
        str(row.id),
        row.status,
        f"{row.attempts} attempt(s)",
        f"{row.subscriber}/{row.channel}",
        row.kind,
        shown(row.created_at),
        when,
        _cut(row.last_error or ""),
    ]
    return "\t".join(fields)


def run_retry(args: argparse.Namespace) -> int:
    if (args.delivery_id is None) == (args.status is None):
        print("eduwatch deliveries retry: give an ID or --status", file=sys.stderr)
        return EXIT_CONFIG
    if args.delivery_id is not None and (args.channel or args.since):
        print("eduwatch deliveries retry: --channel and --since go with --status", file=sys.stderr)
        return EXIT_CONFIG
    store = open_from_args(args, "deliveries retry")
    if store is None:
        return EXIT_CONFIG
    try:
        with store.transaction() as session:
            if args.status is not None:
                ids = retry_matching(session, args.status, utcnow(), args.channel, args.since)
            else:
                ids = retry(session, args.delivery_id, utcnow())
    except (NotFoundError, StoreError) as error:
        print(f"eduwatch deliveries retry: {error}", file=sys.stderr)
        return 1
    finally:
        store.close()
    if args.status is not None:
        print(f"{len(ids)} {args.status} deliveries due again; the running service sends them")
        return 0
    if not ids:
        print(f"delivery {args.delivery_id} waits for its subscriber's digest; nothing to do")
        return 0
    more = f" (with {len(ids) - 1} more of its digest)" if len(ids) > 1 else ""
    print(f"delivery {args.delivery_id} is due again{more}; the running service sends it")
    return 0


def _cut(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= ERROR_WIDTH else line[: ERROR_WIDTH - 1] + "…"
