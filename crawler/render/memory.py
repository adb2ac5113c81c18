"""What earlier crawls learnt about a site's need of the browser, beside its list cache
(``<state dir>/<site>.render.json``): whether it answers plain HTTP with a challenge (and whether
it accepts the cookies a browser earned), and which columns build their list with scripts.

A remembered need is used without asking again until it is ``reprobe`` seconds old; then the
next crawl tries plain HTTP first and keeps the memory only if the need shows again, so a site
that drops its challenge goes back to plain HTTP. ``load`` never fails (a bad file is no memory).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from crawler.spiders.listcache import write_atomically

FORMAT_VERSION = 1
CookieVerdict = Literal["accepted", "refused"]


@dataclass(frozen=True, slots=True)
class Need:
    """One remembered need: when it was first seen and last confirmed over plain HTTP."""

    since: str
    probed: str
    cookies: CookieVerdict | None = None  # challenges only: the earned cookies over HTTP

    def due(self, now: datetime, reprobe: timedelta) -> bool:
        """Whether plain HTTP should be tried again."""
        try:
            probed = datetime.fromisoformat(self.probed)
        except ValueError:
            return True
        return now - probed >= reprobe


@dataclass(slots=True)
class RenderMemory:
    """The needs of one site; ``path`` None keeps nothing."""

    path: Path | None
    challenge: Need | None = None
    columns: dict[str, Need] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None) -> RenderMemory:
        memory = cls(path)
        if path is None or not path.is_file():
            return memory
        try:
            data = json.loads(path.read_text("utf-8"))
            if data.get("version") != FORMAT_VERSION:
                return memory
            challenge = data.get("challenge")
            memory.challenge = Need(**challenge) if challenge else None
            memory.columns = {str(name): Need(**need) for name, need in data["columns"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls(path)
        return memory

    def column(self, name: str) -> Need | None:
        return self.columns.get(name)

    def confirm_challenge(self, now: datetime, cookies: CookieVerdict | None) -> None:
        """A challenge answered plain HTTP in this crawl."""
        stamp = now.isoformat(timespec="seconds")
        before = self.challenge
        if before is None:
            self.challenge = Need(stamp, stamp, cookies)
        else:
            self.challenge = Need(before.since, stamp, cookies or before.cookies)

    def note_cookies(self, verdict: CookieVerdict) -> None:
        if self.challenge is not None:
            self.challenge = replace(self.challenge, cookies=verdict)

    def confirm_column(self, name: str, now: datetime) -> None:
        """A column's list was empty over plain HTTP and full in the browser."""
        stamp = now.isoformat(timespec="seconds")
        before = self.column(name)
        self.columns[name] = Need(before.since if before else stamp, stamp)

    def forget_column(self, name: str) -> None:
        self.columns.pop(name, None)

    def save(self) -> None:
        if self.path is None:
            return
        data: dict[str, Any] = {
            "version": FORMAT_VERSION,
            "challenge": asdict(self.challenge) if self.challenge else None,
            "columns": {name: asdict(need) for name, need in sorted(self.columns.items())},
        }
        write_atomically(self.path, json.dumps(data, ensure_ascii=False, indent=1))


def utc_now() -> datetime:
    return datetime.now(UTC)
