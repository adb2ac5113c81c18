"""The service's log messages, as a test sees them: ``with captured("WARNING") as lines: ...``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from loguru import logger


@contextmanager
def captured(level: str = "INFO") -> Iterator[list[str]]:
    """The messages logged at ``level`` or above while the block runs."""
    lines: list[str] = []

    def sink(message: Any) -> None:
        lines.append(str(message.record["message"]))

    handle = logger.add(sink, level=level, format="{message}")
    try:
        yield lines
    finally:
        logger.remove(handle)
