"""The dates of list items: full dates through ``crawler.normalize.datetext``, plus the short forms
lists use: ``MM-DD`` / ``MM月DD日`` (the year inferred from today in Asia/Shanghai, never in the
future) and a day split from its year and month (``<b>28</b><i>2024-06</i>``).

``today`` is a parameter everywhere so that tests can pin it; None means today in Shanghai.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import lru_cache

from crawler.normalize.datetext import DATE_PATTERN, SHANGHAI, parse_date

MONTH_DAY = re.compile(
    r"(?<![\d.\-/年])(?:(?P<m>[01]?\d)-(?P<d>[0-3]?\d)|(?P<m2>[01]\d)[/.](?P<d2>[0-3]\d)"
    r"|(?P<m3>[01]?\d) ?月 ?(?P<d3>[0-3]?\d) ?日?)(?![\d.\-/])"
)
YEAR_MONTH = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d{2}) ?(?:[-/.]|年) ?(?P<m>[01]?\d)(?: ?月)?(?!\d)"
)
LONE_DAY = re.compile(r"(?<![\d.\-/])(?P<d>[0-3]?\d)(?![\d.\-/])")
# What may stand around a date in a node that is "just a date": labels, brackets, a time.
DATE_LABELS = re.compile(
    r"发布时间|发布日期|更新时间|更新日期|成文日期|发文日期|印发日期|时间|日期|发布|更新"
)
DATE_FURNITURE = re.compile(r"[\s\[\]()（）【】〔〕<>《》:：|｜·•\-—/,，.。]+")
TIME_OF_DAY = re.compile(r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)")
MAX_DATE_REMAINDER = 2
MAX_DATE_TEXT = 40
DIGIT = re.compile(r"\d")
FUTURE_TOLERANCE = timedelta(days=1)  # a full date a day ahead is a clock skew, not an error
YEARS_BACK = 8  # how far back a Feb 29 may look for a leap year


def shanghai_today() -> date:
    return datetime.now(SHANGHAI).date()


def infer_year(month: int, day: int, today: date) -> date | None:
    """The latest date with this month and day that is not after ``today``."""
    for year in range(today.year, today.year - YEARS_BACK, -1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    return None


def _month_day(text: str, today: date) -> date | None:
    for match in MONTH_DAY.finditer(text):
        month, day = (value for value in match.groups() if value is not None)
        found = infer_year(int(month), int(day), today)
        if found is not None:
            return found
    return None


def _split_day(text: str, today: date) -> date | None:
    """A year-month with the day elsewhere in the text (Hubei's calendar boxes)."""
    month = YEAR_MONTH.search(text)
    if month is None:
        return None
    rest = text[: month.start()] + " " + text[month.end() :]
    day = LONE_DAY.search(rest)
    if day is None:
        return None
    try:
        found = date(int(month.group("y")), int(month.group("m")), int(day.group("d")))
    except ValueError:
        return None
    return found if found <= today else None


def list_date(text: str, today: date | None = None, *, loose: bool = False) -> str | None:
    """The ISO date in a list's date text: a full date, else ``MM-DD`` with the year inferred;
    ``loose`` (a node the site's selector names) also accepts a day apart from its year-month."""
    today = today or shanghai_today()
    full = parse_date(text)
    if full is not None:
        return full.day.isoformat() if full.day <= today + FUTURE_TOLERANCE else None
    found = _month_day(text, today)
    if found is None and loose:
        found = _split_day(text, today)
    return found.isoformat() if found else None


@lru_cache(maxsize=256)  # an item's text nodes are asked twice: in its title, for its date
def _lone_date(text: str) -> re.Match[str] | None:
    """The date of a text that holds a date and little else (labels, brackets, a time)."""
    text = text.strip()
    if not text or len(text) > MAX_DATE_TEXT or DIGIT.search(text) is None:
        return None
    match = DATE_PATTERN.search(text) or MONTH_DAY.search(text)
    if match is None:
        return None
    rest = TIME_OF_DAY.sub("", text[: match.start()] + text[match.end() :])
    rest = DATE_FURNITURE.sub("", DATE_LABELS.sub("", rest))
    return match if len(rest) <= MAX_DATE_REMAINDER else None


def is_date_text(text: str) -> bool:
    """Whether a text is just a date (`2024-06-28`, `[06-28]`, `发布时间：2024年6月28日`)."""
    return _lone_date(text) is not None


def date_only(text: str, today: date | None = None) -> str | None:
    """The date of a text that is just a date (`2024-06-28`, `[06-28]`,
    `发布时间：2024年6月28日`, `(2020-08-16 22:26:38)`); None for any other text."""
    match = _lone_date(text)
    return list_date(match.group(0), today) if match else None


def full_date_in(text: str, today: date | None = None) -> str | None:
    """The first full date (with its year) anywhere in a text; never a bare ``MM-DD``."""
    found = parse_date(text) if DIGIT.search(text) else None  # a date has digits
    if found is None or found.day > (today or shanghai_today()) + FUTURE_TOLERANCE:
        return None
    return found.day.isoformat()
