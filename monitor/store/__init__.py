"""The store: SQLAlchemy models, engine and sessions, repository functions, Alembic migrations.

Open it with ``open_configured(load_config(config_dir))`` (migrated once per process) and work in
``with store.transaction() as session: ...``.
"""

from monitor.store.engine import Store, make_engine
from monitor.store.migrate import current_revision, head_revision, upgrade_engine
from monitor.store.opening import database_url, open_configured, open_store, upgrade

__all__ = [
    "Store",
    "current_revision",
    "database_url",
    "head_revision",
    "make_engine",
    "open_configured",
    "open_store",
    "upgrade",
    "upgrade_engine",
]
