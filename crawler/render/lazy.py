"""The download handler of a crawl that may render: Scrapy's HTTP/1.1 handler for plain
requests, and the browser's (crawler.render.handler) made, with Playwright imported, only at the
first request that needs it, so a crawl that never renders pays nothing for the browser."""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.http import Response


class RenderingDownloadHandler(HTTP11DownloadHandler):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.browser: Any = None

    async def download_request(self, request: Request) -> Response:
        if request.meta.get("playwright"):
            response: Response = await self._browser_handler().download_request(request)
            return response
        return await super().download_request(request)

    def _browser_handler(self) -> Any:
        if self.browser is None:
            from crawler.render.handler import BrowserDownloadHandler

            self.browser = BrowserDownloadHandler(self._crawler)
        return self.browser

    async def close(self) -> None:
        if self.browser is not None:
            await self.browser.close()
        await super().close()
