"""Memory of one long-lived worker over many pages (issue 11): does its RSS grow with the pages?

    .venv/bin/python bench/worker_memory.py [--pages 100000] [--sites 1000] [--articles 10]

One `eduwatch worker` against the farm of bench/scale.py (PostgreSQL and Redis local, a database
and a key prefix of its own, dropped after). Round 0 is the first crawl of every site (list
pages and all their articles, stored); in each later round every list gains an article and drops
its oldest (the farm's ``/_round``), so each column's list page is read again and its new
article fetched, extracted and stored, as a site that publishes does. After every round it
prints the pages served so far and the worker's RSS; it stops at ``--pages`` (or
``--minutes``). Flat RSS after the first rounds means no growth with the pages.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import (
    FarmServers,
    Leader,
    Workers,
    chosen_sites,
    database,
    load_config,
    open_configured,
    start_farm,
    write_config,
)

PAGE_KINDS = ("list", "list_304", "article", "404")


def set_round(farm: FarmServers, number: int) -> None:
    for port in farm.ports.values():
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_round?n={number}") as answer:
            answer.read()


def served(farm: FarmServers) -> int:
    hits = farm.stats()
    return sum(hits.get(kind, 0) for kind in PAGE_KINDS)


def run(farm: FarmServers, folder: Path, args: argparse.Namespace) -> None:
    sites = chosen_sites(args.sites)
    deadline = time.monotonic() + 60 * args.minutes
    with database() as url:
        config = write_config(folder, farm.ports, url, f"ewmem-{secrets.token_hex(3)}")
        open_configured(load_config(config)).close()
        leader = Leader(config)
        workers = Workers(config, 1, folder)
        try:
            leader.wait_workers(1)
            farm.stats(reset=True)
            started = time.perf_counter()
            print(f"{'round':>5}{'seconds':>9}{'pages':>9}{'pages/s':>9}{'RSS MB':>8}", flush=True)
            number, pages = 0, 0
            while pages < args.pages and time.monotonic() < deadline:
                set_round(farm, number)
                seconds = leader.crawl(sites)
                pages = served(farm)
                rss = workers.rss_mb()[0]
                elapsed = time.perf_counter() - started
                figures = f"{seconds:>9.1f}{pages:>9}{pages / elapsed:>9.1f}{rss:>8.0f}"
                print(f"{number:>5}{figures}", flush=True)
                number += 1
        finally:
            workers.stop()
            leader.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=100_000)
    parser.add_argument("--minutes", type=float, default=24 * 60)
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--articles", type=int, default=10, help="a column")
    args = parser.parse_args()
    farm = start_farm(args.articles)
    try:
        run(farm, Path(tempfile.mkdtemp(prefix="eduwatch-memory-")), args)
    finally:
        farm.stop()


if __name__ == "__main__":
    main()
