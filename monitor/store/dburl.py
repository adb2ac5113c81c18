"""What is wrong with a database URL before anything is opened, and opening it to be sure.

    problems = url_problems("postgresql+asyncpg://db/eduwatch")   # [] when usable
    say = probe(url)       # `--connect`: "reachable, at revision 0004" or StoreError

The checks: the URL parses, its backend is SQLite or PostgreSQL, its driver is installed, and a
SQLite file's folder is writable (or can be created). ``missing(url)`` tells a database that
does not exist yet, for the commands that read one and must not create it.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError

from crawler.siteconfig.errors import ConfigError as Problem
from crawler.siteconfig.yamldoc import YamlSyntaxError, parse_yaml
from monitor.errors import StoreError

BACKENDS = ("sqlite", "postgresql")
DRIVER_PACKAGES = {"psycopg2": "psycopg2-binary", "psycopg": "psycopg[binary]", "pg8000": "pg8000"}
EXAMPLES = "sqlite:///data/eduwatch.sqlite or postgresql+psycopg2://user@host/eduwatch"


def url_problems(url: str) -> list[str]:
    """Every reason ``url`` cannot be used, as 'expected ...' messages (none: it looks usable)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return [f"expected a database URL such as {EXAMPLES}, got {url!r}"]
    backend = parsed.get_backend_name()
    if backend not in BACKENDS:
        return [f"expected a sqlite or postgresql URL, got {backend!r} ({EXAMPLES})"]
    problems = _driver_problems(parsed)
    if backend == "sqlite":
        problems += _folder_problems(parsed)
    return problems


def config_problems(config_dir: Path, url: str) -> list[Problem]:
    """``url_problems`` as configuration problems: ``eduwatch.yaml:line: database.url: ...``
    (the key names $EDUWATCH_DATABASE_URL when that is where the URL comes from)."""
    from monitor.config import CONFIG_FILE, DATABASE_URL_ENV

    path = config_dir / CONFIG_FILE
    key = "database.url"
    if os.environ.get(DATABASE_URL_ENV):
        key = f"database.url (${DATABASE_URL_ENV})"
    found = url_problems(url)
    line = url_line(config_dir) if found else None
    return [Problem(path, line, key, message) for message in found]


def url_line(config_dir: Path) -> int | None:
    """The line of ``database.url`` in the folder's eduwatch.yaml, if it is there."""
    from monitor.config import CONFIG_FILE

    try:
        document = parse_yaml((config_dir / CONFIG_FILE).read_text("utf-8-sig"))
    except (OSError, UnicodeDecodeError, YamlSyntaxError):
        return None
    return document.line_of(("database", "url"))


def _driver_problems(parsed: URL) -> list[str]:
    driver = parsed.get_driver_name()
    try:
        dialect = parsed.get_dialect()
    except NoSuchModuleError:
        return [f"expected a known {parsed.get_backend_name()} driver, got {driver!r}"]
    try:
        dialect.import_dbapi()
    except ImportError:
        package = DRIVER_PACKAGES.get(driver, driver)
        return [f"expected the driver {driver} to be installed (pip install {package})"]
    return []


def sqlite_path(parsed: URL) -> Path | None:
    """The file of a SQLite URL; None for an in-memory or URI one."""
    database = parsed.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _folder_problems(parsed: URL) -> list[str]:
    path = sqlite_path(parsed)
    if path is None:
        return []
    if path.exists():
        if path.is_dir():
            return [f"expected a database file, {path} is a folder"]
        if not os.access(path, os.R_OK | os.W_OK):
            return [f"expected {path} to be readable and writable by this user"]
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        return [f"expected a folder for the database, {folder} is a file"]
    if not os.access(folder, os.W_OK | os.X_OK):
        return [
            f"expected the folder {folder} to be writable (the database and its lock live there)"
        ]
    return []


def missing(url: str) -> str | None:
    """Why the database at ``url`` does not exist yet (None: it does, or cannot be told here)."""
    parsed = make_url(url)
    path = sqlite_path(parsed) if parsed.get_backend_name() == "sqlite" else None
    if path is not None and not path.exists():
        return f"no database at {path}: nothing has run on it yet (eduwatch run creates it)"
    return None


def describe_connect_error(url: str | URL, error: SQLAlchemyError) -> str:
    """A connection failure in a line: a PostgreSQL database that does not exist says so."""
    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    if isinstance(error, OperationalError) and "does not exist" in str(error.orig):
        return f"the database {parsed.database!r} does not exist on the server ({shown})"
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    return f"cannot connect to {shown}: {reason}"


def probe(url: str) -> str:
    """`check-config --connect`: open the database and say where it stands; StoreError if not."""
    from monitor.store.engine import make_engine
    from monitor.store.migrate import current_revision

    absent = missing(url)
    if absent is not None:
        return absent.split(":", 1)[0] + " yet; its folder is writable, the first start creates it"
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        revision = current_revision(engine)
    except SQLAlchemyError as error:
        raise StoreError(describe_connect_error(url, error)) from error
    finally:
        engine.dispose()
    return f"reachable, schema at revision {revision}" if revision else "reachable, empty"
