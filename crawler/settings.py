"""Scrapy settings of the crawler: polite defaults, in one place. A site's YAML may override its own
politeness. A crawl that stores uses monitor.scrapy_settings, which extends these."""

from __future__ import annotations

import typing
from typing import Any

if typing.TYPE_CHECKING:  # (no upper-case import names: Scrapy reads them as settings)
    from crawler.sites import SiteConfig

BOT_NAME = "eduwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "eduwatch/0.1 (+https://github.com/eduwatch/eduwatch#readme; education-news monitor)"

ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Scrapy starts this many tasks for each callback's output; ours yield a handful (an article,
# a list's requests), and the default 100 cost more than parsing a small page.
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # each delay is 0.5-1.5 times DOWNLOAD_DELAY
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

COOKIES_ENABLED = True
# scrapy-playwright needs the asyncio reactor (Scrapy's default since 2.13; set it anyway)
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no listening port in a crawl process
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# Retries wait before they go out: EDUWATCH_RETRY_BACKOFF seconds, doubled for each further retry,
# never longer than EDUWATCH_RETRY_BACKOFF_MAX (crawler.middlewares.BackoffRetryMiddleware).
EDUWATCH_RETRY_BACKOFF = 2.0
EDUWATCH_RETRY_BACKOFF_MAX = 60.0

# The browser (crawler.render): whether this process may use one; Chromium's path (default
# $EDUWATCH_CHROMIUM, else /usr/bin/chromium), or the CDP URL of a running Chromium to use
# instead (http://127.0.0.1:9222); seconds per render; pages per context and contexts at once;
# pages after which browser and driver restart; seconds after which a remembered need of the
# browser is tried again over plain HTTP.
EDUWATCH_BROWSER = True
EDUWATCH_CHROMIUM = None
EDUWATCH_BROWSER_CDP_URL = None
EDUWATCH_RENDER_TIMEOUT = 30.0
EDUWATCH_BROWSER_MAX_PAGES = 4
EDUWATCH_BROWSER_MAX_CONTEXTS = 4
EDUWATCH_BROWSER_RESTART_PAGES = 500
EDUWATCH_RENDER_REPROBE = 86400.0

DOWNLOADER_MIDDLEWARES = {
    # first of all (before robots.txt is fetched for a host): requests stay on the site's hosts
    "crawler.offsite.SiteScopeMiddleware": 50,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.ConditionalGetMiddleware": 560,
    # after decompression (590), before anything reads the page: a challenge is never content
    "crawler.middlewares.ChallengeMiddleware": 585,
    # before it: a challenge answer goes on to the browser when the site allows (render: auto)
    "crawler.render.middleware.RenderMiddleware": 587,
}
# The crawler's own pipelines; a crawl that stores runs with monitor.scrapy_settings, which adds
# the storing pipeline and names the ledger (EDUWATCH_LEDGER, crawler.ledger).
ITEM_PIPELINES = {
    "crawler.pipelines.JsonLinesPipeline": 800,
}


def site_settings(site: SiteConfig) -> dict[str, Any]:
    """The Scrapy settings a site's YAML overrides (`delay`, `concurrency`, `obey_robots`); the
    spider applies them at "spider" priority, so `scrapy crawl -s NAME=VALUE` still wins.
    `headers` and `encoding` travel with each request instead (crawler.spiders.listing)."""
    return {
        "DOWNLOAD_DELAY": site.delay,
        "AUTOTHROTTLE_START_DELAY": max(site.delay, 0.1),
        "CONCURRENT_REQUESTS_PER_DOMAIN": site.concurrency,
        "ROBOTSTXT_OBEY": site.obey_robots,
    }
