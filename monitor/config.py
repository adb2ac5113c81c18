"""`config/eduwatch.yaml` -> typed ``ServiceConfig``; the only reader of environment variables.

The database URL: `database.url` in the file, default ``sqlite:///data/eduwatch.sqlite``. A relative
SQLite path is relative to the parent of the configuration folder (``./config`` -> ``./data/...``);
``sqlite:////abs/path.sqlite`` is absolute. ``$EDUWATCH_DATABASE_URL`` overrides the file and is
taken as SQLAlchemy reads it (a relative SQLite path there is relative to the working directory).
``$EDUWATCH_CONFIG`` (the folder) is read by ``monitor.cli``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from crawler.siteconfig.messages import describe, key_text
from crawler.siteconfig.yamldoc import YamlSyntaxError, parse_yaml
from crawler.sites import FILE_KEY
from crawler.sites import ConfigError as Problem
from monitor.errors import ConfigError

CONFIG_FILE = "eduwatch.yaml"
DATABASE_URL_ENV = "EDUWATCH_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///data/eduwatch.sqlite"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: Any) -> Any:
    """``"3d"``, ``"12h"``, ``"2w"``, ``"90m"``, ``"30s"`` -> timedelta; other values pass on."""
    if isinstance(value, str):
        match = _DURATION.match(value)
        if not match:
            raise ValueError("expected a duration such as 3d, 12h, 2w, 90m or 30s")
        return timedelta(seconds=float(match[1]) * _DURATION_UNITS[match[2]])
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSection(_Section):
    url: str = DEFAULT_DATABASE_URL


class RetentionSection(_Section):
    """History kept: versions and events younger than `days`, at most `max_versions` an article."""

    days: int = Field(default=365, ge=1)
    max_versions: int = Field(default=50, ge=1)


class RevisionsSection(_Section):
    """Re-checks: every crawl for articles on the first list page or younger than `recheck_days`;
    older ones once every `older_every_days`, at most `older_per_crawl` of them a crawl."""

    recheck_days: int = Field(default=30, ge=0)
    older_every_days: int = Field(default=7, ge=1)
    older_per_crawl: int = Field(default=200, ge=0)


class AlertsSection(_Section):
    failing_after: int = Field(default=3, ge=1)


class StaleSection(_Section):
    """Stale: no new article for longer than max(floor, multiplier x the site's usual gap), where
    the usual gap is the `percentile` of the gaps between its articles (needs `min_articles`)."""

    floor: Duration = timedelta(days=3)
    percentile: float = Field(default=90.0, gt=0, le=100)
    multiplier: float = Field(default=2.0, ge=1)
    min_articles: int = Field(default=5, ge=3)


class ServiceConfig(_Section):
    database: DatabaseSection = DatabaseSection()
    retention: RetentionSection = RetentionSection()
    revisions: RevisionsSection = RevisionsSection()
    alerts: AlertsSection = AlertsSection()
    stale: StaleSection = StaleSection()


def load_config(config_dir: Path, environ: Mapping[str, str] | None = None) -> ServiceConfig:
    """Read ``<config_dir>/eduwatch.yaml`` (defaults when absent) with the database URL resolved;
    ConfigError lists every problem as ``file:line: key: what was expected``."""
    path = config_dir / CONFIG_FILE
    config, problems = read_config_file(path) if path.is_file() else (ServiceConfig(), [])
    if config is None:
        raise ConfigError(problems)
    url = resolve_database_url(config.database.url, config_dir, environ, path)
    return config.model_copy(update={"database": DatabaseSection(url=url)})


def check_service_config(config_dir: Path) -> tuple[str | None, tuple[Problem, ...]]:
    """For `eduwatch check-config`: a summary part and every problem of eduwatch.yaml."""
    path = config_dir / CONFIG_FILE
    if not path.is_file():
        return f"{CONFIG_FILE}: absent, defaults apply", ()
    config, problems = read_config_file(path)
    if config is None:
        return None, tuple(problems)
    backend = config.database.url.split(":", 1)[0].split("+", 1)[0]
    return f"{CONFIG_FILE}: {backend} database", ()


def read_config_file(path: Path) -> tuple[ServiceConfig | None, list[Problem]]:
    """Parse and validate one eduwatch.yaml: the config, or None and every problem found."""

    def fail(line: int | None, key: str, message: str) -> tuple[None, list[Problem]]:
        return None, [Problem(path, line, key, message)]

    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        return fail(None, FILE_KEY, f"expected a readable file ({error.strerror})")
    except UnicodeDecodeError:
        return fail(None, FILE_KEY, "expected UTF-8 text (is it saved as GBK?)")
    try:
        document = parse_yaml(text)
    except YamlSyntaxError as error:
        return fail(error.line, FILE_KEY, f"expected valid YAML: {error.problem}")
    if document.data is None:
        return ServiceConfig(), []
    if not isinstance(document.data, dict):
        expected = "expected a mapping of sections (database, retention, revisions, alerts, stale)"
        return fail(document.line_of(()), FILE_KEY, expected)
    problems = [
        Problem(path, line, key_text(loc), "expected each key once; YAML keeps the last")
        for loc, line in document.duplicate_keys
    ]
    try:
        config = ServiceConfig.model_validate(document.data)
    except ValidationError as error:
        for detail in error.errors(include_url=False):
            loc = tuple(detail["loc"])
            message = describe(detail, ServiceConfig)
            problems.append(Problem(path, document.line_of(loc), key_text(loc), message))
        return None, problems
    return (None, problems) if problems else (config, [])


def resolve_database_url(
    configured: str,
    config_dir: Path,
    environ: Mapping[str, str] | None = None,
    path: Path | None = None,
) -> str:
    """The URL to open: the environment's, else the configured one with its SQLite path anchored."""
    env = os.environ if environ is None else environ
    if env.get(DATABASE_URL_ENV):
        return env[DATABASE_URL_ENV]
    try:
        url = make_url(configured)
    except ArgumentError as error:
        where = path or config_dir / CONFIG_FILE
        raise ConfigError([Problem(where, None, "database.url", str(error))]) from None
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return configured
    if database.startswith("file:") or Path(database).is_absolute():
        return configured
    anchored = (config_dir.resolve().parent / database).as_posix()
    return url.set(database=anchored).render_as_string(hide_password=False)
