"""Which requests of a crawl go through the browser, and why (``render: http | browser | auto``).

- ``http``: never; a challenge answer fails the page (crawler.middlewares.ChallengeMiddleware).
- ``browser``: every list and article page of the column (reason ``configured``). In a process
  without a browser (crawler.render.chromium.browser_missing, or ``EDUWATCH_BROWSER`` off) the
  column fails, saying why, and the site's other columns are crawled; when every column of the
  crawl is set to ``browser`` the crawl fails before any request (``unavailable``).
- ``auto`` (the default): plain HTTP, and the browser only when it must:
  a challenge answer (HTTP 412/521, ``$_ts``, a script that sets a cookie and reloads) sends the
  page to the browser (``challenge``); the cookies the browser earned then go with plain HTTP
  requests, and only if the site refuses them does every page go through the browser
  (``cookies_refused``). A list page that yields no items although its scripts build them is
  rendered (``script_list``), and the column's list pages go on in the browser.
  What a crawl learnt is remembered per site (crawler.render.memory): the next crawls go straight
  to the browser (``challenge_remembered``, ``script_list_remembered``) until the memory is
  ``EDUWATCH_RENDER_REPROBE`` seconds old (a day), when plain HTTP is tried again.

The seam for distributed crawling: ``browser_reason(request)`` says, without side effects,
whether a request needs the browser; once routed the decision travels on the request
(``meta[RENDER]``, a plain dict, and scrapy-playwright's meta, all of which pickle), so a
scheduler can queue browser work for the workers that have one (``EDUWATCH_BROWSER``: whether
this process may use one; ``has_browser`` after ``configure``).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawler.middlewares import ROLE, VALIDATORS, ChallengeDetected
from crawler.normalize.challenge import CHALLENGE_STATUSES, is_challenge
from crawler.render.chromium import (
    DEFAULT_RENDER_TIMEOUT,
    browser_missing,
    missing_message,
    playwright_settings,
    render_timeout,
)
from crawler.render.detect import scripts_build_list
from crawler.render.memory import CookieVerdict, RenderMemory, utc_now
from crawler.render.page import page_methods, render_results
from crawler.sites import EffectiveColumn, SiteConfig

logger = logging.getLogger(__name__)
RENDER = "eduwatch_render"
"""Request meta: ``{"reason": ...}`` when the request goes through the browser."""
WITH_COOKIES = "eduwatch_earned_cookies"
"""Request meta: the request went over plain HTTP with the cookies a browser earned."""
DEFAULT_REPROBE = 86400.0
BROWSER_OFF = "this process runs without a browser (EDUWATCH_BROWSER is off)"


class BrowserUnavailable(ChallengeDetected):
    """A challenge the browser would pass, on a machine (or worker) without one."""

    def __init__(self, response: Response, why: str) -> None:
        super().__init__(response)
        self.args = (f"{self.args[0]}; {why}",)


class NoBrowser(IgnoreRequest):
    """A page of a column set to ``render: browser`` in a process without a browser: it fails
    (reason ``no_browser``, saying why) before any download; the other columns go on."""

    failure_reason = "no_browser"


class RenderPlanner:
    """The render decisions of one site's crawl and what it learnt."""

    def __init__(
        self,
        site: SiteConfig,
        columns: Mapping[str, EffectiveColumn],
        memory: RenderMemory,
        now: datetime | None = None,
        reprobe: float = DEFAULT_REPROBE,
    ) -> None:
        self.site = site
        self.modes = {name: column.render for name, column in columns.items()}
        self.memory = memory
        self.now = now or utc_now()
        self.reprobe = timedelta(seconds=reprobe)
        self.has_browser = False
        self.missing: str | None = missing_message()  # why no browser (None: one, configure)
        self.timeout = DEFAULT_RENDER_TIMEOUT
        self.cookies: list[dict[str, Any]] = []  # earned by the browser in this crawl
        self.verdict: CookieVerdict | None = memory.challenge.cookies if memory.challenge else None
        self.challenged = False  # a plain HTTP answer was a challenge in this crawl
        self.http_clean = False  # a plain HTTP answer (without earned cookies) was content
        self.script_columns: set[str] = set()  # list pages to render in this crawl
        self.lists_over_http: set[str] = set()  # columns whose plain HTTP list had items
        self.lists_rendered: set[str] = set()  # columns whose rendered list had items
        self.reasons: Counter[str] = Counter()
        self.with_cookies = 0
        self.challenges = 0

    @classmethod
    def for_site(
        cls, site: SiteConfig, columns: Mapping[str, EffectiveColumn], state_dir: Path | None
    ) -> RenderPlanner:
        path = state_dir / f"{site.id}.render.json" if state_dir is not None else None
        return cls(site, columns, RenderMemory.load(path))

    # -- set-up ------------------------------------------------------------------------------
    def may_render(self) -> bool:
        return any(mode != "http" for mode in self.modes.values())

    def configure(self, settings: Any) -> dict[str, Any]:
        """Read the process's settings; the Scrapy settings to apply when it may render."""
        self.reprobe = timedelta(seconds=settings.getfloat("EDUWATCH_RENDER_REPROBE", 86400.0))
        self.timeout = render_timeout(settings)
        allowed = settings.getbool("EDUWATCH_BROWSER", True)
        self.missing = browser_missing(settings) if allowed else BROWSER_OFF
        self.has_browser = self.missing is None
        return playwright_settings(settings) if self.has_browser and self.may_render() else {}

    def unrenderable(self) -> list[str]:
        """The columns set to ``render: browser`` that this process cannot crawl (no browser)."""
        if self.has_browser:
            return []
        return [name for name, mode in self.modes.items() if mode == "browser"]

    def unavailable(self) -> str | None:
        """Why this crawl cannot run here at all: every column is set to ``render: browser`` and
        there is no browser. With other columns it runs them, and the pages of those columns
        fail (``route``: NoBrowser, saying why)."""
        needing = self.unrenderable()
        if not needing or len(needing) < len(self.modes):
            return None
        return f"{', '.join(needing)}: {self._missing()}"

    def _missing(self) -> str:
        return self.missing or missing_message()

    # -- requests ----------------------------------------------------------------------------
    def route(self, request: Request) -> None:
        """Before a download: send the request through the browser, or give it earned cookies."""
        if ROLE not in request.meta or request.meta.get("playwright"):
            return
        column = str(request.meta.get("column"))
        if self.modes.get(column, "http") == "http":
            return
        reason = self.browser_reason(request)
        if reason is not None and not self.has_browser:  # render: browser, no browser here
            raise NoBrowser(self._missing())
        if reason is not None:
            self._to_browser(request, reason)
        elif self.cookies and self._challenge_known():
            request.cookies = cast(Any, [*self.cookies])
            request.meta[WITH_COOKIES] = True
            self.with_cookies += 1

    def browser_reason(self, request: Request) -> str | None:
        """Why the request should go through the browser now, or None for plain HTTP (no side
        effect: a distributed scheduler may ask before it queues the request)."""
        column = str(request.meta.get("column"))
        if self.modes.get(column, "http") == "http":
            return None
        if self.modes[column] == "browser":
            return "configured"
        if not self.has_browser or request.method.upper() != "GET":
            return None
        if request.meta[ROLE] == "list":
            if column in self.script_columns:
                return "script_list"
            if self._remembered_column(column):
                return "script_list_remembered"
        if not self._challenge_known():
            return None
        if self.verdict == "refused":
            return "cookies_refused"
        if self.cookies:
            return None
        return "challenge" if self.challenged else "challenge_remembered"

    def _challenge_known(self) -> bool:
        need = self.memory.challenge
        return self.challenged or (need is not None and not need.due(self.now, self.reprobe))

    def _remembered_column(self, column: str) -> bool:
        need = self.memory.column(column)
        return need is not None and not need.due(self.now, self.reprobe)

    def _to_browser(self, request: Request, reason: str) -> Request:
        to_browser(request, self.site, reason, self.timeout)
        self.reasons[reason] += 1
        return request

    # -- answers -----------------------------------------------------------------------------
    def answered(self, request: Request, response: Response) -> Request | Response:
        """After a download: a rendered page with its real status, or a challenge answer
        sent on to the browser; anything else as it came."""
        if ROLE not in request.meta:
            return response
        if request.meta.get("playwright"):
            return self._rendered(request, response)
        column = str(request.meta.get("column"))
        cookies = bool(request.meta.get(WITH_COOKIES))
        if not is_challenge(response.body, response.status):
            if cookies:
                self.verdict = "accepted"
            elif self.modes.get(column) == "auto":
                self.http_clean = True
            return response
        if self.modes.get(column, "http") == "http":
            return response
        self.challenges += 1
        self.challenged = True
        if cookies:
            self.verdict = "refused"
        if not self.has_browser:
            raise BrowserUnavailable(response, self._missing())
        if request.method.upper() != "GET":
            return response
        reason = "cookies_refused" if cookies else "challenge"
        return self._to_browser(request.replace(dont_filter=True), reason)

    def _rendered(self, request: Request, response: Response) -> Response:
        cookies = render_results(request.meta)[1]
        if cookies:
            self.cookies = cookies
        return rendered_response(request, response)

    def after_list(self, column: str, response: Response, items: int) -> Request | None:
        """A list page read: a request to render it when it was empty although its scripts
        build it, else None (and what this says about the column is noted)."""
        rendered = bool(response.meta.get("playwright"))
        if response.status == 304:
            return None
        if items:
            (self.lists_rendered if rendered else self.lists_over_http).add(column)
            return None
        eligible = self.modes.get(column) == "auto" and self.has_browser
        request = response.request
        if request is None or request.method.upper() != "GET" or not eligible:
            return None
        reason = (response.meta.get(RENDER) or {}).get("reason", "")
        if rendered and reason.startswith("script_list"):
            return None  # rendered for its scripts already: the list is empty indeed
        if not scripts_build_list(response.body):
            return None
        self.script_columns.add(column)
        return self._to_browser(request.replace(dont_filter=True), "script_list")

    # -- the end -----------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        return {
            "renders": sum(self.reasons.values()),
            "reasons": dict(sorted(self.reasons.items())),
            "with_cookies": self.with_cookies,
            "challenges": self.challenges,
            "cookies": self.verdict,
            "has_browser": self.has_browser,
        }

    def remember(self) -> None:
        """Keep what this crawl learnt (a crawl that ended normally)."""
        memory, now = self.memory, utc_now()
        if self.challenged:
            memory.confirm_challenge(now, self.verdict)
        elif memory.challenge is not None and self.http_clean:
            memory.challenge = None  # plain HTTP got content: the challenge is gone
        elif self.verdict is not None:
            memory.note_cookies(self.verdict)
        for column in self.lists_rendered & self.script_columns:
            memory.confirm_column(column, now)
        for column in self.lists_over_http:
            memory.forget_column(column)
        try:
            memory.save()
        except OSError as error:
            logger.warning("cannot save the render memory %s: %s", memory.path, error)


def to_browser(request: Request, site: SiteConfig, reason: str, timeout: float) -> None:
    """Send the request through the browser, in the site's own context."""
    request.meta.update(
        {
            RENDER: {"reason": reason},
            "playwright": True,
            "playwright_context": f"site:{site.id}",
            "playwright_context_kwargs": {"extra_http_headers": dict(site.headers)},
            "playwright_page_methods": page_methods(timeout),
        }
    )
    request.meta.pop(VALIDATORS, None)  # a page built by scripts is never conditional
    request.meta.pop(WITH_COOKIES, None)


def rendered_response(request: Request, response: Response) -> Response:
    """A rendered page: scrapy-playwright reports a challenge's status even when the browser
    passed it and shows the real page; that page gets its real status."""
    passed = render_results(request.meta)[0]
    if response.status in CHALLENGE_STATUSES and passed and not is_challenge(response.body):
        return response.replace(status=200)
    return response


def handler_stats(collected: dict[str, Any]) -> dict[str, int]:
    """The browser's own counters of a crawl's Scrapy stats."""
    return {
        "browsers_launched": int(collected.get("playwright/browser_count", 0)),
        "restarts": int(collected.get("eduwatch/browser/restarts", 0)),
        "timeouts": int(collected.get("eduwatch/browser/timeouts", 0)),
    }
