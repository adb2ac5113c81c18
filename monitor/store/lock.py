"""One service per store: a lock the database itself holds, released when its holder dies.

    lock = hold_service_lock(url)      # StoreLockedError naming the holder when taken
    ...
    lock.release()

SQLite: an OS lock (``fcntl``) on ``<database file>.lock`` beside the database file; the file
says who holds it (host, pid, since when). PostgreSQL: a session advisory lock held on a
connection of its own, its ``application_name`` saying who holds it. Either is gone the moment
the holding process is (SIGKILL included): the kernel closes the file, the server the session.
An in-memory SQLite database has nothing to share and takes no lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from monitor.clock import stamp
from monitor.errors import StoreError
from monitor.store.types import utcnow

ADVISORY_KEY = 0x6564_7577_6174_6368 & 0x7FFF_FFFF_FFFF_FFFF  # "eduwatch", a signed bigint
APPLICATION = "eduwatch run"
NAME_LIMIT = 63  # PostgreSQL cuts application_name there


class StoreLockedError(StoreError):
    """Another service holds the store."""


@dataclass(frozen=True, slots=True)
class Holder:
    host: str
    pid: int
    since: str

    def __str__(self) -> str:
        return f"host {self.host}, pid {self.pid}, since {self.since}"


def me() -> Holder:
    return Holder(socket.gethostname(), os.getpid(), stamp(utcnow()))


class ServiceLock:
    """A held lock; ``release`` lets it go (dying does too)."""

    def __init__(self, release: Any = None, where: str = "") -> None:
        self._release = release
        self.where = where

    def release(self) -> None:
        if self._release is not None:
            self._release()
            self._release = None


def hold_service_lock(url: str) -> ServiceLock:
    """Take the store's service lock, or StoreLockedError naming the service that holds it."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if not database or database == ":memory:" or database.startswith("file:"):
            return ServiceLock()
        return _file_lock(Path(database + ".lock"))
    if parsed.get_backend_name() == "postgresql":
        return _advisory_lock(url)
    return ServiceLock()


def _file_lock(path: Path) -> ServiceLock:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.lockf(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = _read_holder(path)
        os.close(descriptor)
        raise StoreLockedError(_refusal(holder, f"the lock file {path}")) from None
    mine = me()
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, json.dumps(_fields(mine)).encode(), 0)

    def release() -> None:
        with contextlib.suppress(OSError):
            os.ftruncate(descriptor, 0)
        os.close(descriptor)

    return ServiceLock(release, str(path))


def _fields(holder: Holder) -> dict[str, Any]:
    return {"host": holder.host, "pid": holder.pid, "since": holder.since}


def _read_holder(path: Path) -> Holder | None:
    try:
        data = json.loads(path.read_text("utf-8"))
        return Holder(str(data["host"]), int(data["pid"]), str(data["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _advisory_lock(url: str) -> ServiceLock:
    mine = me()
    label = _label(mine)
    engine = create_engine(url, poolclass=NullPool, connect_args={"application_name": label})
    try:
        connection = engine.connect()
        taken = connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}
        ).scalar()
        connection.commit()
    except SQLAlchemyError as error:
        engine.dispose()
        raise StoreError(f"cannot take the service lock: {error}") from error
    if not taken:
        holder = _advisory_holder(connection)
        connection.close()
        engine.dispose()
        raise StoreLockedError(_refusal(holder, "a PostgreSQL advisory lock"))

    def release() -> None:
        with contextlib.suppress(SQLAlchemyError):
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            connection.close()
        engine.dispose()

    return ServiceLock(release, "a PostgreSQL advisory lock")


def _label(holder: Holder) -> str:
    """``eduwatch run|<pid>|<since>|<host>``, the host cut to fit PostgreSQL's 63 characters."""
    head = f"{APPLICATION}|{holder.pid}|{holder.since}|"
    return head + holder.host[: NAME_LIMIT - len(head)]


def _advisory_holder(connection: Any) -> Holder | None:
    row = connection.execute(
        text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
            " AND l.classid = :high AND l.objid = :low"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ),
        {"high": ADVISORY_KEY >> 32, "low": ADVISORY_KEY & 0xFFFF_FFFF},
    ).first()
    if row is None or not str(row[0]).startswith(APPLICATION + "|"):
        return None
    parts = str(row[0])[len(APPLICATION) + 1 :].split("|", 2)
    if len(parts) != 3 or not parts[0].isdigit():
        return None
    return Holder(parts[2], int(parts[0]), parts[1])


def _refusal(holder: Holder | None, where: str) -> str:
    who = f"({holder})" if holder is not None else "(who, it does not say)"
    return f"another eduwatch run uses this store {who}; {where} is held until it stops"
