"""Alert figures on the embedded default (SQLite, no Redis), all on loopback:

    .venv/bin/python bench/alerts.py [--latency 40] [--deliveries 300]

1. latency from an article's ingest (its transaction committed) to its webhook's arrival at a
   local receiver, through a running `eduwatch run` with the default outbox settings (p50, p95);
2. deliveries per second from the outbox (default workers) to a local receiver;
3. the service's resident memory when idle with the 32 shipped sites scheduled. Every site has
   a run recorded just before, so none is due; as a safety net the service's HTTP(S) proxy is a
   closed local port: nothing can reach a real site.

Figures, never pass/fail.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ingest import SITE, article  # noqa: E402  (bench/ingest.py)

from crawler.sites import load_sites  # noqa: E402
from monitor.alerts.routing import RoutingTable  # noqa: E402
from monitor.alerts.subscribers import read_subscribers  # noqa: E402
from monitor.config import OperatorSection, OutboxSection  # noqa: E402
from monitor.ingest import (  # noqa: E402
    SiteRef,
    finish_run,
    ingest_article,
    record_listing,
    start_run,
)
from monitor.logs import setup_logging  # noqa: E402
from monitor.outbox import ChannelBook, Outbox  # noqa: E402
from monitor.store import Store, open_store  # noqa: E402
from monitor.store.deliveries import publish_routes  # noqa: E402
from monitor.store.types import utcnow  # noqa: E402

PYTHON = ROOT / ".venv" / "bin" / "python"
COLUMN = "通知公告"


class Arrivals:
    """A webhook receiver recording when each article's alert arrived (by its URL)."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self.count = 0
        self.lock = threading.Lock()
        arrivals = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                now = time.time()
                payload = json.loads(body)
                url = (payload.get("article") or {}).get("url")
                with arrivals.lock:
                    arrivals.count += 1
                    if url:
                        arrivals.times.setdefault(url, now)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def config_folder(folder: Path, hook: str, sites: bool = False) -> Path:
    config = folder / "config"
    (config / "sites").mkdir(parents=True)
    (config / "eduwatch.yaml").write_text(
        f"database:\n  url: sqlite:///{folder / 'ew.sqlite'}\n", "utf-8"
    )
    (config / "subscribers.yaml").write_text(
        "subscribers:\n  - name: 基准\n    channels:\n      - kind: webhook\n"
        f"        options: {{url: '{hook}'}}\n",
        "utf-8",
    )
    if sites:
        for path in (ROOT / "config" / "sites").glob("*.yaml"):
            shutil.copy(path, config / "sites" / path.name)
    return config


def start_service(config: Path) -> subprocess.Popen[bytes]:
    closed = "http://127.0.0.1:9"  # no real site can be reached through this
    env = {**os.environ, "http_proxy": closed, "https_proxy": closed, "no_proxy": ""}
    env.pop("EDUWATCH_DATABASE_URL", None)
    return subprocess.Popen(
        [str(PYTHON), "-m", "monitor", "run", "--config", str(config), "--log-json"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_running(process: subprocess.Popen[bytes]) -> None:
    """Read the service's log (always, so it never blocks on a full pipe) until it runs."""
    running = threading.Event()

    def read() -> None:
        assert process.stderr is not None
        for raw in process.stderr:
            if "eduwatch running" in raw.decode("utf-8", "replace"):
                running.set()

    threading.Thread(target=read, daemon=True).start()
    if not running.wait(60):
        raise SystemExit("the service did not start")


def baseline(store: Store, rng: random.Random) -> int:
    """The site's silent first crawl; returns a second run, whose new articles raise alerts."""
    now = datetime.now(UTC)
    first = start_run(store, SITE, now=now)
    item = article(0, rng)
    ingest_article(store, SITE, COLUMN, "notice", item, now, first)
    record_listing(store, first, COLUMN, [item.url])
    finish_run(store, first, "ok", now=now)
    return start_run(store, SITE, now=now)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(60)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def bench_latency(count: int) -> None:
    rng = random.Random(5)
    receiver = Arrivals()
    with tempfile.TemporaryDirectory(prefix="eduwatch-bench-") as name:
        folder = Path(name)
        config = config_folder(folder, receiver.url)
        service = start_service(config)
        wait_running(service)
        store = open_store(f"sqlite:///{folder / 'ew.sqlite'}")
        run_id = baseline(store, rng)
        committed: dict[str, float] = {}
        for number in range(1, count + 1):
            item = article(number, rng)
            ingest_article(store, SITE, COLUMN, "notice", item, datetime.now(UTC), run_id)
            committed[item.url] = time.time()
            time.sleep(rng.uniform(0.1, 0.4))  # articles come one by one, as a crawl finds them
        deadline = time.monotonic() + 30
        while len(receiver.times) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        stop(service)
        store.close()
    receiver.close()
    latencies = [receiver.times[url] - at for url, at in committed.items() if url in receiver.times]
    print(f"ingest -> webhook latency, {len(latencies)}/{count} alerts (service, poll 0.5 s):")
    print(
        f"  p50 {statistics.median(latencies) * 1000:.0f} ms, "
        f"p95 {percentile(latencies, 95) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
    )


def bench_throughput(count: int) -> None:
    rng = random.Random(7)
    receiver = Arrivals()
    with tempfile.TemporaryDirectory(prefix="eduwatch-bench-") as name:
        folder = Path(name)
        config = config_folder(folder, receiver.url)
        subscribers, _ = read_subscribers(config / "subscribers.yaml", os.environ)
        assert subscribers is not None
        store = open_store(f"sqlite:///{folder / 'ew.sqlite'}")
        with store.transaction() as session:
            publish_routes(session, RoutingTable.build(subscribers, ()), utcnow())
        now = datetime.now(UTC)
        run_id = baseline(store, rng)
        for number in range(1, count + 1):
            ingest_article(store, SITE, COLUMN, "notice", article(number, rng), now, run_id)
        settings = OutboxSection()
        outbox = Outbox(store, ChannelBook(subscribers, OperatorSection()), settings)

        async def send_all() -> float:
            stop_event = asyncio.Event()
            started = time.perf_counter()
            task = asyncio.create_task(outbox.run(stop_event))
            while receiver.count < count:
                await asyncio.sleep(0.005)
            elapsed = time.perf_counter() - started
            stop_event.set()
            await task
            return elapsed

        elapsed = asyncio.run(send_all())
        store.close()
    receiver.close()
    print(
        f"outbox throughput: {count} deliveries in {elapsed:.2f} s = {count / elapsed:.0f}/s "
        f"({settings.workers} workers, SQLite, each claimed, rendered, posted, recorded)"
    )


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def bench_idle_memory(settle: float) -> None:
    receiver = Arrivals()
    with tempfile.TemporaryDirectory(prefix="eduwatch-bench-") as name:
        folder = Path(name)
        config = config_folder(folder, receiver.url, sites=True)
        sites = load_sites(config)
        store = open_store(f"sqlite:///{folder / 'ew.sqlite'}")
        now = datetime.now(UTC)
        for site in sites.sites:  # each has just run: none is due while we measure
            ref = SiteRef(id=site.id, name=site.name, authority=site.authority)
            run_id = start_run(store, ref, now=now)
            finish_run(store, run_id, "failed", error="bench: not crawled", now=now)
        store.close()
        soon = [s.id for s in sites.sites if _due_within(s, now, timedelta(seconds=settle + 30))]
        if soon:
            print(f"  (due during the measurement, through a closed proxy: {', '.join(soon)})")
        service = start_service(config)
        wait_running(service)
        time.sleep(settle)
        samples = []
        for _ in range(5):
            samples.append(rss_kb(service.pid))
            time.sleep(0.5)
        stop(service)
    receiver.close()
    print(
        f"service RSS idle, {len(sites.sites)} shipped sites scheduled: "
        f"{max(samples) / 1024:.0f} MB (max of 5 samples after {settle:g} s)"
    )


def _due_within(site: Any, now: datetime, window: timedelta) -> bool:
    from monitor.scheduler import next_due

    due = next_due(site.schedule, now)
    return due is not None and due <= now + window


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency", type=int, default=40, help="alerts timed (default 40)")
    parser.add_argument("--deliveries", type=int, default=300, help="deliveries sent (300)")
    parser.add_argument("--settle", type=float, default=5.0, help="idle seconds before RSS")
    args = parser.parse_args()
    setup_logging(level="WARNING")
    bench_latency(args.latency)
    bench_throughput(args.deliveries)
    bench_idle_memory(args.settle)


if __name__ == "__main__":
    main()
