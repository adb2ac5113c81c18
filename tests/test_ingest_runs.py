"""Crawl runs on SQLite and PostgreSQL: withdrawal evidence, failing and recovered sites,
stale sites, and what the incremental crawl is told to fetch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from monitor.config import RevisionsSection, ServiceConfig, StaleSection
from monitor.errors import IngestError
from monitor.ingest import (
    due_for_recheck,
    finish_run,
    known_urls,
    record_listing,
    start_run,
)
from monitor.store import Store
from monitor.store.health import stale_threshold
from monitor.store.models import CrawlRun, StoredArticle
from tests.db import (
    SITE,
    T0,
    Crawl,
    crawl,
    events,
    notice,
)

DAY = timedelta(days=1)
ARTICLES = [notice(1), notice(2), notice(3)]
URLS = [a.url for a in ARTICLES]


def article_row(store: Store, url: str) -> StoredArticle:
    with store.transaction() as session:
        return session.scalars(select(StoredArticle).where(StoredArticle.url == url)).one()


# --- withdrawn -----------------------------------------------------------------------------------


def test_withdrawn_needs_list_absence_and_404_on_two_ok_runs_in_a_row(store: Store) -> None:
    crawl(store, ARTICLES, T0)
    gone = {URLS[0]: 404}
    crawl(store, [], T0 + DAY, listed=URLS[1:], gone=gone)
    assert events(store) == [] and article_row(store, URLS[0]).gone_count == 1
    # the site is down in between: it counts for nothing and resets nothing
    crawl(store, [], T0 + 2 * DAY, listed=URLS[1:], gone=gone, status="failed")
    assert events(store) == [] and article_row(store, URLS[0]).gone_count == 1
    _, outcome = crawl(store, [], T0 + 3 * DAY, listed=URLS[1:], gone={URLS[0]: 410})
    [event] = events(store)
    assert event.kind == "withdrawn" and outcome.event_ids == (event.id,)
    assert event.payload["http_status"] == 410
    assert event.payload["title"] == ARTICLES[0].title
    row = article_row(store, URLS[0])
    assert row.status == "withdrawn" and event.article_id == row.id
    crawl(store, [], T0 + 4 * DAY, listed=URLS[1:], gone=gone)
    assert len(events(store)) == 1
    crawl(store, [ARTICLES[0]], T0 + 5 * DAY)  # republished: active again, quietly
    assert article_row(store, URLS[0]).status == "active" and len(events(store)) == 1


def test_a_partial_run_withdraws_nothing(store: Store) -> None:
    crawl(store, ARTICLES, T0)
    gone = {URLS[0]: 404}
    for day in (1, 2, 3):
        crawl(store, [], T0 + day * DAY, listed=URLS[1:], gone=gone, status="partial")
    assert events(store) == [] and article_row(store, URLS[0]).status == "active"


def test_still_listed_or_answering_resets_the_evidence(store: Store) -> None:
    crawl(store, ARTICLES, T0)
    crawl(store, [], T0 + DAY, listed=URLS[1:], gone={URLS[0]: 404})
    crawl(store, [], T0 + 2 * DAY, listed=URLS, gone={URLS[0]: 404})  # listed: no evidence
    assert article_row(store, URLS[0]).gone_count == 0
    crawl(store, [], T0 + 3 * DAY, listed=URLS[1:], gone={URLS[0]: 404})
    crawl(store, [ARTICLES[0]], T0 + 4 * DAY, listed=URLS[1:])  # the page answered again
    crawl(store, [], T0 + 5 * DAY, listed=URLS[1:], gone={URLS[0]: 404})
    crawl(store, [], T0 + 6 * DAY, listed=URLS[1:], gone={URLS[0]: 503})  # no evidence either way
    assert events(store) == [] and article_row(store, URLS[0]).gone_count == 1
    crawl(store, [], T0 + 7 * DAY, listed=URLS[1:], gone={URLS[0]: 404})
    assert [e.kind for e in events(store)] == ["withdrawn"]


def test_listings_close_with_their_run(store: Store) -> None:
    run = Crawl(store)
    run.listing(URLS)
    run.finish()
    with pytest.raises(IngestError, match="finished"):
        record_listing(store, run.run_id, "通知公告", URLS)


# --- failing and recovered -----------------------------------------------------------------------


def test_site_failing_after_three_failed_runs_once_then_recovered_once(store: Store) -> None:
    crawl(store, ARTICLES, T0)
    kinds = []
    for day in range(1, 6):
        _, outcome = crawl(store, [], T0 + day * DAY, status="failed")
        kinds.append([e.kind for e in events(store)])
        assert outcome.status == "failed"
    assert kinds[1] == [] and kinds[2] == ["site_failing"] and kinds[4] == ["site_failing"]
    [failing] = events(store)
    assert failing.payload["failures"] == 3
    crawl(store, ARTICLES, T0 + 6 * DAY)
    crawl(store, ARTICLES, T0 + 7 * DAY)
    assert [e.kind for e in events(store)] == ["site_failing", "site_recovered"]
    assert events(store)[1].payload["failures"] == 5


def test_zero_list_items_is_a_failure_never_no_news(store: Store) -> None:
    crawl(store, ARTICLES, T0)
    for day in (1, 2, 3):
        _, outcome = crawl(store, [], T0 + day * DAY, listed=[])
        assert outcome.status == "failed"
    [event] = events(store)
    assert event.kind == "site_failing" and "no list items" in event.payload["error"]
    with store.transaction() as session:
        statuses = session.scalars(select(CrawlRun.status).order_by(CrawlRun.id)).all()
    assert statuses == ["ok", "failed", "failed", "failed"]


def test_failing_threshold_comes_from_the_config(store: Store) -> None:
    config = ServiceConfig.model_validate({"alerts": {"failing_after": 1}})
    strict = Store(store.engine, config)
    crawl(strict, [], T0, status="failed")
    assert [e.kind for e in events(strict)] == ["site_failing"]


def test_finishing_a_run_twice_changes_nothing(store: Store) -> None:
    crawl(store, ARTICLES, T0)
    run = Crawl(store, now=T0 + DAY)
    first = run.finish("failed", "HTTP 412 challenge")
    second = finish_run(store, run.run_id, "ok", now=T0 + DAY)
    assert (first.status, second.status, second.event_ids) == ("failed", "failed", ())


# --- stale ---------------------------------------------------------------------------------------


def daily_notices(days: int) -> list:
    return [notice(n, published_at=(T0 + n * DAY).date().isoformat()) for n in range(days)]


def test_stale_once_per_lull_when_quiet_beyond_the_usual_gap(store: Store) -> None:
    crawl(store, daily_notices(10), T0 + 10 * DAY)  # one a day: the usual gap is one day
    assert events(store) == []
    last_listed = [notice(9).url]  # published T0 + 9 days; the baseline at T0 + 10 days
    crawl(store, [], T0 + 13 * DAY, listed=last_listed)  # quiet 3 days: within the floor
    assert events(store) == []
    crawl(store, [], T0 + 13.5 * DAY, listed=last_listed)  # quiet 3.5 days
    crawl(store, [], T0 + 14 * DAY, listed=last_listed)
    [stale] = events(store)
    assert stale.kind == "site_stale" and stale.payload["threshold_days"] == 3.0
    fresh = notice(50, published_at=None)
    crawl(store, [fresh], T0 + 15 * DAY)
    assert [e.kind for e in events(store)] == ["site_stale", "new"]
    crawl(store, [], T0 + 19 * DAY, listed=[fresh.url])
    assert [e.kind for e in events(store)] == ["site_stale", "new", "site_stale"]


def test_a_first_crawl_of_old_articles_is_no_lull(store: Store) -> None:
    """Staleness counts from the baseline: a site first crawled a month after its newest
    article was published is not stale that day, only once quiet for the usual gap after."""
    crawl(store, daily_notices(10), T0 + 40 * DAY)  # the baseline: newest article 31 days old
    assert events(store) == []
    listed = [notice(9).url]
    crawl(store, [], T0 + 42 * DAY, listed=listed)  # two days after the baseline: usual
    assert events(store) == []
    crawl(store, [], T0 + 44 * DAY, listed=listed)
    [stale] = events(store)
    assert stale.kind == "site_stale" and stale.payload["quiet_days"] == 4.0
    assert stale.payload["last_new_at"] == (T0 + 40 * DAY).isoformat()


def test_stale_learns_a_slow_rhythm_and_needs_history() -> None:
    config = StaleSection()
    weekly = [T0 + n * 7 * DAY for n in range(8)]
    assert stale_threshold(weekly, config) == 14 * DAY
    assert stale_threshold(weekly[:4], config) is None
    bursty = [T0, T0, T0, T0 + DAY, T0 + DAY, T0 + 2 * DAY]
    assert stale_threshold(bursty, config) == 3 * DAY  # the floor


# --- what the crawl fetches ----------------------------------------------------------------------


def test_known_urls_per_site_and_column(store: Store) -> None:
    crawl(store, ARTICLES, T0)
    other = Crawl(store, now=T0)
    other.ingest(notice(4), column="政策文件")
    assert known_urls(store, SITE) == {*URLS, notice(4).url}
    assert known_urls(store, SITE.id, "政策文件") == {notice(4).url}
    assert known_urls(store, "another-site") == set()


def test_due_for_recheck(store: Store) -> None:
    now = T0 + 200 * DAY
    young = notice(1, published_at=(now - 5 * DAY).date().isoformat())
    old_unchecked = notice(2, published_at="2024-01-05")
    old_checked = notice(3, published_at="2024-01-06")
    old_on_first_page = notice(4, published_at="2024-01-07")
    withdrawn = notice(5, published_at=(now - 5 * DAY).date().isoformat())
    everything = [young, old_unchecked, old_checked, old_on_first_page, withdrawn]
    crawl(store, everything, now - 10 * DAY)
    crawl(store, [old_checked], now - DAY)
    with store.transaction() as session:
        session.execute(
            update(StoredArticle)
            .where(StoredArticle.url == withdrawn.url)
            .values(status="withdrawn")
        )
    first_page = [old_on_first_page.url + "#comments", "http://jyt.shanxi.gov.cn/unknown.shtml"]
    due = due_for_recheck(store, SITE, first_page, now)
    assert due == {young.url, old_unchecked.url, old_on_first_page.url}
    back_on_the_list = due_for_recheck(store, SITE, [withdrawn.url], now)
    assert withdrawn.url in back_on_the_list
    limited = Store(store.engine, ServiceConfig(revisions=RevisionsSection(older_per_crawl=0)))
    assert due_for_recheck(limited, SITE.id, [], now) == {young.url}


def test_a_run_of_an_unknown_site_creates_it(store: Store) -> None:
    run_id = start_run(store, SITE, now=T0)
    with store.transaction() as session:
        run = session.get(CrawlRun, run_id)
        assert run is not None and run.baseline and run.site_id == SITE.id
