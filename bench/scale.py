"""Figures for distributed mode (issue 11): a farm of 1,000 synthetic sites on 127.0.0.1.

    .venv/bin/python bench/scale.py [--sites 100] [--articles 10] [--subprocess-sites 20]

Needs the machine's PostgreSQL (postgres@127.0.0.1:5432, a database per measurement, dropped
after) and Redis (127.0.0.1:6379, a key prefix of its own, deleted after). Prints:

1. pages/s and articles stored/s on the same pages (``--sites`` sites x 2 columns x
   ``--articles`` articles, TRS and Hanweb alike): a bare Scrapy download of the pages, today's
   subprocess per crawl (``--subprocess-sites`` of them, two at a time as the service does),
   and 1 and 2 long-lived workers (store included);
2. a first crawl of all 1,000 sites by 2 workers, then the no-change poll round over all of
   them: wall time, requests made, worker CPU seconds per site;
3. each worker's memory (RSS) after those pages, with the page count.

The workers' CPU per page (``CPU ms/page``) is the figure least moved by other load on the
machine; pages/s and its ratio to bare Scrapy need a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import redis  # noqa: E402
import yaml  # noqa: E402
from farm import COLUMNS, article_id, hanweb_column  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402

from crawler.sites import load_sites  # noqa: E402
from monitor.config import load_config  # noqa: E402
from monitor.distributed.enqueue import Dispatcher  # noqa: E402
from monitor.distributed.keys import Keys  # noqa: E402
from monitor.distributed.leader import Leadership  # noqa: E402
from monitor.runner import CrawlJob, run_crawl  # noqa: E402
from monitor.store import Store, open_configured  # noqa: E402
from monitor.store.models import CrawlRun, StoredArticle  # noqa: E402

ADMIN = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
REDIS = "redis://127.0.0.1:6379/0"
FAMILY_SITES = 500  # sites per family: 500 TRS + 500 Hanweb = 1,000
SPEED = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "ROBOTSTXT_OBEY": "False",
    "LOG_LEVEL": "WARNING",
}


@dataclass
class FarmServers:
    processes: list[subprocess.Popen[bytes]]
    ports: dict[str, int]

    def stats(self, reset: bool = False) -> dict[str, int]:
        total: dict[str, int] = {}
        for port in self.ports.values():
            query = "?reset=1" if reset else ""
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stats{query}") as answer:
                data = json.load(answer)
            for key, value in data["hits"].items():
                total[key] = total.get(key, 0) + value
            total["bytes"] = total.get("bytes", 0) + data["bytes"]
        return total

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGTERM)
                process.wait(10)


def start_farm(articles: int) -> FarmServers:
    processes, ports = [], {}
    for family, first in (("trs", 0), ("hanweb", FAMILY_SITES)):
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "farm.py"), family, str(first),
             str(FAMILY_SITES), str(articles)],
            stdout=subprocess.PIPE,
        )  # fmt: skip
        assert process.stdout is not None
        ports[family] = int(process.stdout.readline().split()[1])
        processes.append(process)
    return FarmServers(processes, ports)


def family_of(site: int) -> str:
    return "trs" if site < FAMILY_SITES else "hanweb"


def column_url(ports: dict[str, int], site: int, column: int) -> str:
    if family_of(site) == "trs":
        return f"http://127.0.0.1:{ports['trs']}/s{site}/c{column}/index.html"
    return f"http://127.0.0.1:{ports['hanweb']}/col/col{hanweb_column(site, column)}/index.html"


def page_urls(ports: dict[str, int], sites: Iterable[int], articles: int) -> list[str]:
    urls = []
    for site in sites:
        for column in range(len(COLUMNS)):
            urls.append(column_url(ports, site, column))
            for index in range(articles):
                number = article_id(site, column, index)
                if family_of(site) == "trs":
                    urls.append(
                        f"http://127.0.0.1:{ports['trs']}/s{site}/c{column}/202406/"
                        f"t20240628_{number}.html"
                    )
                else:
                    colid = hanweb_column(site, column)
                    urls.append(
                        f"http://127.0.0.1:{ports['hanweb']}/art/2024/6/28/art_{colid}_{number}.html"
                    )
    return urls


def write_config(folder: Path, ports: dict[str, int], database: str, prefix: str) -> Path:
    config = folder / "config"
    (config / "sites").mkdir(parents=True, exist_ok=True)
    for site in range(2 * FAMILY_SITES):
        document = {
            "id": f"s{site}",
            "name": f"测试{site}教育厅",
            "authority": f"测试{site}",
            "adapter": family_of(site),
            "delay": 0,
            "concurrency": 8,
            "obey_robots": False,
            "columns": [
                {"name": name, "url": column_url(ports, site, column), "category": category}
                for column, (name, category) in enumerate(COLUMNS)
            ],
        }
        (config / "sites" / f"s{site}.yaml").write_text(
            yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8"
        )
    (config / "eduwatch.yaml").write_text(
        f"database:\n  url: {database}\nredis:\n  url: {REDIS}\n  prefix: {prefix}\n"
        "  worker_ttl: 10s\n  concurrency: 16\nscheduler:\n  crawl_timeout: 1h\n",
        "utf-8",
    )
    (config / "subscribers.yaml").write_text("subscribers: []\n", "utf-8")
    return config


@contextmanager
def database() -> Iterator[str]:
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    name = f"eduwatch_bench_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def chosen_sites(count: int) -> list[int]:
    """``count`` sites, half TRS and half Hanweb."""
    half = count // 2
    return [*range(half), *range(FAMILY_SITES, FAMILY_SITES + count - half)]


def stored_articles(store: Store) -> int:
    with store.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(StoredArticle)) or 0)


# -- 1. modes -----------------------------------------------------------------------------------
def bare(urls: list[str]) -> float:
    """Seconds for a bare Scrapy download of the pages (a fresh process, same settings)."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(urls))
    started = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--bare", handle.name], check=True, cwd=ROOT)
    os.unlink(handle.name)
    return time.perf_counter() - started


def bare_crawl(path: str) -> None:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    urls = Path(path).read_text().split()

    class Bare(scrapy.Spider):
        name = "bare"

        async def start(self) -> Any:
            for url in urls:
                yield scrapy.Request(url, callback=self.parse, dont_filter=True)

        def parse(self, response: Any) -> None:
            return None

    process = CrawlerProcess({**SPEED, "TELNETCONSOLE_ENABLED": False})
    process.crawl(Bare)
    process.start()


def subprocess_model(config: Path, sites: list[int]) -> float:
    """Seconds for today's model: one `scrapy crawl` subprocess per site, two at a time."""

    def one(site: int) -> None:
        run_crawl(CrawlJob(f"s{site}", config, settings=SPEED, timeout=600))

    started = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(one, sites))
    return time.perf_counter() - started


class Workers:
    """`eduwatch worker` processes, started and stopped by pid."""

    def __init__(self, config: Path, count: int, logs: Path) -> None:
        settings = [part for name, value in SPEED.items() for part in ("-s", f"{name}={value}")]
        self.processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "monitor",
                    "worker",
                    "--config",
                    str(config),
                    "--id",
                    f"bench{n}",
                    *settings,
                ],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=(logs / f"worker{n}.log").open("ab"),
            )
            for n in range(count)
        ]

    def cpu_seconds(self) -> float:
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for process in self.processes:
            fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
        return total

    def rss_mb(self) -> list[float]:
        found = []
        for process in self.processes:
            for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    found.append(int(line.split()[1]) / 1024)
        return found

    def stop(self) -> None:
        for process in self.processes:
            os.kill(process.pid, signal.SIGTERM)
        for process in self.processes:
            process.wait(120)


class Leader:
    """Dispatch as the leading `eduwatch run` does, and wait for the runs to close."""

    def __init__(self, config: Path) -> None:
        service = load_config(config)
        self.client = redis.Redis.from_url(REDIS)
        self.keys = Keys(service.redis.prefix)
        self.store = open_configured(service)
        self.sites = {site.id: site for site in load_sites(config).sites}
        self.leadership = Leadership(self.client, self.keys, 600)
        assert self.leadership.step()
        self.dispatcher = Dispatcher(self.client, self.keys, self.leadership, self.store, 3600)

    def wait_workers(self, count: int) -> None:
        deadline = time.monotonic() + 120
        while self.client.scard(self.keys.workers) < count:
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.2)

    def crawl(self, sites: list[int] | range) -> float:
        assert self.leadership.step(), "the bench lost the leader lock"  # renewed each crawl
        started = time.perf_counter()
        dispatched = [self.dispatcher.dispatch(self.sites[f"s{site}"]) for site in sites]
        assert all(done.status == "queued" for done in dispatched), dispatched[0]
        runs = [done.run_id for done in dispatched]
        while True:
            with self.store.transaction() as session:
                query = select(CrawlRun.status).where(CrawlRun.id.in_(runs))
                statuses = list(session.scalars(query))
            if "running" not in statuses:
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        bad = [status for status in statuses if status != "ok"]
        if bad:
            print(f"  (note: {len(bad)} run(s) not ok: {sorted(set(bad))})")
        return elapsed

    def close(self) -> None:
        self.leadership.release()
        for key in self.client.scan_iter(match=f"{self.keys.prefix}:*"):
            self.client.delete(key)
        self.store.close()


def workers_mode(
    farm: FarmServers, folder: Path, count: int, sites: list[int]
) -> tuple[float, int, int, float]:
    """Seconds, pages, articles stored and the workers' CPU seconds for ``count`` workers
    crawling ``sites`` afresh."""
    with database() as url:
        config = write_config(
            folder / f"w{count}", farm.ports, url, f"ewbench-{secrets.token_hex(3)}"
        )
        open_configured(load_config(config)).close()  # migrate before the workers start
        leader = Leader(config)
        workers = Workers(config, count, folder)
        try:
            leader.wait_workers(count)
            farm.stats(reset=True)
            cpu = workers.cpu_seconds()
            seconds = leader.crawl(sites)
            cpu = workers.cpu_seconds() - cpu
            hits = farm.stats()
            return (
                seconds,
                hits.get("list", 0) + hits.get("article", 0),
                stored_articles(leader.store),
                cpu,
            )
        finally:
            workers.stop()
            leader.close()


# -- the bench ----------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=100)
    parser.add_argument("--articles", type=int, default=10)
    parser.add_argument("--subprocess-sites", type=int, default=20)
    parser.add_argument("--round-articles", type=int, default=2, help="a column, all 1,000 sites")
    parser.add_argument("--skip-farm-round", action="store_true")
    parser.add_argument("--bare", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        bare_crawl(args.bare)
        return
    farm = start_farm(args.articles)
    folder = Path(tempfile.mkdtemp(prefix="eduwatch-scale-"))
    try:
        run_bench(farm, folder, args)
    finally:
        farm.stop()


def run_bench(farm: FarmServers, folder: Path, args: argparse.Namespace) -> None:
    sites = chosen_sites(args.sites)
    urls = page_urls(farm.ports, sites, args.articles)
    page_kb = farm_sizes(farm)
    print(f"farm: 1,000 sites x 2 columns (500 TRS, 500 Hanweb) on 127.0.0.1; pages: {page_kb}")
    each = f"{args.articles} articles a column"
    print(f"throughput set: {len(sites)} sites, {len(urls)} pages ({each})\n")
    rows: list[tuple[str, float, int, int | None, float | None]] = []

    farm.stats(reset=True)
    seconds = bare(urls)
    rows.append(("bare Scrapy download (no parse, no store)", seconds, len(urls), None, None))

    part = args.subprocess_sites // 2
    subset = [*range(part), *range(FAMILY_SITES, FAMILY_SITES + args.subprocess_sites - part)]
    with database() as url:
        config = write_config(folder / "sub", farm.ports, url, "unused")
        store = open_configured(load_config(config))
        farm.stats(reset=True)
        seconds = subprocess_model(config, subset)
        hits = farm.stats()
        rows.append(
            (f"subprocess per crawl, 2 at a time ({len(subset)} sites)", seconds,
             hits.get("list", 0) + hits.get("article", 0), stored_articles(store), None)
        )  # fmt: skip
        store.close()

    for count in (1, 2):
        seconds, pages, stored, cpu = workers_mode(farm, folder, count, sites)
        name = f"{count} worker{'s' if count > 1 else ''} (PostgreSQL)"
        rows.append((name, seconds, pages, stored, cpu))

    bare_rate = rows[0][2] / rows[0][1]
    print(
        f"{'mode':<48}{'seconds':>9}{'pages':>8}{'pages/s':>9}{'stored/s':>10}{'x bare':>8}"
        f"{'CPU ms/page':>13}"
    )
    for name, seconds, pages, stored, cpu in rows:
        rate = pages / seconds
        stored_rate = f"{stored / seconds:.1f}" if stored is not None else "-"
        per_page = f"{cpu / pages * 1000:.1f}" if cpu is not None else "-"
        figures = f"{seconds:>9.1f}{pages:>8}{rate:>9.1f}{stored_rate:>10}{rate / bare_rate:>8.2f}"
        print(f"{name:<48}{figures}{per_page:>13}")
    if not args.skip_farm_round:
        farm.stop()
        round_farm = start_farm(args.round_articles)
        try:
            farm_round(round_farm, folder)
        finally:
            round_farm.stop()


def farm_sizes(farm: FarmServers) -> str:
    sizes = []
    for family, site in (("trs", 0), ("hanweb", FAMILY_SITES)):
        with urllib.request.urlopen(column_url(farm.ports, site, 0)) as answer:
            listing = len(answer.read())
        article = page_urls(farm.ports, range(site, site + 1), 1)[1]
        with urllib.request.urlopen(article) as answer:
            body = len(answer.read())
        sizes.append(f"{family} list {listing / 1024:.0f} KB, article {body / 1024:.0f} KB")
    return "; ".join(sizes)


def farm_round(farm: FarmServers, folder: Path) -> None:
    everything = range(2 * FAMILY_SITES)
    with database() as url:
        config = write_config(folder / "round", farm.ports, url, f"ewbench-{secrets.token_hex(3)}")
        open_configured(load_config(config)).close()
        leader = Leader(config)
        workers = Workers(config, 2, folder)
        try:
            leader.wait_workers(2)
            farm.stats(reset=True)
            first = leader.crawl(everything)
            hits = farm.stats()
            pages = hits.get("list", 0) + hits.get("article", 0)
            stored = stored_articles(leader.store)
            print(
                f"\nfirst crawl of all 1,000 sites, 2 workers: {first:.1f} s, {pages} pages "
                f"({pages / first:.1f}/s), {stored} articles stored ({stored / first:.1f}/s)"
            )
            cpu_before = workers.cpu_seconds()
            farm.stats(reset=True)
            seconds = leader.crawl(everything)
            hits = farm.stats()
            cpu = workers.cpu_seconds() - cpu_before
            requests = sum(value for key, value in hits.items() if key != "bytes")
            print(
                f"no-change poll round over 1,000 sites (2,000 columns), 2 workers: "
                f"{seconds:.1f} s wall, {requests} requests "
                f"({hits.get('list', 0)} list pages 200, {hits.get('list_304', 0)} answered 304, "
                f"{hits.get('article', 0)} article pages), "
                f"{cpu / 1000 * 1000:.1f} ms worker CPU per site"
            )
            total_pages = pages + requests
            rss = ", ".join(f"{mb:.0f} MB" for mb in workers.rss_mb())
            print(f"worker memory (RSS) after {total_pages} pages between them: {rss}")
        finally:
            workers.stop()
            leader.close()


if __name__ == "__main__":
    main()
