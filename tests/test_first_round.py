"""The first round after a start: the sites due are spread over `stagger`, but at most
`max_crawls` run at a time, so when crawls are long the last one starts later than the stagger
says. The service logs when (from each site's last crawl time) instead of promising five
minutes; bench/first_round.py measures it with the real scheduler."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from monitor.config import SchedulerSection
from monitor.scheduler import CRAWL_ESTIMATE, ServiceScheduler, first_round
from tests.logcapture import captured
from tests.test_service import site_config

NOW = datetime(2024, 6, 18, 1, 0, tzinfo=UTC)


@pytest.fixture
def logged() -> Iterator[list[str]]:
    with captured("INFO") as lines:
        yield lines


async def noop(site_id: str) -> str:
    return "ok"


@pytest.mark.parametrize(
    ("max_crawls", "minutes"),
    [(2, 11), (4, 6), (16, 5)],  # two at a time: (32 - 2) / 2 x 45 s, plus the last slot
)
def test_the_start_says_how_long_the_first_round_takes(
    logged: list[str], max_crawls: int, minutes: int
) -> None:
    sites = [site_config(f"site{n:02d}", "*/30 7-22 * * *") for n in range(32)]
    durations = {site.id: timedelta(seconds=45) for site in sites}
    settings = SchedulerSection(jitter=timedelta(0), max_crawls=max_crawls)  # stagger 5 min
    scheduler = ServiceScheduler(settings, noop)
    scheduler.schedule_sites(sites, {}, NOW, durations)
    [line] = [line for line in logged if line.startswith("first round")]
    assert line == (
        f"first round: 32 site(s) due, started over about {minutes} min "
        f"(spread over 5 min, at most {max_crawls} crawl(s) at a time)"
    )


def test_sites_never_crawled_take_the_others_median_or_the_estimate() -> None:
    plan = {"a": NOW, "b": NOW, "c": NOW}
    one = timedelta(minutes=1)
    assert first_round(plan, NOW, 1, {"a": one, "b": one}) == 2 * one  # c starts after a, b
    assert first_round(plan, NOW, 1, {}) == 2 * CRAWL_ESTIMATE
    assert first_round(plan, NOW, 3, {}) == timedelta(0)
