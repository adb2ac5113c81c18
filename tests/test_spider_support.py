"""Helpers of the crawl tests (no tests here): a configuration folder whose one site is a fixture
site, and a real `scrapy crawl listing` run against it through monitor.runner.

    config = write_config(tmp_path, site, "trs")
    result = crawl(config)                     # CrawlResult; the store is config/../data
    stored(config)                             # {url: (title, published_at, paragraphs)}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from monitor.config import load_config
from monitor.runner import CrawlJob, CrawlResult, run_crawl
from monitor.store import Store, open_store
from monitor.store.models import ArticleVersion, CrawlRun, Event, StoredArticle
from tests.fixture_site import FixtureArticle, FixtureSite

SITE_ID = "fixture"
TEST_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "EDUWATCH_RETRY_BACKOFF": "0.05",
    "EDUWATCH_RETRY_BACKOFF_MAX": "0.2",
    "DOWNLOAD_TIMEOUT": "20",
    "EDUWATCH_BROWSER": "False",
}
"""Test politeness: no delay, no AutoThrottle, robots.txt still obeyed, retries 50 ms apart; no
browser (the plain HTTP path; tests/test_render_browser.py turns it on)."""

# The site YAML of each fixture family, columns aside (those come from the fixture site).
FAMILY_YAML: dict[str, dict[str, Any]] = {
    "trs": {"adapter": "trs"},
    "trs_index2": {"adapter": "trs"},
    "tianjin": {
        "adapter": "trs",
        "list": {
            "item": "ul.common-list-right-list li",
            "link": "a",
            "link_attr": "onclick",
            "link_pattern": r"isDownLoad\(this,\s*'([^']+)'\)",
            "title": "p.list-content",
            "date": "p.list-date",
        },
    },
    "hanweb": {"adapter": "hanweb"},
    "json_search": {"adapter": "json_search"},
    "gbk": {"adapter": "trs"},
    "challenge": {"adapter": "trs"},
    "pdf_list": {
        "adapter": "trs",
        "list": {"item": "div.xwzx_ggtz ul.fl li", "title_attr": "title", "date": "span"},
    },
    "css": {
        "adapter": "css",
        "list": {"item": "div.news-list dl dd", "title_attr": "title", "date": "em"},
        "options": {"page_url": "list_{page}.html"},
    },
}


def write_config(folder: Path, site: FixtureSite, family: str, **overrides: Any) -> Path:
    """``folder/config`` with ``sites/fixture.yaml`` for the (started) fixture site and an
    ``eduwatch.yaml`` whose SQLite store is ``folder/data/eduwatch.sqlite``."""
    config = folder / "config"
    (config / "sites").mkdir(parents=True, exist_ok=True)
    columns = [
        {"name": spec.name, "url": site.list_url(spec.key), "category": spec.category}
        for spec in site.specs.values()
    ]
    document = {
        "id": SITE_ID,
        "name": site.authority.name,
        "authority": site.authority.province,
        **FAMILY_YAML[family],
        "delay": 0,
        "columns": columns,
        **overrides,
    }
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    (config / "sites" / f"{SITE_ID}.yaml").write_text(text, "utf-8")
    database = (folder / "data" / "eduwatch.sqlite").as_posix()
    (config / "eduwatch.yaml").write_text(f"database:\n  url: sqlite:///{database}\n", "utf-8")
    return config


def crawl(
    config: Path,
    *,
    settings: Mapping[str, str] | None = None,
    timeout: float = 120,
    **job: Any,
) -> CrawlResult:
    """One real crawl of the fixture site (its log kept beside the config folder)."""
    log = config.parent / "logs" / f"crawl-{len(list(config.parent.glob('logs/*')))}.log"
    merged = {**TEST_SETTINGS, **(settings or {})}
    return run_crawl(
        CrawlJob(SITE_ID, config, settings=merged, timeout=timeout, log_file=log, **job)
    )


def open_test_store(config: Path) -> Store:
    return open_store(config=load_config(config, environ={}))


@dataclass(frozen=True)
class StoredView:
    """What the store holds after the crawls, read back for assertions."""

    articles: dict[str, dict[str, Any]]  # url -> current version's fields
    versions: int
    events: list[tuple[str, str]]  # (kind, url)
    runs: list[tuple[str, str | None]]  # (status, error), oldest first


def stored(config: Path) -> StoredView:
    store = open_test_store(config)
    try:
        with store.transaction() as session:
            articles = {}
            for article in session.scalars(select(StoredArticle)):
                version = session.get(ArticleVersion, article.current_version_id)
                assert version is not None
                articles[article.url] = {
                    "title": version.title,
                    "published_at": version.published_at,
                    "paragraphs": list(version.paragraphs),
                    "column": article.column_name,
                    "status": article.status,
                }
            versions = len(list(session.scalars(select(ArticleVersion.id))))
            events = []
            for event in session.scalars(select(Event).order_by(Event.id)):
                events.append((event.kind, str((event.payload or {}).get("url", ""))))
            runs = [
                (run.status, run.error)
                for run in session.scalars(select(CrawlRun).order_by(CrawlRun.id))
            ]
    finally:
        store.close()
    return StoredView(articles, versions, events, runs)


def expected_fields(site: FixtureSite, article: FixtureArticle) -> dict[str, Any]:
    """The title, date and paragraphs a crawl must store for a fixture article."""
    expected = site.expected(article)
    return {
        "title": expected["title"],
        "published_at": expected["published_at"],
        "paragraphs": expected["paragraphs"],
    }


def article_targets(site: FixtureSite) -> set[str]:
    """The paths of the site's live article pages (file items excluded)."""
    return {article.path for article in site.articles() if not article.is_file}


def fetched_paths(site: FixtureSite, method: str = "GET") -> list[str]:
    """Paths the site served (robots.txt left out), in order, with repeats."""
    return [
        entry.path
        for entry in site.requests
        if entry.method == method and entry.path != "/robots.txt"
    ]
