"""scrapy-playwright's download handler, bounded for a service that runs for months.

- Made by crawler.render.lazy at the first request that needs the browser; Playwright (its
  node driver) starts then, not with the engine.
- Each render has ``EDUWATCH_RENDER_TIMEOUT`` seconds once it has a page (waiting for one of
  the context's ``PLAYWRIGHT_MAX_PAGES_PER_CONTEXT`` pages is not counted): a render that hangs
  fails that page (``RenderTimeout``, a ``timeout`` failure), its page is closed, the crawl
  goes on.
- After ``EDUWATCH_BROWSER_RESTART_PAGES`` pages the browser and the Playwright driver are
  restarted once the pages open have closed (the driver grows about 0.1 MB a page). A browser
  that dies is launched again at the next render (``PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from crawler.render.chromium import render_timeout

logger = logging.getLogger(__name__)
DRAIN_POLL = 0.05


class RenderTimeout(Exception):
    """A render that took longer than ``EDUWATCH_RENDER_TIMEOUT`` (not an OSError: Scrapy
    retries those, and a page that hung once is not rendered three more times)."""


class BrowserDownloadHandler(ScrapyPlaywrightDownloadHandler):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.render_timeout = render_timeout(settings)
        self.restart_after = settings.getint("EDUWATCH_BROWSER_RESTART_PAGES", 500)
        self.pages_since_launch = 0
        self.launched = False
        self.launch_lock = asyncio.Lock()
        self.restart_lock = asyncio.Lock()
        self.rendering: set[int] = set()  # id() of the requests past the restart gate

    # -- lazy start --------------------------------------------------------------------------
    async def _maybe_launch_in_thread(self) -> None:
        """At engine start: nothing (Playwright starts with the first render)."""

    def _engine_started(self) -> None:
        """Older Scrapy's hook: nothing either."""

    async def _ensure_launched(self) -> None:
        async with self.launch_lock:
            if not self.launched:
                await self._launch()
                self.launched = True

    async def _close(self) -> None:
        if self.launched:
            await super()._close()

    # -- bounded renders ---------------------------------------------------------------------
    async def _download_request(self, request: Request, spider: Spider | None = None) -> Response:
        await self._ensure_launched()
        try:
            return await super()._download_request(request, spider)
        finally:
            self.rendering.discard(id(request))

    async def _download_request_with_page(
        self, request: Request, page: Page, spider: Spider
    ) -> Response:
        """The render proper (a page slot is held), within the timeout; scrapy-playwright
        closes the page of a render that failed."""
        try:
            async with asyncio.timeout(self.render_timeout):
                return await super()._download_request_with_page(request, page, spider)
        except TimeoutError as error:
            if self.stats is not None:
                self.stats.inc_value("eduwatch/browser/timeouts")
            raise RenderTimeout(
                f"render of {request.url} took longer than {self.render_timeout:g} s"
            ) from error

    async def _create_page(self, request: Request, spider: Spider) -> Page:
        async with self.restart_lock:  # no page is made while the browser restarts
            self.rendering.discard(id(request))  # a retried page does not wait for itself
            if 0 < self.restart_after <= self.pages_since_launch:
                while self.rendering:  # the renders under way finish first
                    await asyncio.sleep(DRAIN_POLL)
                await self._restart()
                self.pages_since_launch = 0
            self.pages_since_launch += 1
            self.rendering.add(id(request))
        page: Page = await super()._create_page(request, spider)
        return page

    async def _restart(self) -> None:
        """Close the contexts, the browser and the Playwright driver; start the driver again
        (the browser is launched by the next page)."""
        logger.info("restarting the browser after %d pages", self.pages_since_launch)
        browser = getattr(self, "browser", None)
        if browser is not None:
            browser.remove_listener("disconnected", self._browser_disconnected_callback)
        with contextlib.suppress(PlaywrightError):
            await asyncio.gather(*[ctx.context.close() for ctx in self.context_wrappers.values()])
        self.context_wrappers.clear()
        if browser is not None:
            with contextlib.suppress(PlaywrightError):
                await browser.close()
            del self.browser
        old: Any = getattr(self, "browser_provider", None)
        if old is not None:
            await old.close()
        provider: Any = self.browser_provider_cls(self.config)
        await provider.start()
        self.browser_provider = provider
        if self.stats is not None:
            self.stats.inc_value("eduwatch/browser/restarts")
