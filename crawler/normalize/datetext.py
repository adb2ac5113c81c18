"""Dates in text, meta tags and URLs, as Asia/Shanghai local times.

``DATE_PATTERN`` reads ``2019-09-18 06:23``, ``2019/9/18``, ``2019.09.18``, ``2019年06月15日08:18``,
``2012年6月24日12时55分``; ISO 8601 with an offset is converted. A date before 1990 or more than a
day in the future is no date. The hints: ``PubDate``-like meta tags (never a page-generation
time) and the date in the URL (``t20200618_``, ``/art/2016/11/22/``, ``/2019-12/10/``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from crawler.names import SHANGHAI_FIXED as SHANGHAI
from crawler.normalize.page import Page

EARLIEST_YEAR = 1990
FUTURE_TOLERANCE = timedelta(days=1)
META_URL_AGREEMENT = timedelta(days=3)

PUBDATE_METAS = (
    "PubDate",
    "publishdate",
    "publish_date",
    "publishtime",
    "publish-date",
    "pubtime",
    "article:published_time",
    "og:article:published_time",
    "og:release_date",
    "datePublished",
    "firstpublishedtime",
    "dc.date",
    "dc.date.issued",
    "dcterms.issued",
    "sailthru.date",
    "date",
)
GENERATION_METAS = ("others", "maketime", "generated", "generatedtime")
PLACEHOLDER_TIMES = ("00:00:00", "23:59:59")

DATE_PATTERN = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2}) ?(?:[-/.]|年) ?(?P<m>\d{1,2}) ?(?:[-/.]|月) ?"
    r"(?P<d>\d{1,2})(?!\d)"
    r"(?: ?日)?(?:(?:[ \t\x1f]{0,3}|T|-)(?P<H>\d{1,2}) ?(?::|时) ?(?P<M>\d{2})(?!\d)"
    r"(?: ?(?::|分) ?(?P<S>\d{2})(?!\d))?)?"
)
URL_DATE_PATTERNS = (
    re.compile(r"/t(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})_\d+"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})[-/]?(?P<m>\d{1,2})[-/](?P<d>\d{1,2})/"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})/?(?P<m>\d{2})(?P<d>\d{2})/"),
    re.compile(r"[/_](?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})[/_.]"),
)
URL_MONTH_PATTERN = re.compile(r"/(?P<y>(?:19|20)\d{2})-?(?P<m>\d{2})/")


@dataclass(frozen=True, slots=True)
class FoundDate:
    moment: datetime
    has_time: bool

    def iso(self) -> str:
        if self.has_time:
            return self.moment.replace(tzinfo=SHANGHAI).isoformat()
        return self.moment.date().isoformat()

    @property
    def day(self) -> date:
        return self.moment.date()


def _plausible(moment: datetime) -> bool:
    now = datetime.now(SHANGHAI).replace(tzinfo=None)
    return moment.year >= EARLIEST_YEAR and moment <= now + FUTURE_TOLERANCE


def date_from_match(match: re.Match[str]) -> FoundDate | None:
    """The date of a ``DATE_PATTERN``/URL match; placeholder times count as no time."""
    parts = match.groupdict()
    try:
        moment = datetime(int(parts["y"]), int(parts["m"]), int(parts["d"]))
        has_time = parts.get("H") is not None
        if has_time:
            moment = moment.replace(
                hour=int(parts["H"]), minute=int(parts["M"]), second=int(parts.get("S") or 0)
            )
    except ValueError:
        return None
    if has_time and moment.strftime("%H:%M:%S") in PLACEHOLDER_TIMES:
        has_time = False
    return FoundDate(moment, has_time) if _plausible(moment) else None


def parse_date(text: str) -> FoundDate | None:
    """The first plausible date in ``text`` (ISO 8601 with an offset is converted to +08:00)."""
    text = text.strip()
    if "T" in text and re.search(r"(?:Z|[+-]\d{2}:?\d{2})$", text):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            local = moment.astimezone(SHANGHAI).replace(tzinfo=None)
            return FoundDate(local, True) if _plausible(local) else None
    for match in DATE_PATTERN.finditer(text):
        found = date_from_match(match)
        if found:
            return found
    return None


def generation_times(page: Page) -> set[datetime]:
    """Page-generation times some CMSs print in meta tags (``页面生成时间 …``), to the minute."""
    times = set()
    for name in GENERATION_METAS:
        value = page.meta(name)
        parsed = parse_date(value) if value else None
        if parsed is not None:
            times.add(parsed.moment.replace(second=0))
    return times


def meta_date(page: Page) -> FoundDate | None:
    """The first ``PubDate``-like meta that is a plausible date and not a generation time."""
    generated = generation_times(page)
    for name in PUBDATE_METAS:
        value = page.meta(name)
        parsed = parse_date(value) if value else None
        if parsed is not None and parsed.moment.replace(second=0) not in generated:
            return parsed
    return None


def url_date(url: str) -> tuple[FoundDate | None, tuple[int, int] | None]:
    """The day in the article URL, else its year and month (``/202006/``)."""
    path = url.split("?", 1)[0]
    for pattern in URL_DATE_PATTERNS:
        for match in pattern.finditer(path):
            found = date_from_match(match)
            if found is not None:
                return found, (found.day.year, found.day.month)
    month = URL_MONTH_PATTERN.search(path)
    if month and 1 <= int(month.group("m")) <= 12:
        return None, (int(month.group("y")), int(month.group("m")))
    return None, None


def hinted_date(page: Page) -> FoundDate | None:
    """Meta date when the URL agrees (within days, or same month), else the URL date."""
    meta = meta_date(page)
    day, month = url_date(page.url)
    if meta is None:
        return day
    if day is not None:
        return meta if abs(meta.day - day.day) <= META_URL_AGREEMENT else day
    if month is not None and (meta.day.year, meta.day.month) != month:
        return None
    return meta
