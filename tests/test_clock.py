"""Every time printed says its zone, the same one everywhere: log lines (text and JSON) and the
commands' tables are in Asia/Shanghai with the offset, whatever the server's own zone."""

from __future__ import annotations

import io
import json
import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from loguru import logger

from monitor.clock import SHANGHAI, shown, stamp
from monitor.logs import setup_logging


@pytest.fixture
def server_in_new_york() -> Iterator[None]:
    """The server's local zone is not Shanghai's (as on most servers abroad, or UTC ones)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


def logged(json_lines: bool) -> str:
    stream = io.StringIO()
    setup_logging(json_lines=json_lines, stream=stream)
    try:
        logger.info("一行")
    finally:
        logger.remove()
    return stream.getvalue()


def near_now(text: str) -> bool:
    moment = datetime.fromisoformat(text)
    return moment.utcoffset() == timedelta(hours=8) and abs(moment - datetime.now(UTC)) < timedelta(
        minutes=5
    )


@pytest.mark.usefixtures("server_in_new_york")
def test_log_lines_are_in_shanghai_time_with_the_offset() -> None:
    text = logged(json_lines=False)
    match = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+08:00) INFO ", text)
    assert match, text
    assert near_now(match[1])
    entry = json.loads(logged(json_lines=True))
    assert entry["time"].endswith("+08:00") and near_now(entry["time"])


def test_commands_show_times_in_shanghai_with_the_offset() -> None:
    moment = datetime(2024, 6, 18, 2, 0, tzinfo=UTC)
    assert shown(moment) == "2024-06-18 10:00+08:00"
    assert shown(moment.replace(tzinfo=None)) == "2024-06-18 10:00+08:00"  # stored as UTC
    assert stamp(moment.astimezone(SHANGHAI)) == "2024-06-18 10:00:00+08:00"
    assert shown(None) == "-"
