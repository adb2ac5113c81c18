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

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from crawler.siteconfig.errors import Loc, rule_errors
from crawler.siteconfig.messages import describe, key_text
from crawler.siteconfig.yamldoc import YamlSyntaxError, parse_yaml
from crawler.sites import FILE_KEY
from crawler.sites import ConfigError as Problem
from monitor.alerts.channels.secrets import SecretRef
from monitor.alerts.subscribers import (
    SUBSCRIBERS_FILE,
    ChannelSpec,
    SubscribersConfig,
    environment_of,
)
from monitor.alerts.subscribers import read_subscribers as _read_subscribers
from monitor.errors import ConfigError
from monitor.web.address import parse_listen

CONFIG_FILE = "eduwatch.yaml"
DATABASE_URL_ENV = "EDUWATCH_DATABASE_URL"
REDIS_URL_ENV = "EDUWATCH_REDIS_URL"
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


class OperatorSection(_Section):
    """The operator's channels (same kinds and options as a subscriber's): failing, recovered
    and stale sites, failing and recovered channels, the service starting and stopping.
    Subscribers never hear of those."""

    channels: tuple[ChannelSpec, ...] = ()

    @model_validator(mode="after")
    def _check_channels(self, info: ValidationInfo) -> OperatorSection:
        seen: set[str] = set()
        environ = environment_of(info)
        problems: list[tuple[Loc, str]] = []
        for index, spec in enumerate(self.channels):
            if spec.label in seen:
                message = f"expected a unique channel name; {spec.label!r} is taken (set name:)"
                problems.append((("channels", index), message))
            seen.add(spec.label)
            for loc, message in spec.check_environment(environ) if environ is not None else []:
                problems.append((("channels", index, *loc), message))
        if problems:
            raise rule_errors("operator", problems)
        return self

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(secret for spec in self.channels for secret in spec.secrets)


class SchedulerSection(_Section):
    """When crawls run: each site on its own schedule, a random `jitter` later; after a start,
    overdue sites are spread over `stagger`; a run late by up to `misfire_grace` (a stall, a
    restart) still runs, once; at most `max_crawls` crawls at a time, each killed (and recorded
    as failed) after `crawl_timeout`."""

    jitter: Duration = timedelta(minutes=2)
    stagger: Duration = timedelta(minutes=5)
    misfire_grace: Duration = timedelta(minutes=30)
    max_crawls: int = Field(default=2, ge=1, le=32)
    crawl_timeout: Duration = timedelta(hours=1)


class OutboxSection(_Section):
    """How alerts are sent: `workers` at a time, the store polled every `poll`; a failed send is
    retried after `retry_base` x 2^n (jittered, at most `retry_max`) and is dead after
    `max_attempts`; one attempt may take `send_timeout`, a worker's claim lasts `lease`. A
    channel that fails backs off as a whole (same steps); after `channel_failing_after`
    failures in a row the operator is told, once, and once more when it recovers."""

    workers: int = Field(default=4, ge=1, le=64)
    poll: Duration = timedelta(seconds=0.5)
    max_attempts: int = Field(default=8, ge=1, le=100)
    retry_base: Duration = timedelta(seconds=30)
    retry_max: Duration = timedelta(hours=6)
    send_timeout: Duration = timedelta(seconds=60)
    lease: Duration = timedelta(minutes=5)
    channel_failing_after: int = Field(default=3, ge=1)


class WebSection(_Section):
    """The web dashboard, API, feeds and metrics (monitor.web): served by `eduwatch run` on
    `listen` (HOST:PORT) when set. `token` (a ``${NAME}`` reference) is the operator token: it
    authorizes retries and is required, for everything but /healthz, on a non-loopback address."""

    listen: str | None = None
    token: SecretRef | None = None

    @model_validator(mode="after")
    def _check_listen(self, info: ValidationInfo) -> WebSection:
        if self.listen is None:
            return self
        try:
            address = parse_listen(self.listen)
        except ValueError as error:
            raise rule_errors("web", [(("listen",), str(error))]) from None
        if not address.loopback and self.token is None:
            message = "expected a token (${NAME}) to listen on a non-loopback address"
            raise rule_errors("web", [(("token",), message)])
        environ = environment_of(info)
        name = (self.token or "")[2:-1]
        if environ is not None and name and not environ.get(name):
            raise rule_errors("web", [(("token",), f"expected the environment variable {name}")])
        return self

    def token_value(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The operator token from the environment (None when none is configured or set)."""
        env = os.environ if environ is None else environ
        return env.get(self.token[2:-1]) or None if self.token else None


class RedisSection(_Section):
    """Distributed mode, when `url` is set (or $EDUWATCH_REDIS_URL): `eduwatch worker`s crawl
    what the leading `eduwatch run` puts into Redis (monitor/distributed). Keys start with
    `prefix`; the leader's lock lives `leader_ttl` unless renewed; a worker silent for
    `worker_ttl` is dead and the requests it had taken go back to the queue."""

    url: str | None = None
    prefix: str = Field(default="eduwatch", pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    leader_ttl: Duration = timedelta(seconds=15)
    worker_ttl: Duration = timedelta(seconds=15)
    concurrency: int = Field(default=16, ge=1, le=256)  # requests in flight per worker


class ServiceConfig(_Section):
    database: DatabaseSection = DatabaseSection()
    retention: RetentionSection = RetentionSection()
    revisions: RevisionsSection = RevisionsSection()
    alerts: AlertsSection = AlertsSection()
    stale: StaleSection = StaleSection()
    operator: OperatorSection = OperatorSection()
    scheduler: SchedulerSection = SchedulerSection()
    outbox: OutboxSection = OutboxSection()
    web: WebSection = WebSection()
    redis: RedisSection = RedisSection()

    @property
    def distributed(self) -> bool:
        return bool(self.redis.url)


def load_config(
    config_dir: Path, environ: Mapping[str, str] | None = None, *, secrets: bool = False
) -> ServiceConfig:
    """Read ``<config_dir>/eduwatch.yaml`` (defaults when absent) with the database URL resolved;
    ConfigError lists every problem as ``file:line: key: what was expected``. With ``secrets``
    the channels' ``${NAME}`` references are resolved (an unset one is an error)."""
    path = config_dir / CONFIG_FILE
    env = os.environ if environ is None else environ
    config, problems = (
        read_config_file(path, env if secrets else None)
        if path.is_file()
        else (ServiceConfig(), [])
    )
    if config is None:
        raise ConfigError(problems)
    url = resolve_database_url(config.database.url, config_dir, environ, path)
    redis = config.redis.model_copy(update={"url": env.get(REDIS_URL_ENV) or config.redis.url})
    if redis.url and make_url(url).get_backend_name() == "sqlite":
        raise ConfigError([_sqlite_refused(path)])
    return config.model_copy(update={"database": DatabaseSection(url=url), "redis": redis})


def _sqlite_refused(path: Path) -> Problem:
    message = "expected PostgreSQL as database.url: distributed mode (redis.url) shares one"
    return Problem(path, None, "redis.url", f"{message} store, not SQLite")


def check_service_config(config_dir: Path) -> tuple[str | None, tuple[Problem, ...]]:
    """For `eduwatch check-config`: a summary part and every problem of eduwatch.yaml."""
    path = config_dir / CONFIG_FILE
    if not path.is_file():
        return f"{CONFIG_FILE}: absent, defaults apply", ()
    config, problems = read_config_file(path, os.environ)
    if config is None:
        return None, tuple(problems)
    url = os.environ.get(DATABASE_URL_ENV) or config.database.url
    backend = url.split(":", 1)[0].split("+", 1)[0]
    if (os.environ.get(REDIS_URL_ENV) or config.redis.url) and backend == "sqlite":
        return None, (_sqlite_refused(path),)
    mode = ", distributed (Redis)" if config.redis.url else ""
    return f"{CONFIG_FILE}: {backend} database{mode}", ()


def read_config_file(
    path: Path, environ: Mapping[str, str] | None = None
) -> tuple[ServiceConfig | None, list[Problem]]:
    """Parse and validate one eduwatch.yaml: the config, or None and every problem found;
    ``environ`` resolves the channels' ``${NAME}`` references (None: they are kept)."""

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
        expected = f"expected a mapping of sections ({', '.join(ServiceConfig.model_fields)})"
        return fail(document.line_of(()), FILE_KEY, expected)
    problems = [
        Problem(path, line, key_text(loc), "expected each key once; YAML keeps the last")
        for loc, line in document.duplicate_keys
    ]
    try:
        config = ServiceConfig.model_validate(document.data, context={"environ": environ})
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
    except ArgumentError:
        where = path or config_dir / CONFIG_FILE
        message = f"expected a database URL such as {DEFAULT_DATABASE_URL}, got {configured!r}"
        raise ConfigError([Problem(where, None, "database.url", message)]) from None
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return configured
    if database.startswith("file:") or Path(database).is_absolute():
        return configured
    anchored = (config_dir.resolve().parent / database).as_posix()
    return url.set(database=anchored).render_as_string(hide_password=False)


def load_subscribers(
    config_dir: Path,
    environ: Mapping[str, str] | None = None,
    *,
    secrets: bool = False,
    known_sites: Mapping[str, str] | None = None,
) -> SubscribersConfig:
    """Read ``<config_dir>/subscribers.yaml`` (none when absent); with ``secrets`` the channels'
    ``${NAME}`` references are resolved from the environment. ConfigError lists every problem."""
    env = os.environ if environ is None else environ
    path = config_dir / SUBSCRIBERS_FILE
    config, problems = _read_subscribers(path, env if secrets else None, known_sites)
    if config is None:
        raise ConfigError(problems)
    return config


def check_subscribers_config(
    config_dir: Path, known_sites: Mapping[str, str] | None
) -> tuple[str | None, tuple[Problem, ...]]:
    """For `eduwatch check-config`: the subscribers file with its secrets and site references;
    the summary names the active subscribers (none: nothing said)."""
    path = config_dir / SUBSCRIBERS_FILE
    if not path.is_file():
        return None, ()
    config, problems = _read_subscribers(path, os.environ, known_sites)
    if config is None:
        return None, tuple(problems)
    active = len(config.active)
    if not active:  # nothing to say, as for an absent file
        return None, ()
    return f"{SUBSCRIBERS_FILE}: {active} active subscriber{'' if active == 1 else 's'}", ()
