"""Every log line through loguru: stdlib logging (APScheduler, SQLAlchemy, asyncio, Scrapy when
in process) routed into it; human-readable lines, or JSON lines (``--log-json``); secrets out.
Times are Asia/Shanghai with their offset (monitor.clock), whatever the server's zone.

The secrets are the values the configuration takes from the environment (channel passwords,
tokens, the database password); every message and traceback is searched for them and each is
replaced with ``***`` before it is written.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from collections.abc import Iterable
from typing import Any, TextIO
from urllib.parse import quote

from loguru import logger

from monitor.clock import local, stamp

HIDDEN = "***"
# INFO chatter of libraries (a line per job added or run, per migration step checked)
_QUIET = {
    "apscheduler.scheduler": logging.WARNING,
    "apscheduler.executors.default": logging.WARNING,
    "alembic": logging.WARNING,
    "aiosmtpd": logging.WARNING,
}


class Redactor:
    """The secrets to keep out of the logs; updated when the configuration is reloaded."""

    def __init__(self) -> None:
        self._values: list[str] = []

    def update(self, values: Iterable[str]) -> None:
        forms = {form for value in values if len(value) >= 3 for form in (value, quote(value))}
        self._values = sorted(forms, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for value in self._values:
            if value in text:
                text = text.replace(value, HIDDEN)
        return text


REDACT = Redactor()


class _InterceptHandler(logging.Handler):
    """Hands each stdlib record to loguru, at its level, under its logger's name."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.bind(logger_name=record.name).opt(exception=record.exc_info).log(
            level, record.getMessage()
        )


def setup_logging(
    json_lines: bool = False, level: str = "INFO", stream: TextIO | None = None
) -> None:
    """Send every log line to ``stream`` (stderr) as text or JSON lines."""
    out = stream or sys.stderr
    logger.remove()
    sink = _json_sink(out) if json_lines else _text_sink(out)
    logger.add(sink, level=level, format="{message}", backtrace=False, diagnose=False)
    logging.basicConfig(handlers=[_InterceptHandler()], level=logging.INFO, force=True)
    for name, quiet in _QUIET.items():
        logging.getLogger(name).setLevel(quiet)


def _source(record: Any) -> str:
    return str(record["extra"].get("logger_name") or record["name"])


def _exception_text(record: Any) -> str | None:
    exception = record["exception"]
    if exception is None or exception.type is None:
        return None
    lines = traceback.format_exception(exception.type, exception.value, exception.traceback)
    return REDACT("".join(lines)).rstrip()


def _text_sink(out: TextIO) -> Any:
    def write(message: Any) -> None:
        record = message.record
        time = stamp(record["time"])
        line = f"{time} {record['level'].name:<7} {_source(record)}: {REDACT(record['message'])}"
        problem = _exception_text(record)
        out.write(line + ("\n" + problem if problem else "") + "\n")
        out.flush()

    return write


def _json_sink(out: TextIO) -> Any:
    def write(message: Any) -> None:
        record = message.record
        entry: dict[str, Any] = {
            "time": local(record["time"]).isoformat(timespec="milliseconds"),
            "level": record["level"].name,
            "logger": _source(record),
            "message": REDACT(record["message"]),
        }
        extra = {k: v for k, v in record["extra"].items() if k != "logger_name"}
        if extra:
            entry["extra"] = json.loads(REDACT(json.dumps(extra, ensure_ascii=False, default=str)))
        problem = _exception_text(record)
        if problem:
            entry["exception"] = problem
        out.write(json.dumps(entry, ensure_ascii=False) + "\n")
        out.flush()

    return write
