"""The store itself: migrations, engines, timestamps, identity, retention, configuration."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from crawler.urls import canonical_url, url_key
from monitor.config import DATABASE_URL_ENV, ServiceConfig, check_service_config, load_config
from monitor.errors import ConfigError
from monitor.store import Store, current_revision, head_revision, make_engine, open_store
from monitor.store.models import ArticleVersion, Base, Event, Site, StoredArticle
from monitor.store.retention import prune
from tests.db import (
    SITE,
    T0,
    crawl,
    events,
    notice,
)
from tests.paths import ROOT

DAY = timedelta(days=1)


# --- schema --------------------------------------------------------------------------------------


def test_migrations_build_exactly_the_models(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    assert current_revision(store.engine) == head_revision()


def test_opening_migrates_and_a_second_open_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'deep' / 'folder' / 'eduwatch.sqlite'}"
    store = open_store(url)
    store.close()
    store = open_store(url)
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    assert current_revision(store.engine) == head_revision()
    store.close()


def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(Exception, match=r"(?i)foreign key"), store.transaction() as session:
        session.add(
            Event(
                kind="site_stale",
                site_id="no-such-site",
                created_at=T0,
                payload={},
                dedupe_key="k",
            )
        )
        session.flush()


def test_timestamps_are_aware_and_utc(store: Store) -> None:
    shanghai = datetime(2024, 6, 18, 17, 32, tzinfo=ZoneInfo("Asia/Shanghai"))
    crawl(store, [notice(1)], shanghai)
    with store.transaction() as session:
        article = session.scalars(select(StoredArticle)).one()
    assert article.first_seen == shanghai and article.first_seen.tzinfo == UTC
    assert article.first_seen.hour == 9
    with pytest.raises(Exception, match="naive"), store.transaction() as session:
        site = session.get(Site, SITE.id)
        assert site is not None
        site.baselined_at = datetime(2024, 6, 18)
        session.flush()


def test_chinese_text_round_trips(store: Store) -> None:
    article = notice(1, ("　　关于《通知》的“说明”：〔2024〕12号，①②③，全角，ＡＢＣ。",))
    crawl(store, [article], T0)
    with store.transaction() as session:
        version = session.scalars(select(ArticleVersion)).one()
    assert version.paragraphs == list(article.paragraphs)
    assert version.text == article.text and version.title == article.title


# --- identity ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (
            "HTTP://Jyt.Shanxi.gov.cn:80/xwzx/t1.shtml?utm_source=wx&utm_medium=a#top",
            "http://jyt.shanxi.gov.cn/xwzx/t1.shtml",
        ),
        ("https://www.moe.gov.cn:443", "https://www.moe.gov.cn/"),
        ("http://x.gov.cn:8080/a?id=3&page=2&spm=1.2", "http://x.gov.cn:8080/a?id=3&page=2"),
        ("http://x.gov.cn/a?page=2&id=3&from=groupmessage", "http://x.gov.cn/a?id=3&page=2"),
        (
            "http://x.gov.cn/s?title=%E9%80%9A%E7%9F%A5&c=1",
            "http://x.gov.cn/s?c=1&title=%E9%80%9A%E7%9F%A5",
        ),
        ("http://x.gov.cn/col?123", "http://x.gov.cn/col?123"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_url_key_folds_the_scheme_but_not_the_query() -> None:
    assert url_key("http://x.gov.cn/a?id=1") == url_key("https://x.gov.cn/a?id=1#x")
    assert url_key("http://x.gov.cn/a?id=1") != url_key("http://x.gov.cn/a?id=2")


# --- retention -----------------------------------------------------------------------------------


def test_prune_keeps_articles_and_current_versions(store: Store) -> None:
    bodies = [(f"各市教育局：第{n}次修订的内容。",) for n in range(6)]
    crawl(store, [notice(1), notice(2)], T0)
    for n, body in enumerate(bodies, start=1):
        crawl(store, [notice(1, body), notice(2)], T0 + n * 100 * DAY)
    assert [e.kind for e in events(store)] == ["revised"] * 6
    now = T0 + 700 * DAY
    config = ServiceConfig.model_validate({"retention": {"days": 365, "max_versions": 2}})
    with store.transaction() as session:
        report = prune(session, now, config.retention)
    with store.transaction() as session:
        kept = session.scalars(select(ArticleVersion.paragraphs).order_by(ArticleVersion.id)).all()
        articles = session.scalars(select(StoredArticle)).all()
        current = {a.current_version_id for a in articles}
        assert current <= set(session.scalars(select(ArticleVersion.id)))
    assert len(articles) == 2
    # notice 1: the versions of days 500 and 600 (the last two); notice 2: its only version
    assert kept == [list(notice(2).paragraphs), list(bodies[4]), list(bodies[5])]
    assert report.versions == 5
    assert [e.created_at for e in events(store)] == [T0 + 400 * DAY, T0 + 500 * DAY, T0 + 600 * DAY]
    assert report.events == 3 and report.runs >= 4


# --- configuration -------------------------------------------------------------------------------


def test_the_shipped_eduwatch_yaml_loads() -> None:
    config = load_config(ROOT / "config", environ={})
    assert config == ServiceConfig(database=config.database)
    assert config.database.url == f"sqlite:///{(ROOT / 'data' / 'eduwatch.sqlite').as_posix()}"


def test_defaults_without_a_file_and_relative_sqlite_paths(tmp_path: Path) -> None:
    config_dir = tmp_path / "conf"
    config_dir.mkdir()
    config = load_config(config_dir, environ={})
    assert config.alerts.failing_after == 3 and config.revisions.recheck_days == 30
    assert config.stale.floor == timedelta(days=3) and config.retention.days == 365
    assert config.database.url == f"sqlite:///{tmp_path.resolve() / 'data' / 'eduwatch.sqlite'}"
    (config_dir / "eduwatch.yaml").write_text(
        "database:\n  url: sqlite:////srv/ew.sqlite\nstale:\n  floor: 12h\n", "utf-8"
    )
    config = load_config(config_dir, environ={})
    assert config.database.url == "sqlite:////srv/ew.sqlite"
    assert config.stale.floor == timedelta(hours=12)


def test_the_environment_overrides_the_database_url(tmp_path: Path) -> None:
    url = "postgresql+psycopg2://eduwatch@db.internal/eduwatch"
    config = load_config(tmp_path, environ={DATABASE_URL_ENV: url})
    assert config.database.url == url


@pytest.mark.parametrize(
    ("text", "line", "key", "expected"),
    [
        (
            "alerts:\n  failing_after: 3\nstale:\n  flor: 3d\n",
            4,
            "stale.flor",
            "did you mean floor",
        ),
        ("retention:\n  days: 一年\n", 2, "retention.days", "whole number"),
        ("retention:\n  days: 0\n", 2, "retention.days", ">= 1"),
        ("stale:\n  floor: three days\n", 2, "stale.floor", "duration such as 3d"),
        ("database:\n  url: [a\n", 3, "(file)", "valid YAML"),
        ("- database\n", 1, "(file)", "mapping of sections"),
        ("alerts:\n  failing_after: 2\nalerts:\n  failing_after: 4\n", 3, "alerts", "once"),
    ],
)
def test_config_errors_name_file_line_and_key(
    tmp_path: Path, text: str, line: int, key: str, expected: str
) -> None:
    path = tmp_path / "eduwatch.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path, environ={})
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.key) == (path, line, key)
    assert expected in problem.message
    assert str(caught.value).startswith(f"{path}:{line}: {key}: ")


def test_check_config_part_reports_problems_or_a_summary(tmp_path: Path) -> None:
    assert check_service_config(tmp_path) == ("eduwatch.yaml: absent, defaults apply", ())
    assert check_service_config(ROOT / "config") == ("eduwatch.yaml: sqlite database", ())
    (tmp_path / "eduwatch.yaml").write_text("alerts:\n  failing_after: -1\nstale: 3\n", "utf-8")
    summary, problems = check_service_config(tmp_path)
    assert summary is None
    assert [(p.line, p.key) for p in problems] == [(2, "alerts.failing_after"), (3, "stale")]


def test_sqlite_writers_wait_for_each_other(tmp_path: Path) -> None:
    """A second writer on the same file waits for the first (busy timeout), then succeeds."""
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    first, second = make_engine(url), make_engine(url)
    with first.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    holding = threading.Event()
    errors: list[BaseException] = []

    def write_slowly() -> None:
        try:
            with first.begin() as connection:
                connection.execute(text("INSERT INTO t VALUES (1)"))
                holding.set()
                threading.Event().wait(0.5)
        except BaseException as error:  # reported in the test's thread
            errors.append(error)

    thread = threading.Thread(target=write_slowly)
    thread.start()
    assert holding.wait(10)
    with second.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (2)"))
        # it could begin only once the first writer committed
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 2
    thread.join(10)
    assert errors == []
    first.dispose()
    second.dispose()
