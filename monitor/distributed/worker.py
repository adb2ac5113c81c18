"""`eduwatch worker`: one long-lived Scrapy process on scrapy-redis (monitor.distributed.spider).

Start as many as needed, on as many machines, each with the same configuration folder; each
takes column jobs and requests from the shared queue. SIGTERM (or Ctrl-C) drains: no new
request is taken, the pages in hand are finished and stored, what the worker had taken and not
finished goes back to the queue; a second SIGTERM stops at once. A SIGKILLed worker's taken
requests are put back by the others once its heartbeat expires (``redis.worker_ttl``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scrapy.crawler import AsyncCrawlerProcess
from scrapy.settings import Settings

from monitor.config import ServiceConfig
from monitor.distributed.browser import BROWSER, browser_worker_settings
from monitor.distributed.keys import Keys

PARTS = "monitor.distributed.scrapy_redis_parts"


def worker_settings(
    config: ServiceConfig,
    sites: Any,
    overrides: Mapping[str, str] | None = None,
    browser: bool = False,
) -> Settings:
    """The monitor's Scrapy settings with scrapy-redis's scheduler, queue and dupefilter (the
    traps of stack research: persist on, no blocking pop, no flush on start), the storing
    pipeline of runs, and each site's politeness as its own download slot; a ``browser``
    worker's take the browser queues and render with Chromium (BrowserMissing: none here)."""
    if not config.redis.url:
        raise ValueError("eduwatch worker needs redis.url (or $EDUWATCH_REDIS_URL)")
    keys = Keys(config.redis.prefix)
    settings = Settings()
    settings.setmodule("monitor.scrapy_settings", priority="project")
    settings.setdict(
        {
            "SCHEDULER": f"{PARTS}.RunScheduler",
            "SCHEDULER_QUEUE_CLASS": f"{PARTS}.LeasedQueue",
            "DUPEFILTER_CLASS": f"{PARTS}.RunDupeFilter",
            "SCHEDULER_QUEUE_KEY": keys.requests(BROWSER if browser else "http"),
            "SCHEDULER_PERSIST": True,
            "SCHEDULER_IDLE_BEFORE_CLOSE": 0,
            "SCHEDULER_FLUSH_ON_START": False,
            "MAX_IDLE_TIME_BEFORE_CLOSE": 0,
            "REDIS_URL": config.redis.url,
            "REDIS_PARAMS": {"socket_timeout": 5, "socket_connect_timeout": 5},
            "EDUWATCH_LEDGER": None,
            "ITEM_PIPELINES": {"monitor.distributed.pipeline.RunStorePipeline": 300},
            "CONCURRENT_REQUESTS": config.redis.concurrency,
            # the embedded render planner: a worker's browser work goes by its queue instead
            "DOWNLOADER_MIDDLEWARES": {
                **settings.getdict("DOWNLOADER_MIDDLEWARES"),
                "crawler.render.middleware.RenderMiddleware": None,
            },
            "DOWNLOAD_SLOTS": {
                site.id: {"delay": site.delay, "concurrency": site.concurrency} for site in sites
            },
        },
        priority="project",
    )
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    if browser:
        settings.setdict(browser_worker_settings(settings), priority="cmdline")
    return settings


def run_worker(
    config_dir: Path,
    config: ServiceConfig,
    sites: Any,
    worker_id: str = "",
    overrides: Mapping[str, str] | None = None,
    browser: bool = False,
) -> int:
    """Run the worker until SIGTERM/SIGINT; its exit code."""
    from monitor.distributed.spider import WorkerSpider

    process = AsyncCrawlerProcess(worker_settings(config, sites, overrides, browser))
    process.crawl(
        WorkerSpider,
        config=str(config_dir),
        worker=worker_id,
        service=config,
        sites=sites,
        browser=browser,
    )
    process.start()
    return 0
