"""What a SIGHUP reload changes: the settings that differ, those applied at once, and those that
only a restart applies (the store the service holds, the size of its pools).

    changed = changed_settings(old, new)        # ["scheduler.crawl_timeout", ...]
    running = keep_running(old, new)            # new, with the restart-only values of old
"""

from __future__ import annotations

from typing import Any

from monitor.config import ServiceConfig

RESTART_ONLY = ("database.url", "outbox.workers", "scheduler.max_crawls")


def changed_settings(old: ServiceConfig, new: ServiceConfig) -> list[str]:
    """The dotted names of the settings that differ (a section's lists as one setting)."""
    return sorted(_differences(old.model_dump(), new.model_dump(), ""))


def _differences(old: Any, new: Any, prefix: str) -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        found: list[str] = []
        for key in sorted(set(old) | set(new)):
            name = f"{prefix}.{key}" if prefix else str(key)
            found += _differences(old.get(key), new.get(key), name)
        return found
    return [] if old == new else [prefix]


def keep_running(old: ServiceConfig, new: ServiceConfig) -> ServiceConfig:
    """``new`` as the running service can apply it: the restart-only settings stay as they run."""
    return new.model_copy(
        update={
            "database": old.database,
            "outbox": new.outbox.model_copy(update={"workers": old.outbox.workers}),
            "scheduler": new.scheduler.model_copy(update={"max_crawls": old.scheduler.max_crawls}),
        }
    )
