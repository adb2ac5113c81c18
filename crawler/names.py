"""Names both halves of eduwatch share, defined once: the time zone, the statuses of a run, the
change kinds of a stored article and the kinds of events.

The crawler uses the time zone and the run statuses; the monitor imports the rest from here (the
monitor may import the crawler, never the other way round).
"""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Literal, get_args
from zoneinfo import ZoneInfo

TIMEZONE = "Asia/Shanghai"
SHANGHAI = ZoneInfo(TIMEZONE)
# China has kept UTC+8 without daylight saving since 1991: for dates on pages, a fixed offset
# (the zone database gives 1986-1991 summer times and local mean time before 1901).
SHANGHAI_FIXED = timezone(timedelta(hours=8), TIMEZONE)

RunStatus = Literal["ok", "partial", "failed"]
RUN_STATUSES: tuple[str, ...] = ("running", *get_args(RunStatus))

ChangeKind = Literal["new", "revised", "unchanged", "baseline"]
CHANGE_KINDS: tuple[ChangeKind, ...] = get_args(ChangeKind)

ArticleEventKind = Literal["new", "revised", "withdrawn"]
ARTICLE_EVENT_KINDS: tuple[ArticleEventKind, ...] = get_args(ArticleEventKind)
SITE_EVENT_KINDS: tuple[str, ...] = ("site_failing", "site_recovered", "site_stale")
EVENT_KINDS: tuple[str, ...] = (*ARTICLE_EVENT_KINDS, *SITE_EVENT_KINDS)
