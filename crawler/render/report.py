"""How a crawl's use of the browser reads in `eduwatch crawl` and `eduwatch status`."""

from __future__ import annotations

from typing import Any


def browser_text(browser: dict[str, Any]) -> str:
    """Which pages went through the browser and why, or "" when none did."""
    renders, cookies = browser.get("renders", 0), browser.get("with_cookies", 0)
    if not renders and not cookies:
        return ""
    reasons = ", ".join(f"{n} {reason}" for reason, n in browser.get("reasons", {}).items())
    text = f"{renders} pages rendered" + (f" ({reasons})" if reasons else "")
    if cookies:
        text += f"; {cookies} plain requests with the cookies it earned"
    if browser.get("timeouts"):
        text += f"; {browser['timeouts']} renders timed out"
    return text
