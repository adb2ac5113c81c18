"""The first round after a start: how long the real scheduler takes to start every due site.

    .venv/bin/python bench/first_round.py [--scale 20] [--crawl 45] [--max-crawls 2 4]

The 32 shipped sites, none crawled yet, go through monitor.scheduler.ServiceScheduler (the
real APScheduler, the real crawl slots) with the default `stagger` (5 min); each "crawl" is a
`sleep` subprocess of about ``--crawl`` seconds (±50 %). Time runs ``--scale`` times faster:
the stagger and the crawls are divided by it, the figures multiplied back. Printed per
`max_crawls`: the spread of the starts (first to last) as measured, and as the service
estimates it in its start log line (monitor.scheduler.first_round). Figures, never pass/fail.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.sites import load_sites  # noqa: E402
from monitor.config import SchedulerSection  # noqa: E402
from monitor.scheduler import ServiceScheduler, first_round, first_runs  # noqa: E402


async def measure(max_crawls: int, crawl: float, scale: float) -> tuple[float, float]:
    """(measured spread, estimated spread), in real (unscaled) seconds."""
    sites = [site for site in load_sites(ROOT / "config").sites if site.enabled]
    rng = random.Random(3)
    durations = {site.id: crawl * rng.uniform(0.5, 1.5) / scale for site in sites}
    starts: dict[str, float] = {}
    done = asyncio.Event()

    async def run(site_id: str) -> str:
        starts.setdefault(site_id, time.monotonic())
        process = await asyncio.create_subprocess_exec("sleep", f"{durations[site_id]:.3f}")
        await process.wait()
        if len(starts) == len(sites):
            done.set()
        return "ok"

    defaults = SchedulerSection()
    settings = SchedulerSection(
        jitter=timedelta(0), stagger=defaults.stagger / scale, max_crawls=max_crawls
    )
    scheduler = ServiceScheduler(settings, run)
    scheduler.start()
    now = datetime.now(UTC)
    scheduler.schedule_sites(sites, {}, now)
    await asyncio.wait_for(done.wait(), 3600)
    await scheduler.stop(lambda: None, timeout=60)
    measured = (max(starts.values()) - min(starts.values())) * scale
    plan = first_runs(sites, {}, now, settings.stagger)
    spans = {site: timedelta(seconds=value) for site, value in durations.items()}
    estimated = first_round(plan, now, max_crawls, spans).total_seconds() * scale
    return measured, estimated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=20.0)
    parser.add_argument("--crawl", type=float, default=45.0, help="mean seconds a crawl takes")
    parser.add_argument("--max-crawls", type=int, nargs="+", default=[2, 4])
    args = parser.parse_args()
    print(f"32 sites due, stagger 5 min, crawls of {args.crawl:g} s ±50 %, time x{args.scale:g}")
    print(f"{'max_crawls':>10} {'measured spread':>16} {'estimated':>10}")
    for max_crawls in args.max_crawls:
        measured, estimated = asyncio.run(measure(max_crawls, args.crawl, args.scale))
        print(f"{max_crawls:>10} {measured / 60:>12.1f} min {estimated / 60:>6.1f} min")


if __name__ == "__main__":
    main()
