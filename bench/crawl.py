"""Benchmark: our full crawl against a bare Scrapy download of the same URLs, in one run.

    .venv/bin/python bench/crawl.py [--articles 2000] [--columns 2] [--concurrency 2]

A TRS fixture site (tests/fixture_site, noise off) of ``--articles`` articles is served on
127.0.0.1. Measured, each as a `scrapy` subprocess with the project's settings, delay 0 and no
AutoThrottle, robots.txt obeyed, the same concurrency per host:

1. our crawl, each time the site's first crawl (a silent baseline), list pages and articles with
   full extraction: "inline ingest" (the default) stores every article into a fresh SQLite store
   in the crawl process; "store writer" has a writer process store them
   (``EDUWATCH_STORE_WRITER_AFTER=0``); "no store" stores nothing (``database=none``): the
   crawl and extraction alone;
2. a bare spider (this file, run by `scrapy runspider`) that only downloads the URLs our crawl
   requested, and does nothing with them;
3. a re-crawl with nothing new: its requests (only the first list page of each column should go
   out, each answered 304).

Rates are articles per second of crawl time (each spider's start to its close; process start-up
is printed apart). Peak memory: the highest sum of RSS over the crawl's process group (polled in
/proc every 50 ms), with each process's own peak. Figures, never pass/fail. The fixture renders
each page once and caches it: a first bare pass warms it for every run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import scrapy

ROOT = Path(__file__).resolve().parents[1]


class BareSpider(scrapy.Spider):
    """Downloads a file of URLs (one a line) and drops every answer; writes its timing."""

    name = "bare"

    def __init__(self, urls: str = "", stats: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = Path(urls).read_text("utf-8").split()
        self.stats_path = Path(stats)
        self.started = 0.0
        self.answered = 0

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.started = time.monotonic()
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response: scrapy.http.Response) -> None:
        self.answered += 1

    def closed(self, reason: str) -> None:
        elapsed = time.monotonic() - self.started
        record = {"elapsed": elapsed, "answered": self.answered, "reason": reason}
        self.stats_path.write_text(json.dumps(record), "utf-8")


@dataclass
class OurRun:
    """One of our crawls: the runner's result and the process group's memory."""

    label: str
    config: Path
    result: Any
    memory: GroupMemory


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    from tests.fixture_site import build_site

    args = parse_args(argv)
    per_column = math.ceil(args.articles / args.columns)
    site = build_site("trs", columns=args.columns, articles_per_column=per_column, noise=False)
    settings = {
        "AUTOTHROTTLE_ENABLED": "False",
        "DOWNLOAD_DELAY": "0",
        "CONCURRENT_REQUESTS_PER_DOMAIN": str(args.concurrency),
        "LOG_LEVEL": "WARNING",
    }
    pages = math.ceil(per_column / 20)
    with site, tempfile.TemporaryDirectory(prefix="eduwatch-bench-") as folder:
        work = Path(folder)
        articles = [site.url_of(a) for a in site.articles()]
        lists = [site.list_url(key, page) for key in site.specs for page in range(1, pages + 1)]
        bare(work, [*lists, *articles], settings, "warm-up")
        runs = []
        modes = {
            "inline ingest": ({}, None),
            "store writer": ({"EDUWATCH_STORE_WRITER_AFTER": "0"}, None),
            "no store": ({}, "none"),
        }
        for label, (extra, database) in modes.items():
            site.reset_log()
            folder = work / label.replace(" ", "-")
            run = our_crawl(folder, site, pages, label, {**settings, **extra}, database)
            if run.result.status != "ok":
                result = run.result
                print(f"{label}: {result.status}: {result.error}\n{result.log_tail}")
                return 1
            runs.append(run)
        requested = [
            site.url(e.path) for e in site.requests if e.method == "GET" and e.path != "/robots.txt"
        ]
        figures = bare(work, requested, settings, "bare")
        site.reset_log()
        again = run_again(runs[0], settings)
        recrawl = [e for e in site.requests if e.path != "/robots.txt"]
        report(args, runs, figures, len(requested), recrawl, again, len(site.specs))
    return 0


def our_crawl(
    folder: Path,
    site: Any,
    pages: int,
    label: str,
    settings: dict[str, str],
    database: str | None,
) -> OurRun:
    """A first crawl of the site into a fresh store, its process group's memory polled."""
    from monitor.runner import CrawlJob, run_crawl
    from tests.test_spider_support import write_config

    config = write_config(folder, site, "trs", max_pages=min(100, pages))
    job = CrawlJob("fixture", config, database_url=database, settings=settings, timeout=1800)
    memory = GroupMemory(f"config={config.resolve()}")
    memory.start()
    try:
        result = run_crawl(job)
    finally:
        memory.stop()
    return OurRun(label, config, result, memory)


def run_again(first: OurRun, settings: dict[str, str]) -> Any:
    """The same site crawled again into the first run's store: nothing is new."""
    from monitor.runner import CrawlJob, run_crawl

    return run_crawl(CrawlJob("fixture", first.config, settings=settings, timeout=600))


class GroupMemory(threading.Thread):
    """Polls /proc for the crawl's process group (the `scrapy crawl` process and, on a big crawl,
    its store writer): the peak of their summed RSS, and each one's own peak, in KiB."""

    def __init__(self, marker: str) -> None:
        super().__init__(daemon=True)
        self.marker = marker.encode()
        self.stopping = threading.Event()
        self.peak_total = 0
        self.peaks: dict[int, int] = {}

    def run(self) -> None:
        group = None
        while not self.stopping.wait(0.05):
            group = group or self._leader()
            if group is None:
                continue
            sizes = _group_rss(group)
            self.peak_total = max(self.peak_total, sum(sizes.values()))
            for pid, rss in sizes.items():
                self.peaks[pid] = max(self.peaks.get(pid, 0), rss)

    def _leader(self) -> int | None:
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if self.marker in (entry / "cmdline").read_bytes():
                        return int(entry.name)
                except OSError:
                    continue
        return None

    def stop(self) -> None:
        self.stopping.set()
        self.join()


def _group_rss(group: int) -> dict[int, int]:
    """RSS in KiB of every process in the process group."""
    sizes = {}
    page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[2]) == group:  # pgrp
                sizes[int(entry.name)] = int(fields[21]) * page_kb
        except (OSError, ValueError, IndexError):
            continue
    return sizes


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/crawl.py", description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--columns", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2, help="requests per host")
    return parser.parse_args(argv)


def bare(work: Path, urls: list[str], settings: dict[str, str], name: str) -> dict[str, Any]:
    """Run the bare spider over ``urls``; its timing, wall time and peak RSS."""
    url_file, stats = work / f"{name}-urls.txt", work / f"{name}-stats.json"
    url_file.write_text("\n".join(urls), "utf-8")
    command = [sys.executable, "-m", "scrapy", "runspider", str(Path(__file__).resolve())]
    command += ["-a", f"urls={url_file}", "-a", f"stats={stats}", "-s", "ITEM_PIPELINES={}"]
    for key, value in settings.items():
        command += ["-s", f"{key}={value}"]
    started = time.monotonic()
    child = subprocess.Popen(command, cwd=ROOT)
    _, _, usage = os.wait4(child.pid, 0)
    child.returncode = 0
    record: dict[str, Any] = json.loads(stats.read_text("utf-8"))
    record["wall"] = time.monotonic() - started
    record["max_rss_kb"] = usage.ru_maxrss
    return record


def report(
    args: argparse.Namespace,
    runs: list[OurRun],
    bare_run: dict[str, Any],
    requests: int,
    recrawl: list[Any],
    again: Any,
    columns: int,
) -> None:
    count = runs[0].result.stats["articles"]
    bare_rate = count / bare_run["elapsed"]
    print(f"fixture: TRS, {count} articles in {columns} columns, {requests} GET requests")
    print(f"concurrency {args.concurrency} per host, delay 0, no AutoThrottle, robots obeyed")
    print(
        f"bare Scrapy:         {bare_rate:6.1f} articles/s  ({bare_run['elapsed']:.2f} s "
        f"downloading, {bare_run['wall']:.2f} s with process start), "
        f"peak {bare_run['max_rss_kb'] / 1024:.0f} MB"
    )
    for run in runs:
        stats, memory = run.result.stats, run.memory
        rate = count / stats["elapsed"]
        each = " + ".join(f"{kb / 1024:.0f}" for kb in sorted(memory.peaks.values(), reverse=True))
        print(
            f"ours, {run.label + ':':14} {rate:6.1f} articles/s  ({stats['elapsed']:.2f} s "
            f"crawling, {run.result.elapsed:.2f} s with process start), "
            f"ratio {rate / bare_rate:.2f} (goal >= 0.5); "
            f"peak {memory.peak_total / 1024:.0f} MB (goal < 250 MB; {each} MB)"
        )
    unchanged = sum(entry.status == 304 for entry in recrawl)
    print(
        f"re-crawl with nothing new: {len(recrawl)} requests besides robots.txt "
        f"({unchanged} answered 304; {columns} first list pages), {again.status}, "
        f"{again.stats.get('articles', 0)} articles"
    )


if __name__ == "__main__":
    sys.exit(main())
