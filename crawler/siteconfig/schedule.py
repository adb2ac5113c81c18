"""When a site is crawled: a five-field cron expression or an interval (``30s``, ``15m``, ``2h``).

Cron fields follow crontab: weekday 0 or 7 is Sunday, 1 is Monday. APScheduler 3 counts weekdays
from Monday = 0 (its `from_crontab` keeps that "historical mistake"), so the weekday field is
translated to names before it reaches APScheduler: ``1-5`` runs Monday to Friday, as in crontab.
As in APScheduler (unlike crontab), a day of month and a weekday both restricted must both match.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from pydantic import BaseModel, ConfigDict, model_serializer, model_validator

from crawler.names import TIMEZONE
from crawler.siteconfig.errors import rule_error

DEFAULT_SCHEDULE = "30m"
_INTERVAL = re.compile(r"(\d+)\s*([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_REFERENCE_TIME = datetime(2001, 1, 1, tzinfo=ZoneInfo(TIMEZONE))  # fixed: no wall clock
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab numbering: 0 = sunday
_EXPECTED = (
    "expected a five-field cron expression (minute hour day month weekday, e.g. '*/30 7-22 * * *') "
    "or an interval such as 30s, 15m, 2h or 1d"
)


class Schedule(BaseModel):
    """A parsed schedule; YAML gives it as one string, and it is written back as that string."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["cron", "interval"]
    expression: str
    seconds: int | None = None  # the interval, for kind == "interval"

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, Schedule):
            return value
        if not isinstance(value, str):
            raise rule_error(f"{_EXPECTED}, got {value!r}")
        return parse_schedule_fields(value)

    @model_serializer
    def _as_text(self) -> str:
        return self.expression

    @classmethod
    def parse(cls, text: str) -> Schedule:
        return cls.model_validate(text)

    def trigger(self, timezone: str = TIMEZONE, jitter: int | None = None) -> Any:
        """The APScheduler trigger of this schedule, in Asia/Shanghai time unless told."""
        if self.kind == "interval":
            return IntervalTrigger(seconds=self.seconds, timezone=timezone, jitter=jitter)
        return cron_trigger(self.expression, timezone, jitter)


def parse_schedule_fields(text: str) -> dict[str, Any]:
    """The fields of a Schedule for a YAML string, or a rule error saying what was expected."""
    expression = " ".join(text.split())
    interval = _INTERVAL.fullmatch(expression)
    if interval:
        seconds = int(interval.group(1)) * _UNIT_SECONDS[interval.group(2)]
        if seconds <= 0:
            raise rule_error(f"expected an interval greater than zero, got {text!r}")
        return {"kind": "interval", "expression": expression, "seconds": seconds}
    fields = expression.split(" ")
    if len(fields) == 1:
        raise rule_error(f"{_EXPECTED}, got {text!r}")
    if len(fields) != 5:
        raise rule_error(f"{_EXPECTED}; {text!r} has {len(fields)} fields")
    try:
        trigger = cron_trigger(expression, TIMEZONE)
    except ValueError as error:
        raise rule_error(
            f"expected a valid cron expression (minute hour day month weekday); {text!r}: {error}"
        ) from None
    if trigger.get_next_fire_time(None, _REFERENCE_TIME) is None:
        raise rule_error(f"expected a cron expression that fires; {text!r} never does")
    return {"kind": "cron", "expression": expression}


def cron_trigger(expression: str, timezone: str = TIMEZONE, jitter: int | None = None) -> Any:
    """`CronTrigger.from_crontab` with crontab's weekday numbering (0 and 7 = Sunday)."""
    minute, hour, day, month, weekday = expression.split()
    crontab = " ".join([minute, hour, day, month, crontab_weekdays(weekday)])
    trigger = CronTrigger.from_crontab(crontab, timezone=timezone)
    if jitter is not None:
        trigger.jitter = jitter
    return trigger


def crontab_weekdays(field: str) -> str:
    """A crontab weekday field as APScheduler weekday names: ``1-5`` -> ``mon,tue,wed,thu,fri``."""
    if field == "*":
        return "*"
    days: set[int] = set()
    for part in field.lower().split(","):
        days |= _weekday_part(part)
    if len(days) == 7:
        return "*"
    monday_first = sorted(days, key=lambda day: (day + 6) % 7)
    return ",".join(_WEEKDAYS[day] for day in monday_first)


def _weekday_part(part: str) -> set[int]:
    """The crontab weekdays (0 = Sunday) of one comma-separated part: ``*/2``, ``1-5``, ``sun``."""
    span, slash, step_text = part.partition("/")
    if slash and not (step_text.isdigit() and int(step_text) >= 1):
        raise ValueError(f"weekday step {step_text!r} is not a positive number")
    step = int(step_text) if slash else 1
    if span == "*":
        first, last = 0, 6
    elif "-" in span:
        start, _, end = span.partition("-")
        first, last = _weekday_number(start), _weekday_number(end)
        if last == 0 and first > 0:  # fri-sun: up to the Sunday at the end of the week
            last = 7
    else:
        first = _weekday_number(span)
        last = 7 if slash else first
    if first > last:
        raise ValueError(f"weekday range {part!r} runs backwards")
    return {day % 7 for day in range(first, last + 1, step)}


def _weekday_number(text: str) -> int:
    """0-7 (0 and 7 are Sunday) or a name sun-sat."""
    if text in _WEEKDAYS:
        return _WEEKDAYS.index(text)
    if text.isdigit() and int(text) <= 7:
        return int(text)
    raise ValueError(f"weekday {text!r} is not 0-7 or sun-sat")
