"""Databases for the store tests: a SQLite file per test, and the machine's real PostgreSQL.

PostgreSQL: one fresh database (`eduwatch_test_<random>`) per test session, migrated once,
emptied before each test and dropped at the end. When the server is not reachable the tests
FAIL (CI has it; `scripts/services postgres` starts it), they never skip.

tests/conftest.py registers this module as a plugin: a test asks for `database_url` (run on both
databases) or `store` (an open, migrated store on it).
"""

from __future__ import annotations

import getpass
import os
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError

from crawler.normalize import NORMALIZER_VERSION, Article, Attachment
from monitor.config import ServiceConfig
from monitor.ingest import (
    IngestResult,
    RunOutcome,
    SiteRef,
    finish_run,
    ingest_article,
    record_listing,
    start_run,
)
from monitor.store import Store, make_engine, upgrade
from monitor.store.models import Base, Event
from monitor.store.runs import RunStatus

BACKENDS = ("sqlite", "postgresql")
# Where to create the test database; `EDUWATCH_TEST_POSTGRES` names another server.
# The server's maintenance database `postgres` exists on every installation; the test run creates
# its own database from there.
ADMIN_URLS = (
    "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres",
    f"postgresql+psycopg2://{getpass.getuser()}@127.0.0.1:5432/postgres",
)
_PG_DATABASE = pytest.StashKey[str]()


def postgres_url(config: pytest.Config) -> str:
    """The URL of this session's PostgreSQL test database, created and migrated on first use."""
    url = config.stash.get(_PG_DATABASE, None)
    if url is not None:
        return url
    admin = _reachable_admin_url()
    name = f"eduwatch_test_{secrets.token_hex(4)}"
    _admin_execute(admin, f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    url = admin.set(database=name).render_as_string(hide_password=False)
    config.add_cleanup(
        lambda: _admin_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    )
    upgrade(url)
    config.stash[_PG_DATABASE] = url
    return url


def _reachable_admin_url() -> URL:
    candidates = (
        [os.environ["EDUWATCH_TEST_POSTGRES"]] if "EDUWATCH_TEST_POSTGRES" in os.environ else []
    )
    problems = []
    for candidate in [*candidates, *ADMIN_URLS]:
        engine = create_engine(candidate, connect_args={"connect_timeout": 5})
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return make_url(candidate)
        except OperationalError as error:
            problems.append(f"{make_url(candidate).render_as_string()}: {error.orig}")
        finally:
            engine.dispose()
    pytest.fail(
        "PostgreSQL is not reachable on 127.0.0.1:5432 and the store tests need it "
        "(start it with `scripts/services postgres`, or set EDUWATCH_TEST_POSTGRES):\n"
        + "\n".join(problems),
        pytrace=False,
    )


def _admin_execute(admin: URL, statement: str) -> None:
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def empty_postgres(url: str) -> None:
    """Delete every row of every table, ids restarting at 1."""
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


def fresh_database_url(backend: str, config: pytest.Config, tmp_path: Path) -> str:
    """An empty, migrated database of ``backend``."""
    if backend == "postgresql":
        url = postgres_url(config)
        empty_postgres(url)
        return url
    url = f"sqlite:///{tmp_path / 'eduwatch.sqlite'}"
    upgrade(url)
    return url


@pytest.fixture(name="database_url", params=BACKENDS)
def database_url_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty, migrated database, once per backend."""
    return fresh_database_url(request.param, request.config, tmp_path)


@pytest.fixture(name="store")
def store_fixture(database_url: str) -> Iterator[Store]:
    """An open store on an empty database (default service configuration)."""
    store = Store(make_engine(database_url), ServiceConfig())
    yield store
    store.close()


# --- articles and crawls, for the store and ingest tests ---------------------------------------

T0 = datetime(2024, 6, 18, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
SITE = SiteRef(id="jyt-shanxi", name="山西省教育厅", authority="山西", rules_hash="rules-v1")
COLUMN = "通知公告"
BASE_URL = "http://jyt.shanxi.gov.cn/xwzx/tzgg/202406/"


def notice(
    number: int,
    paragraphs: tuple[str, ...] | None = None,
    *,
    title: str | None = None,
    url: str | None = None,
    published_at: str | None = "2024-06-18",
    attachments: tuple[Attachment, ...] = (),
    images: tuple[str, ...] = (),
) -> Article:
    """A notice of 山西省教育厅, numbered so that each one is a different article."""
    body = paragraphs or (
        f"各市教育局：为做好2024年第{number}批普通高校招生工作，现将有关事项通知如下。",
        "一、高度重视，加强组织领导。各地要把招生工作摆在突出位置。",
        "二、严格规范，确保公平公正。严禁任何形式的违规招生行为。",
    )
    return Article(
        url=url or f"{BASE_URL}t20240618_{number}.shtml",
        title=title or f"关于做好2024年普通高校招生工作的通知（第{number}号）",
        paragraphs=body,
        published_at=published_at,
        source="山西省教育厅",
        document_number=f"晋教办〔2024〕{number}号",
        attachments=attachments,
        images=images,
        method="site",
    )


@dataclass
class Crawl:
    """One crawl run of a site, as the pipeline drives it."""

    store: Store
    site: SiteRef = SITE
    now: datetime = T0
    normalizer_version: str = NORMALIZER_VERSION
    run_id: int = 0
    results: list[IngestResult] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.run_id = start_run(
            self.store, self.site, now=self.now, normalizer_version=self.normalizer_version
        )

    def ingest(self, article: Article, column: str = COLUMN, **kwargs: Any) -> IngestResult:
        result = ingest_article(
            self.store, self.site, column, "notice", article, self.now, self.run_id,
            normalizer_version=self.normalizer_version, **kwargs,
        )  # fmt: skip
        self.results.append(result)
        return result

    def listing(self, seen: Iterable[str], gone: dict[str, int] | None = None) -> None:
        record_listing(self.store, self.run_id, COLUMN, seen, gone or {})

    def finish(self, status: RunStatus = "ok", error: str | None = None) -> RunOutcome:
        return finish_run(self.store, self.run_id, status, {"items": 1}, error, now=self.now)


def crawl(
    store: Store,
    articles: Iterable[Article],
    now: datetime,
    *,
    site: SiteRef = SITE,
    normalizer_version: str = NORMALIZER_VERSION,
    listed: Iterable[str] | None = None,
    gone: dict[str, int] | None = None,
    status: RunStatus = "ok",
) -> tuple[list[IngestResult], RunOutcome]:
    """A whole run: ingest the articles, record the list (their URLs unless given), finish."""
    articles = list(articles)
    run = Crawl(store, site, now, normalizer_version)
    for article in articles:
        run.ingest(article)
    run.listing(listed if listed is not None else [a.url for a in articles], gone)
    return run.results, run.finish(status)


def events(store: Store, kind: str | None = None) -> list[Event]:
    with store.transaction() as session:
        query = select(Event).order_by(Event.id)
        if kind is not None:
            query = query.where(Event.kind == kind)
        return list(session.scalars(query))


def count(store: Store, model: type[Base]) -> int:
    with store.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)
