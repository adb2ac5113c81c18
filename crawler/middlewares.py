"""Downloader middlewares: anti-bot challenge detection, conditional GET on list and article
pages, retries with backoff; and the machine-readable reason of a failed request.

Only requests the listing spider made (``meta[ROLE]`` set: ``list``, ``article``, ``probe``) are
checked for challenges; robots.txt and other housekeeping requests pass untouched.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as net_error
from twisted.python.failure import Failure

from crawler.normalize.challenge import is_challenge

ROLE = "eduwatch_role"
"""Request meta: what the spider asked for (``list``, ``article``, ``probe``)."""
VALIDATORS = "eduwatch_validators"
"""Request meta of a list or article page: the validators of our copy (``etag``,
``last_modified``); present but empty: none to send, but keep the answer's."""
VALIDATORS_SEEN = "eduwatch_validators_seen"
"""Set on a page's meta by a 200 answer: the validators the server gave."""

_TIMEOUTS = (net_error.TimeoutError, net_error.TCPTimedOutError)
_CONNECTION = (
    net_error.ConnectionRefusedError,
    net_error.ConnectionLost,
    net_error.ConnectionDone,
    net_error.DNSLookupError,
    net_error.ConnectError,
)
_REASON_WORD = re.compile(r"[^a-z0-9]+")


class ChallengeDetected(IgnoreRequest):
    """An anti-bot challenge page (瑞数 `$_ts`/`$_ss`, HTTP 412) answered instead of content."""

    def __init__(self, response: Response) -> None:
        self.response = response
        super().__init__(f"anti-bot challenge (HTTP {response.status}) at {response.url}")


class ChallengeMiddleware:
    """Turn a challenge answer into ``ChallengeDetected``: the request's errback sees it, its
    callback never does (with ``render: auto`` crawler.render.middleware, before it, has sent the
    request to the browser instead)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ChallengeMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if ROLE not in request.meta or not is_challenge(response.body, response.status):
            return response
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("eduwatch/challenge")
        raise ChallengeDetected(response)


class ConditionalGetMiddleware:
    """Conditional GET on list pages and article re-checks: send the validators the spider
    remembered for the page (``If-None-Match``, ``If-Modified-Since``) and hand back the ones a
    200 answer carries. A 304 reaches the spider (it asks with ``handle_httpstatus_list``)."""

    def process_request(self, request: Request) -> None:
        validators = request.meta.get(VALIDATORS)
        if request.method != "GET" or not validators:
            return None
        if validators.get("etag"):
            request.headers.setdefault(b"If-None-Match", validators["etag"])
        if validators.get("last_modified"):
            request.headers.setdefault(b"If-Modified-Since", validators["last_modified"])
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        if VALIDATORS in request.meta and response.status == 200:
            request.meta[VALIDATORS_SEEN] = {
                "etag": _header(response, b"ETag"),
                "last_modified": _header(response, b"Last-Modified"),
            }
        return response


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries (timeouts, connection errors, 5xx, 429) with a pause before each retry:
    ``EDUWATCH_RETRY_BACKOFF`` seconds, doubled each time, at most ``EDUWATCH_RETRY_BACKOFF_MAX``.
    The pause holds no download slot: other requests go on meanwhile."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff = max(0.0, settings.getfloat("EDUWATCH_RETRY_BACKOFF", 2.0))
        self.backoff_max = max(0.0, settings.getfloat("EDUWATCH_RETRY_BACKOFF_MAX", 60.0))

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._pause(result)
        return result

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._pause(result)
        return result

    def delay(self, retry_times: int) -> float:
        """Seconds to wait before the ``retry_times``-th retry (1, 2, ...)."""
        return float(min(self.backoff_max, self.backoff * 2 ** max(retry_times - 1, 0)))

    async def _pause(self, retry: Request) -> None:
        seconds = self.delay(int(retry.meta.get("retry_times", 1)))
        if seconds > 0:
            await asyncio.sleep(seconds)


def failure_reason(failure: Failure) -> str:
    """A short machine-readable reason: the exception's own ``failure_reason`` if it has one
    (``offsite_redirect``), ``challenge``, ``http_404``, ``timeout``, ``connection``,
    ``robots``, ``too_large``, ``ignored``, else the exception's name in lower case."""
    value: Any = failure.value
    if isinstance(getattr(value, "failure_reason", None), str):
        return str(value.failure_reason)  # e.g. offsite_redirect (crawler.offsite)
    if isinstance(value, ChallengeDetected):
        return "challenge"
    if isinstance(value, HttpError):
        return f"http_{value.response.status}"
    if isinstance(value, IgnoreRequest):
        return "robots" if "robots.txt" in str(value) else "ignored"
    if isinstance(value, _TIMEOUTS):
        return "timeout"
    if isinstance(value, _CONNECTION):
        return "connection"
    name = type(value).__name__
    if "Timeout" in name:
        return "timeout"
    if "maxsize" in str(value).lower() or "larger than" in str(value).lower():
        return "too_large"
    return _REASON_WORD.sub("_", name.lower()).strip("_") or "error"


def failure_status(failure: Failure) -> int | None:
    """The HTTP status of a failed request, when the server answered."""
    value: Any = failure.value
    if isinstance(value, HttpError | ChallengeDetected):
        return int(value.response.status)
    return None


def response_charset(response: Response) -> str | None:
    """The charset of the Content-Type header, if the server named one."""
    content_type = _header(response, b"Content-Type") or ""
    match = re.search(r"charset\s*=\s*[\"']?([-\w.:]+)", content_type, re.IGNORECASE)
    return match.group(1) if match else None


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
