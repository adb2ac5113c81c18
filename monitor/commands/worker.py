"""`eduwatch worker [--id NAME] [--browser] [-s NAME=VALUE ...]`: a crawl worker of distributed
mode; with ``--browser`` it takes the work that needs a browser (Chromium on this machine, or
``-s EDUWATCH_BROWSER_CDP_URL=...``; without either it exits 2). The site configuration needs no
browser: a plain worker never renders."""

from __future__ import annotations

import argparse
import sys

from crawler.sites import load_sites
from monitor.cli import add_command
from monitor.commands.check_config import display_path
from monitor.config import load_config
from monitor.errors import ConfigError

EXIT_CONFIG = 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    worker = add_command(
        subparsers, "worker", "a long-lived crawl worker taking its work from Redis"
    )
    worker.add_argument("--id", default="", help="worker name (default: host-pid)")
    worker.add_argument(
        "--browser", action="store_true",
        help="take the work that needs a browser (render: browser, challenges of render: auto)",
    )  # fmt: skip
    worker.add_argument(
        "-s", dest="settings", action="append", default=[], metavar="NAME=VALUE",
        help="a Scrapy setting for this worker",
    )  # fmt: skip
    worker.set_defaults(func=run_worker_command)


def run_worker_command(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config, secrets=False)
    except ConfigError as error:
        print("\n".join(p.render(display_path(p.file)) for p in error.problems), file=sys.stderr)
        return EXIT_CONFIG
    if not config.distributed:
        print(
            "eduwatch worker: no redis.url in eduwatch.yaml (nor $EDUWATCH_REDIS_URL): "
            "the embedded mode crawls from `eduwatch run` itself",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    loaded = load_sites(args.config)
    if loaded.errors:
        print("\n".join(str(problem) for problem in loaded.errors), file=sys.stderr)
        return EXIT_CONFIG
    overrides = dict(item.split("=", 1) for item in args.settings)
    from monitor.distributed.browser import BrowserMissing
    from monitor.distributed.worker import run_worker

    try:
        return run_worker(args.config, config, loaded.sites, args.id, overrides, args.browser)
    except BrowserMissing as error:
        print(error, file=sys.stderr)
        return EXIT_CONFIG
