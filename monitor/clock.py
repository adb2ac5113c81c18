"""How times are printed: Asia/Shanghai with its offset, the same in logs, commands and status.

shown(moment)  -> "2024-06-18 10:00+08:00"        (to the minute: tables, listings)
stamp(moment)  -> "2024-06-18 10:00:05+08:00"     (to the second: log lines, messages)
"""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.names import SHANGHAI


def local(moment: datetime) -> datetime:
    """``moment`` in Asia/Shanghai (a naive one is taken as UTC, as the store keeps them)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SHANGHAI)


def _offset(moment: datetime) -> str:
    text = moment.strftime("%z")
    return f"{text[:3]}:{text[3:]}"


def shown(moment: datetime | None) -> str:
    """A time as the operator reads it: Asia/Shanghai to the minute, with the offset."""
    if moment is None:
        return "-"
    there = local(moment)
    return there.strftime("%Y-%m-%d %H:%M") + _offset(there)


def stamp(moment: datetime, *, millis: bool = False) -> str:
    """A time to the second (``millis``: to the millisecond), Asia/Shanghai, with the offset."""
    there = local(moment)
    text = there.strftime("%Y-%m-%d %H:%M:%S")
    if millis:
        text += f".{there.microsecond // 1000:03d}"
    return text + _offset(there)
