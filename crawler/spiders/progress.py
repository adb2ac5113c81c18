"""Machine-readable progress of a crawl: one JSON object per line on stdout (``-a progress=1``),
read by ``monitor.runner`` for the progress display; Scrapy's own log goes to stderr.

Events: ``start`` (run_id, site, columns), ``page`` (column, page, status, items, fetch),
``article`` (column, change, title), ``failure`` (column, reason, url), ``column`` (column,
status, reason), ``done`` (status, error).
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

EVENT_KEY = "eduwatch"
"""Every progress line is a JSON object with this key naming the event."""


class Progress:
    """Writes progress events, or nothing when disabled."""

    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.stream = stream

    def emit(self, event: str, **fields: Any) -> None:
        if not self.enabled:
            return
        stream = self.stream or sys.stdout
        stream.write(json.dumps({EVENT_KEY: event, **fields}, ensure_ascii=False) + "\n")
        stream.flush()


def parse_event(line: str) -> dict[str, Any] | None:
    """The event of a progress line, None for any other line."""
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) and EVENT_KEY in value else None
