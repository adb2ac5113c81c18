"""Alembic environment: runs on the connection ``monitor.store.migrate`` hands over."""

from __future__ import annotations

from alembic import context

from monitor.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run eduwatch migrations through monitor.store.migrate (eduwatch db upgrade)"
    )
context.configure(connection=connection, target_metadata=Base.metadata)
with context.begin_transaction():
    context.run_migrations()
