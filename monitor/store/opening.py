"""Opening the store: the one place that turns a configuration into an open, migrated store.

The database URL is the configuration's (``monitor.config`` derives it: the file, else
``$EDUWATCH_DATABASE_URL``) unless a caller names another one; migrations are checked once per
process and database (a crawl worker opens its store many times, the check runs once).

    store = open_configured(config)              # the configured store, migrated
    store = open_store(url, config)              # another database, same rules
"""

from __future__ import annotations

import threading

from sqlalchemy import Engine

from monitor.config import ServiceConfig
from monitor.store.engine import Store, make_engine
from monitor.store.migrate import upgrade_engine

_migrated: set[str] = set()
_lock = threading.Lock()


def database_url(config: ServiceConfig, override: str | None = None) -> str:
    """The database a command works on: ``override`` (a `--database`), else the configured."""
    return override or config.database.url


def open_configured(config: ServiceConfig, override: str | None = None) -> Store:
    """The configured store (or ``override``'s), migrated once per process."""
    return open_store(database_url(config, override), config)


def open_store(
    url: str | None = None, config: ServiceConfig | None = None, *, upgrade: bool = True
) -> Store:
    """Open the store at ``url`` (default: the config's), migrated to the latest schema."""
    config = config or ServiceConfig()
    engine = make_engine(database_url(config, url))
    if upgrade:
        ensure_migrated(engine)
    return Store(engine, config)


def ensure_migrated(engine: Engine) -> None:
    """Migrate the database to the head revision, the first time this process opens it."""
    key = engine.url.render_as_string(hide_password=False)
    with _lock:
        if key in _migrated:
            return
        upgrade_engine(engine)
        _migrated.add(key)


def upgrade(url: str, revision: str = "head") -> str | None:
    """`eduwatch db upgrade`: migrate the database at ``url``; returns the revision reached."""
    engine = make_engine(url)
    try:
        return upgrade_engine(engine, revision)
    finally:
        engine.dispose()
