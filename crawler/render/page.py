"""What the browser does on a page after navigating to it, as scrapy-playwright page methods
(module-level functions, so a request carrying them still pickles for a Redis queue):

``settle``: wait until the page is no longer a challenge (a 瑞数-style page sets its cookie and
reloads; scrapy-playwright reports the first answer's status, e.g. 412, while the page shown is
the real one), then until the network is idle (an XHR that fills the list has answered).
``site_cookies``: the cookies the context holds, to reuse over plain HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from scrapy_playwright.page import PageMethod

from crawler.normalize.challenge import is_challenge

if TYPE_CHECKING:
    from playwright.async_api import Page

IDLE_CAP = 5.0  # seconds to wait for an idle network at most
POLL = 0.1


async def settle(page: Page, timeout: float) -> bool:
    """Wait for real content, then an idle network; True when the page is no challenge."""
    from playwright.async_api import Error as PlaywrightError

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    passed = False
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        with contextlib.suppress(PlaywrightError):
            await page.wait_for_load_state("load", timeout=remaining * 1000)
            if not is_challenge((await page.content()).encode("utf-8")):
                passed = True
                break
        await asyncio.sleep(POLL)
    remaining = min(IDLE_CAP, deadline - loop.time())
    if passed and remaining > 0:
        with contextlib.suppress(PlaywrightError):
            await page.wait_for_load_state("networkidle", timeout=remaining * 1000)
    return passed


async def site_cookies(page: Page) -> list[dict[str, Any]]:
    """The context's cookies, as Scrapy request cookies (name, value, domain, path)."""
    cookies = await page.context.cookies()
    return [
        {
            "name": cookie.get("name", ""),
            "value": cookie.get("value", ""),
            "domain": cookie.get("domain", ""),
            "path": cookie.get("path", "/"),
        }
        for cookie in cookies
    ]


def page_methods(timeout: float) -> list[PageMethod]:
    """The page methods of every render: settle (within ``timeout``), then read the cookies."""
    return [PageMethod(settle, timeout), PageMethod(site_cookies)]


def render_results(meta: dict[str, Any]) -> tuple[bool | None, list[dict[str, Any]]]:
    """After a render: whether it settled on real content, and the cookies it read."""
    methods = meta.get("playwright_page_methods") or []
    passed: bool | None = None
    cookies: list[dict[str, Any]] = []
    for method in methods:
        if getattr(method, "method", None) is settle:
            passed = method.result
        elif getattr(method, "method", None) is site_cookies:
            cookies = method.result or []
    return passed, cookies
