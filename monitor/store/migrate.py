"""Alembic configured in code: the scripts live in monitor/store/migrations, no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from monitor.errors import StoreError

MIGRATIONS = Path(__file__).resolve().with_name("migrations")
# Any constant: PostgreSQL advisory lock held while migrating, so two starting workers queue.
_MIGRATION_LOCK = 0x65647577


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic Config pointing at our scripts; ``connection`` is the one to migrate."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise StoreError("no migration scripts found in " + str(MIGRATIONS))
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_engine(engine: Engine, revision: str = "head") -> str | None:
    """Migrate the database to ``revision`` in one transaction; returns the revision reached."""
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                )
            command.upgrade(alembic_config(connection), revision)
    except SQLAlchemyError as error:
        url = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"cannot migrate the database {url}: {error}") from error
    return current_revision(engine)
