"""Deliveries under SIGKILL: how many alerts arrive twice when the service is killed mid-burst.

    .venv/bin/python bench/outbox_kill.py [--deliveries 2000] [--kills 3] [--delay 0.0]

A running `eduwatch run` (SQLite, default outbox settings) sends one webhook per new article to
a local receiver; the articles are stored as fast as the store takes them. The service is
SIGKILLed ``--kills`` times during the burst (each time a further share of the alerts has
arrived) and started again; at the end every alert must have arrived at least once. Printed:
the alerts, the requests received, the repeats (each with the key of its first arrival) and the
alerts missing. ``--delay`` makes the receiver take that long to answer. Figures, never pass/fail.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from alerts import COLUMN, baseline, config_folder, start_service, wait_running  # noqa: E402
from ingest import SITE, article  # noqa: E402

from monitor.ingest import NO_HOOKS, ingest_article  # noqa: E402
from monitor.store import open_store  # noqa: E402


class Keys:
    """A webhook receiver counting each Idempotency-Key it is sent."""

    def __init__(self, delay: float) -> None:
        self.keys: Counter[str] = Counter()
        self.lock = threading.Lock()
        keys = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if delay:
                    time.sleep(delay)
                with keys.lock:
                    keys.keys[self.headers.get("Idempotency-Key", "")] += 1
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def received(self) -> int:
        with self.lock:
            return sum(self.keys.values())


def burst(count: int, kills: int, delay: float) -> tuple[int, int, int, int]:
    """(alerts, requests, repeats, missing)."""
    rng = random.Random(11)
    receiver = Keys(delay)
    with tempfile.TemporaryDirectory(prefix="eduwatch-bench-") as name:
        folder = Path(name)
        config = config_folder(folder, receiver.url)
        service = start_service(config)
        wait_running(service)
        store = open_store(f"sqlite:///{folder / 'ew.sqlite'}")
        run_id = baseline(store, rng)
        for number in range(1, count + 1):
            item = article(number, rng)
            now = datetime.now(UTC)
            ingest_article(store, SITE, COLUMN, "notice", item, now, run_id, hooks=NO_HOOKS)
        for kill in range(1, kills + 1):
            while receiver.received < count * kill // (kills + 1):
                time.sleep(0.01)
            service.kill()
            service.wait(30)
            service = start_service(config)
            wait_running(service)
        deadline = time.monotonic() + 300
        while len(receiver.keys) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)
        service.terminate()
        service.wait(60)
        store.close()
    receiver.server.shutdown()
    with receiver.lock:
        requests = sum(receiver.keys.values())
        repeats = sum(n - 1 for n in receiver.keys.values())
        missing = count - len(receiver.keys)
    return count, requests, repeats, missing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    alerts, requests, repeats, missing = burst(args.deliveries, args.kills, args.delay)
    print(f"{'alerts':>8} {'kills':>6} {'requests':>9} {'repeats':>8} {'missing':>8}")
    print(f"{alerts:>8} {args.kills:>6} {requests:>9} {repeats:>8} {missing:>8}")


if __name__ == "__main__":
    main()
