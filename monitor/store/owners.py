"""Who owns a crawl run: ``host:pid:start`` of its process (``start``: the process's start time
in clock ticks since boot, so a reused pid is not taken for the owner), and whether it lives."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from pathlib import Path


def process_start(pid: int) -> str | None:
    """The start time of process ``pid`` (clock ticks since boot), None when there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return fields[19] if len(fields) > 19 else None


def process_owner(pid: int | None = None) -> str:
    """``host:pid:start`` of this process (or of ``pid``)."""
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}:{pid}:{process_start(pid) or ''}"


def owner_alive(
    owner: str | None, started_at: datetime, now: datetime, patience: timedelta
) -> bool:
    """Whether the run's owner may still be at work. On this host: its process is there (the
    same one, not a reused pid). Elsewhere, or unknown: until ``patience`` after its start
    (the runner kills a crawl at its timeout, so a run older than that has no owner left)."""
    host, _, rest = (owner or "").partition(":")
    pid, _, start = rest.partition(":")
    if owner and host == socket.gethostname() and pid.isdigit():
        found = process_start(int(pid))
        return found is not None and (not start or found == start)
    return now - started_at < patience
