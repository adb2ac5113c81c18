"""The store: SQLAlchemy models, engine and sessions, repository functions, Alembic migrations.

Open it with ``open_store(config=load_config(config_dir))`` (migrates on open) and work in
``with store.transaction() as session: ...``.
"""

from monitor.store.engine import Store, make_engine, open_store
from monitor.store.migrate import current_revision, head_revision, upgrade, upgrade_engine

__all__ = [
    "Store",
    "current_revision",
    "head_revision",
    "make_engine",
    "open_store",
    "upgrade",
    "upgrade_engine",
]
