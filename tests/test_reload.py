"""SIGHUP applies every setting it reports: a new `crawl_timeout` kills the next crawl at the new
limit; a setting only a restart applies (`max_crawls`, `workers`, the database) is named as such.
`eduwatch run` as a real subprocess, a site that never answers."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from monitor.store.models import CrawlRun
from tests.test_service import (
    QUIET_SITE,
    HangingServer,
    Service,
    poll,
    services,
    store_of,
    write_config,
)

__all__ = ["services"]


def test_sighup_applies_the_crawl_timeout_and_names_what_needs_a_restart(
    tmp_path: Path, services: Callable[[Path], Service]
) -> None:
    hanging = HangingServer()
    site = (
        QUIET_SITE.replace("enabled: false", "schedule: 1h\nobey_robots: false")
        .replace("http://127.0.0.1:9/list/", f"http://127.0.0.1:{hanging.port}/list/")
        .replace("id: quiet", "id: hang")
    )
    config = write_config(tmp_path, timeout="1h")  # the hanging site is not there yet
    service = services(config)
    store = store_of(tmp_path)
    try:
        service.wait_for_log("eduwatch running")
        (config / "sites" / "hang.yaml").write_text(site, "utf-8")
        settings = config / "eduwatch.yaml"
        text = settings.read_text("utf-8").replace("crawl_timeout: 1h", "crawl_timeout: 3s")
        settings.write_text(text.replace("max_crawls: 2", "max_crawls: 3"), "utf-8")
        mark = len(service.lines)
        service.signal(signal.SIGHUP)
        reloaded = service.wait_for_log("configuration reloaded", after=mark)["message"]
        assert "settings applied: scheduler.crawl_timeout" in reloaded
        restart = service.wait_for_log("applied at the next start", after=mark)
        assert restart["message"].startswith("scheduler.max_crawls changed")

        # with the old 1 h it would hang on; the run (if the crawl got to open it) is failed
        failed = service.wait_for_log("crawl of hang: failed", timeout=60, after=mark)
        assert "timed out after 3 s" in failed["message"]

        def statuses() -> set[str]:
            with store.transaction() as session:
                return set(session.scalars(select(CrawlRun.status)))

        poll(lambda: statuses() <= {"failed"}, timeout=30)
        service.signal(signal.SIGTERM)
        assert service.wait() == 0
    finally:
        hanging.close()
        store.close()
