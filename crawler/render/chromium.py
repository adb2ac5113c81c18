"""Debian's Chromium, the browser of the sites that need one: where it is, whether this machine
has one (``browser_missing``), how it is launched, and the scrapy-playwright settings that drive it.

Playwright never downloads a browser here: it launches the executable at ``EDUWATCH_CHROMIUM``
(the environment variable or the Scrapy setting; default ``/usr/bin/chromium``), or connects to
a running Chromium at ``EDUWATCH_BROWSER_CDP_URL``.

Whether a machine has a browser is a question of the process that renders, never of the site
configuration: a site file with ``render: browser`` is valid anywhere (a distributed browser
worker may render it elsewhere).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_PACKAGE = "chromium"
INSTALL_HINT = f"install it with `apt-get install {CHROMIUM_PACKAGE}`"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",  # Docker's /dev/shm is 64 MB
)
HANDLER = "crawler.render.lazy.RenderingDownloadHandler"
DEFAULT_RENDER_TIMEOUT = 30.0


def chromium_path(setting: str | None = None) -> str:
    """The Chromium executable: the setting, else ``$EDUWATCH_CHROMIUM``, else the default."""
    return setting or os.environ.get("EDUWATCH_CHROMIUM") or DEFAULT_CHROMIUM


def chromium_available(path: str | None = None) -> bool:
    """Whether the executable exists and may be run."""
    found = Path(chromium_path(path))
    return found.is_file() and os.access(found, os.X_OK)


def missing_message(path: str | None = None) -> str:
    """What to say when a site needs the browser and the machine has none."""
    return (
        f"this site needs the browser, and Chromium is not installed at {chromium_path(path)} "
        f"({INSTALL_HINT}, or set EDUWATCH_CHROMIUM to its path)"
    )


def cdp_url(settings: Any) -> str | None:
    """The CDP URL of a running Chromium to use instead of launching one (None: launch one)."""
    return settings.get("EDUWATCH_BROWSER_CDP_URL") or None


def browser_missing(settings: Any) -> str | None:
    """Why a process with these Scrapy settings has no browser to render with, or None when it
    has one: a CDP URL (``EDUWATCH_BROWSER_CDP_URL``, not checked until used) or a Chromium
    executable (``EDUWATCH_CHROMIUM``, the variable, else the default)."""
    if cdp_url(settings) is not None:
        return None
    chromium = settings.get("EDUWATCH_CHROMIUM") or None
    return None if chromium_available(chromium) else missing_message(chromium)


def render_timeout(settings: Any) -> float:
    """The seconds a render may take (``EDUWATCH_RENDER_TIMEOUT``, default 30)."""
    return float(settings.getfloat("EDUWATCH_RENDER_TIMEOUT", DEFAULT_RENDER_TIMEOUT))


def playwright_settings(settings: Any) -> dict[str, Any]:
    """The scrapy-playwright settings of a crawl that may render, from eduwatch's own
    (``EDUWATCH_CHROMIUM``, ``EDUWATCH_BROWSER_CDP_URL``, ``EDUWATCH_RENDER_TIMEOUT``,
    ``EDUWATCH_BROWSER_MAX_PAGES``, ``EDUWATCH_BROWSER_MAX_CONTEXTS``)."""
    timeout_ms = int(render_timeout(settings) * 1000)
    remote = cdp_url(settings)
    return {
        "PLAYWRIGHT_CDP_URL": remote,
        "DOWNLOAD_HANDLERS": {"http": HANDLER, "https": HANDLER},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": chromium_path(settings.get("EDUWATCH_CHROMIUM")),
            "headless": True,
            "args": list(CHROMIUM_ARGS),
            "timeout": 30_000,
        }
        if remote is None
        else {},
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": timeout_ms,
        "PLAYWRIGHT_MAX_CONTEXTS": settings.getint("EDUWATCH_BROWSER_MAX_CONTEXTS", 4),
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": settings.getint("EDUWATCH_BROWSER_MAX_PAGES", 4),
        "PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER": True,
        # the browser's own headers and cookies: Scrapy's Cookie header would undo what a
        # challenge script set before its reload
        "PLAYWRIGHT_PROCESS_REQUEST_HEADERS": None,
        "PLAYWRIGHT_ABORT_REQUEST": "crawler.render.chromium.skip_resource",
    }


SKIPPED_RESOURCES = frozenset({"image", "media", "font"})


def skip_resource(request: Any) -> bool:
    """Images, media and fonts are never needed to read a page: the browser does not load them."""
    return str(request.resource_type) in SKIPPED_RESOURCES
