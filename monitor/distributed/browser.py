"""Browser work in distributed mode (``render: browser | auto``).

Work is queued per render mode (``jobs:http``/``requests:http``, ``jobs:browser``/
``requests:browser``). The leader queues the columns set to ``render: browser`` as browser
jobs; their requests stay browser work. A plain worker that meets a challenge on a column set to
``render: auto`` sends that request on to the browser queue (``escalate``), and what its page
yields is browser work too. Browser work is taken only by workers started with ``--browser``
(``eduwatch worker --browser``, with Chromium on their machine or a CDP URL); their
``BrowserWorkMiddleware`` renders each request with scrapy-playwright, in the site's own browser
context. Whether a machine has a browser matters only to a ``--browser`` worker
(``browser_worker_settings``): the site configuration is valid anywhere, and a plain worker or
the leader never renders.

Unlike the embedded mode, nothing is remembered between runs: each run of an ``auto`` column
starts over plain HTTP, and the cookies a browser earned are not reused over plain HTTP.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.settings import Settings

from crawler.middlewares import VALIDATORS, ChallengeDetected
from crawler.render.chromium import browser_missing, playwright_settings, render_timeout
from crawler.render.planner import rendered_response, to_browser
from crawler.sites import SiteConfig

MODE = "eduwatch_browser"  # request meta: why it is browser work ("configured", "challenge")
BROWSER = "browser"


def mode_of(request: Request) -> str:
    """The queue of the request: ``browser`` or ``http``."""
    return BROWSER if request.meta.get(MODE) else "http"


def escalation(request: Request, failure: Any, render: str) -> Request | None:
    """The browser's copy of a plain request that met a challenge on an ``auto`` column (None:
    not one to escalate)."""
    if render != "auto" or mode_of(request) == BROWSER or request.method.upper() != "GET":
        return None
    if not failure.check(ChallengeDetected):
        return None
    copy = request.replace(dont_filter=True)
    copy.meta[MODE] = "challenge"
    copy.meta.pop(VALIDATORS, None)
    return copy


class BrowserMissing(RuntimeError):
    """``eduwatch worker --browser`` on a machine without Chromium (or a CDP URL)."""


def browser_worker_settings(settings: Settings) -> dict[str, Any]:
    """The settings a ``--browser`` worker adds; BrowserMissing without a browser (neither
    Chromium here nor ``EDUWATCH_BROWSER_CDP_URL``)."""
    missing = browser_missing(settings)
    if missing is not None:
        raise BrowserMissing(f"eduwatch worker --browser: {missing}")
    middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    middlewares["monitor.distributed.browser.BrowserWorkMiddleware"] = 587
    return {**playwright_settings(settings), "DOWNLOADER_MIDDLEWARES": middlewares}


class BrowserWorkMiddleware:
    """A browser worker's downloader middleware: browser work goes through the browser, and
    a challenge the browser passed gets the real page's status (ChallengeMiddleware, next,
    fails one it did not pass)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.timeout = render_timeout(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserWorkMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if mode_of(request) != BROWSER or request.meta.get("playwright"):
            return
        sites: dict[str, SiteConfig] = getattr(self.crawler.spider, "sites", {})
        site = sites.get(str(request.meta.get("site")))
        if site is not None:
            to_browser(request, site, str(request.meta[MODE]), self.timeout)

    def process_response(self, request: Request, response: Response) -> Response:
        if not request.meta.get("playwright"):
            return response
        return rendered_response(request, response)
