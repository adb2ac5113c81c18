"""The downloader middleware that puts the render decisions of crawler.render.planner into
effect: before a download it routes the request (browser, or plain HTTP with earned cookies);
after it, a challenge answer goes on to the browser and a rendered challenge page that shows
real content gets its real status. Between decompression (590) and ChallengeMiddleware (585)."""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.render.planner import RenderPlanner


class RenderMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RenderMiddleware:
        return cls(crawler)

    def _planner(self) -> RenderPlanner | None:
        planner = getattr(self.crawler.spider, "render", None)
        return planner if isinstance(planner, RenderPlanner) else None

    def process_request(self, request: Request) -> None:
        planner = self._planner()
        if planner is not None:
            planner.route(request)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        planner = self._planner()
        if planner is None:
            return response
        return planner.answered(request, response)
