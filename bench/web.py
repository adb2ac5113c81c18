"""The changes page and its API at 100,000 articles and 10,000 events (goal: API p95 < 100 ms).

    .venv/bin/python bench/web.py [--articles 100000] [--events 10000] [--requests 200]
                                  [--postgres ADMIN_URL | --no-postgres]

Figures, never pass/fail. The store is filled directly with executemany (32 sites, articles
with a current version of about 1,500 characters, events over a year: 80 % new, 15 % revised,
5 % withdrawn, each with a small diff payload), then served by uvicorn on a loopback port and
asked over HTTP (one keep-alive connection), each query `--requests` times: p50 and p95 of the
whole answer, in milliseconds, for the HTML page and the JSON API, and of the store's query alone
(`list_changes` in process); /healthz (one `SELECT 1`)
gives the floor of the server itself, and the load average says how busy the machine was.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.predecessor import AUTHORITIES, DEFAULT_ADMIN, postgres_store, sqlite_store
from crawler.sites import SiteConfig
from monitor.store import Store
from monitor.store.models import ArticleVersion, CrawlRun, Event, Site, StoredArticle
from monitor.store.timeline import ChangeFilter, list_changes
from monitor.web.address import Listen
from monitor.web.context import WebContext
from monitor.web.server import EmbeddedServer, bind, uvicorn_config

END = datetime(2025, 6, 30, tzinfo=UTC)
CATEGORIES = ("news", "notice", "policy")
BODY = "为深入贯彻落实教育强国建设规划纲要，进一步规范普通高校招生工作，现将有关事项通知如下。" * 16
QUERIES = [
    ("all", {}),
    ("site", {"site": "bench-3"}),
    ("authority", {"authority": "山西"}),
    ("kind=revised", {"kind": "revised"}),
    ("category", {"category": "policy"}),
    ("keyword", {"q": "招生"}),
    ("keyword, rare", {"q": "第12345号"}),
    ("one month", {"since": "2025-03-01", "until": "2025-03-31"}),
    ("page 50", {"page": "50"}),
]


def load(store: Store, articles: int, events: int) -> float:
    """Fill the store; returns the seconds taken."""
    started = time.perf_counter()
    rng = random.Random(14)
    sites = [f"bench-{n}" for n in range(len(AUTHORITIES))]
    with store.engine.begin() as connection:
        connection.execute(
            insert(Site),
            [
                {"id": site, "name": f"{name}教育厅", "authority": name,
                 "consecutive_failures": 0, "created_at": END}
                for site, name in zip(sites, AUTHORITIES, strict=True)
            ],
        )  # fmt: skip
        connection.execute(insert(CrawlRun), list(_runs(sites)))
        for chunk in _chunks(range(1, articles + 1), 10_000):
            rows = [_article(n, rng.choice(sites), rng) for n in chunk]
            connection.execute(insert(StoredArticle), rows)
            connection.execute(insert(ArticleVersion), [_version(n) for n in chunk])
        connection.execute(text("UPDATE articles SET current_version_id = id"))
        picked = rng.sample(range(1, articles + 1), events)
        site_of = dict(connection.execute(text("SELECT id, site_id FROM articles")).all())
        rows = [_event(n, article, site_of[article], rng) for n, article in enumerate(picked)]
        for chunk in _chunks(rows, 5_000):
            connection.execute(insert(Event), list(chunk))
    if store.dialect == "postgresql":
        with store.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
    return time.perf_counter() - started


def _chunks(items: Any, size: int) -> Iterator[Any]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _runs(sites: list[str]) -> Iterator[dict[str, Any]]:
    for site in sites:
        for day in range(30):
            started = END - timedelta(days=day, hours=1)
            yield {
                "site_id": site, "started_at": started,
                "finished_at": started + timedelta(minutes=2),
                "status": "ok" if day % 7 else "failed", "stats": {"pages": 3, "failures": {}},
                "error": None if day % 7 else "connection: refused", "normalizer_version": "bench",
                "baseline": False,
            }  # fmt: skip


def _article(n: int, site: str, rng: random.Random) -> dict[str, Any]:
    url = f"http://bench.example.gov.cn/{site}/{n}.shtml"
    seen = END - timedelta(seconds=rng.randrange(365 * 86400))
    return {
        "id": n, "site_id": site, "url": url, "url_key": hashlib.sha256(url.encode()).hexdigest(),
        "column_name": "通知公告", "category": CATEGORIES[n % 3], "first_seen": seen,
        "last_seen": seen, "last_checked": seen, "appeared_at": seen, "gone_count": 0,
        "status": "active",
    }  # fmt: skip


def _version(n: int) -> dict[str, Any]:
    title = f"关于做好2025年普通高校招生工作的通知（第{n}号）"
    return {
        "id": n, "article_id": n, "title": title, "published_at": "2025-03-01",
        "source": "教育厅", "document_number": f"教办〔2025〕{n}号", "lead": None,
        "text": f"摘要\n\n{BODY[:200]}...\n\n  {BODY}\n", "paragraphs": [BODY],
        "attachments": [], "images": [], "method": "bench", "fingerprint": "0" * 64,
        "normalizer_version": "bench", "fetched_at": END,
    }  # fmt: skip


def _event(n: int, article: int, site: str, rng: random.Random) -> dict[str, Any]:
    kind = rng.choices(("new", "revised", "withdrawn"), (80, 15, 5))[0]
    counts = {"added": 1, "removed": 0, "changed": 2, "unchanged": 30}
    return {
        "kind": kind, "site_id": site, "article_id": article, "version_id": article,
        "old_version_id": article if kind == "revised" else None,
        "created_at": END - timedelta(seconds=rng.randrange(365 * 86400)),
        "payload": {"diff": {"counts": counts, "ops": []}} if kind == "revised" else {},
        "dedupe_key": f"bench:{n}",
    }  # fmt: skip


def _site_configs() -> list[SiteConfig]:
    return [
        SiteConfig.model_validate(
            {"id": f"bench-{n}", "name": f"{name}教育厅", "authority": name, "adapter": "css",
             "list": {"item": "li"},
             "columns": [{"name": "通知公告", "url": "http://127.0.0.1:9/", "category": "notice"}]}
        )
        for n, name in enumerate(AUTHORITIES)
    ]  # fmt: skip


class Served:
    def __init__(self, store: Store) -> None:
        sites = _site_configs()
        self.sock = bind(Listen("127.0.0.1", 0))
        port = self.sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        context = WebContext(store, lambda: sites)
        self.server = EmbeddedServer(uvicorn_config(context, Listen("127.0.0.1", port)))
        self.thread = threading.Thread(
            target=lambda: asyncio.run(self.server.serve(sockets=[self.sock])), daemon=True
        )
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


def measure(base: str, path: str, params: dict[str, str], requests: int) -> tuple[float, float]:
    times = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for attempt in range(requests + 5):
            started = time.perf_counter()
            response = client.get(path, params=params)
            elapsed = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            if attempt >= 5:  # warm-up
                times.append(elapsed)
    quantiles = statistics.quantiles(times, n=100)
    return statistics.median(times), quantiles[94]


def measure_sql(store: Store, params: dict[str, str], requests: int) -> tuple[float, float]:
    """The store's part alone: `list_changes` in this process, one transaction each."""
    filters = ChangeFilter(
        site=params.get("site"), authority=params.get("authority"),
        category=params.get("category"), kind=params.get("kind"), keyword=params.get("q"),
        since=date.fromisoformat(params["since"]) if "since" in params else None,
        until=date.fromisoformat(params["until"]) if "until" in params else None,
    )  # fmt: skip
    page = int(params.get("page", "1"))
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        with store.transaction() as session:
            list_changes(session, filters, page, 50)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), statistics.quantiles(times, n=100)[94]


def figures(label: str, store: Store, articles: int, events: int, requests: int) -> None:
    seconds = load(store, articles, events)
    print(f"\n{label}: {articles:,} articles, {events:,} events loaded in {seconds:.1f} s")
    served = Served(store)
    try:
        print(
            f"  {'query':<16}{'API p50':>9}{'API p95':>9}{'page p50':>10}{'page p95':>10}"
            f"{'SQL p50':>9}{'SQL p95':>9}  rows"
        )
        for name, params in QUERIES:
            api = measure(served.base, "/api/changes", params, requests)
            page = measure(served.base, "/changes", params, requests)
            sql = measure_sql(store, params, requests)
            total = httpx.get(served.base + "/api/changes", params=params).json()["total"]
            print(
                f"  {name:<16}{api[0]:>9.1f}{api[1]:>9.1f}{page[0]:>10.1f}{page[1]:>10.1f}"
                f"{sql[0]:>9.1f}{sql[1]:>9.1f}  {total:,}"
            )
        sites = measure(served.base, "/api/sites", {}, max(20, requests // 5))
        print(f"  {'sites (API)':<16}{sites[0]:>9.1f}{sites[1]:>9.1f}")
        bare = measure(served.base, "/healthz", {}, requests)
        print(f"  {'/healthz':<16}{bare[0]:>9.1f}{bare[1]:>9.1f}  (the server's own floor)")
        print(f"  load average while measured: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    finally:
        served.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--postgres", default=DEFAULT_ADMIN, help="admin URL of the server")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print("milliseconds per answer over HTTP (uvicorn on loopback, one keep-alive connection)")
    with sqlite_store() as store:
        figures("SQLite (WAL)", store, args.articles, args.events, args.requests)
    if not args.no_postgres:
        with postgres_store(args.postgres) as store:
            figures("PostgreSQL", store, args.articles, args.events, args.requests)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
