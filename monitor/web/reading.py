"""Sessions that only read: the dashboard never writes, except the operator's retry (which goes
through the store's own transaction). On SQLite a reader opens a deferred transaction on a
`query_only` connection: it never takes the write lock the crawls need (the store's own
transactions begin IMMEDIATE), and in WAL mode it reads one snapshot while they write."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from monitor.store import Store
from monitor.store.engine import SQLITE_BUSY_TIMEOUT_MS


def read_sessions(store: Store) -> sessionmaker[Session]:
    if store.dialect != "sqlite":
        return store.sessions
    engine = create_engine(
        store.engine.url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    )
    event.listen(engine, "connect", _reader_connect)
    event.listen(engine, "begin", _deferred_begin)
    return sessionmaker(engine, expire_on_commit=False)


def _reader_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _deferred_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")
