"""Batched storing (monitor.ingest.ingest_batch) and the worker's group commit
(monitor.distributed.pipeline): each article's outcome is the one it has stored alone, one
article's failure spoils none of the others, and a failed batch is stored article by article."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.orm import Session

from crawler.normalize import Article
from monitor.config import ServiceConfig
from monitor.distributed.items import RunArticle
from monitor.distributed.pipeline import GroupCommit, RunStorePipeline
from monitor.errors import IngestError
from monitor.ingest import (
    LINKING_HOOKS,
    IngestHooks,
    IngestRequest,
    IngestResult,
    Outcome,
    ingest_article,
    ingest_batch,
)
from monitor.linking import index_version
from monitor.store import Store, make_engine
from monitor.store.events import record_event
from monitor.store.models import (
    ArticleBandKey,
    ArticleSketch,
    ArticleVersion,
    Event,
    StoredArticle,
)
from tests.db import (
    BACKENDS,
    COLUMN,
    SITE,
    T0,
    Crawl,
    count,
    crawl,
    events,
    fresh_database_url,
    notice,
)

DAY = timedelta(days=1)
LAST_YEAR = "2023-06-18"
REVISED = notice(1, ("各市教育局：经研究，现将有关事项调整如下。",), published_at=LAST_YEAR)
StoreAll = Callable[[Store, list[IngestRequest]], list[Outcome]]


@pytest.fixture(name="pg_store")
def pg_store_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A store on the empty PostgreSQL test database (races need a server)."""
    store = open_at(fresh_database_url("postgresql", request.config, tmp_path))
    yield store
    store.close()


def open_at(url: str) -> Store:
    return Store(make_engine(url), ServiceConfig())


def requests(run: Crawl, *articles: Article, **options: Any) -> list[IngestRequest]:
    return [
        IngestRequest(SITE, COLUMN, "notice", item, run.now, run.run_id, **options)
        for item in articles
    ]


def kinds(outcomes: Sequence[Outcome]) -> list[str]:
    return [o.kind if isinstance(o, IngestResult) else type(o).__name__ for o in outcomes]


def baselined(store: Store) -> None:
    """Last year's notices 1 and 2, silently; notice 6 was listed but not fetched."""
    listed = [notice(1).url, notice(2).url, notice(6).url]
    older = [notice(n, published_at=LAST_YEAR) for n in (1, 2)]
    crawl(store, older, T0, listed=listed)


def peer_revised(store: Store, url: str) -> str:
    """The event a peer records revising the article at ``url``: its key."""
    with store.transaction() as session:
        query = select(StoredArticle).where(StoredArticle.url == url)
        article = session.scalars(query).one()
        key = f"revised:{article.id}:{article.current_version_id}"
        record_event(session, "revised", SITE.id, key, T0, {"by": "a peer"})
    return key


def stored_urls(store: Store) -> list[str]:
    with store.transaction() as session:
        return list(session.scalars(select(StoredArticle.url).order_by(StoredArticle.id)))


def event_keys(store: Store) -> list[str]:
    with store.transaction() as session:
        return list(session.scalars(select(Event.dedupe_key).order_by(Event.id)))


# --- the same as one by one ---------------------------------------------------------------------


def one_by_one(store: Store, batch: list[IngestRequest]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for r in batch:
        try:
            outcomes.append(
                ingest_article(
                    store, r.site, r.column_name, r.category, r.article, r.fetched_at,
                    r.crawl_run_id, normalizer_version=r.normalizer_version, hooks=r.hooks,
                    validators=r.validators,
                )
            )  # fmt: skip
        except Exception as error:
            outcomes.append(error)
    return outcomes


def second_crawl(store: Store, store_all: StoreAll) -> tuple[object, ...]:
    """A crawl after the baseline: new articles (finding a predecessor), a revision, an unchanged
    one, one listed in the baseline, one article twice; then everything the store holds."""
    baselined(store)
    run = Crawl(store, now=T0 + DAY)
    batch = requests(
        run, notice(3), REVISED, notice(2, published_at=LAST_YEAR), notice(6), notice(3), notice(4)
    )
    outcomes = store_all(store, batch)
    return (kinds(outcomes), *snapshot(store))


def snapshot(store: Store) -> tuple[object, ...]:
    with store.transaction() as session:
        rows = (
            session.execute(select(*columns).order_by(*order)).all()
            for columns, order in (
                (Event.__table__.c, [Event.id]),
                (ArticleVersion.__table__.c, [ArticleVersion.id]),
                (StoredArticle.__table__.c, [StoredArticle.id]),
                (ArticleSketch.__table__.c, [ArticleSketch.article_id]),
                (ArticleBandKey.__table__.c, [ArticleBandKey.article_id, ArticleBandKey.band_key]),
            )
        )
        return tuple(tuple(map(tuple, table)) for table in rows)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_batch_stores_what_one_by_one_stores(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    found = []
    for name, store_all in (("alone", one_by_one), ("batch", ingest_batch)):
        store = open_at(fresh_database_url(backend, request.config, tmp_path / name))
        try:
            found.append(second_crawl(store, store_all))
        finally:
            store.close()
    alone, batched = found
    assert alone[0] == ["new", "revised", "unchanged", "baseline", "unchanged", "new"]
    recorded = alone[1]
    assert [row[1] for row in recorded] == ["new", "revised", "new"]
    assert all("predecessor" in row[8] for row in (recorded[0], recorded[2]))
    assert batched == alone


# --- one article's failure spoils no other ------------------------------------------------------


@pytest.mark.parametrize("store_all", [one_by_one, ingest_batch])
def test_an_article_whose_event_a_peer_recorded_is_the_peers_and_the_others_are_stored(
    store: Store, store_all: StoreAll
) -> None:
    baselined(store)
    key = peer_revised(store, notice(1).url)
    run = Crawl(store, now=T0 + DAY)
    outcomes = store_all(store, requests(run, notice(3), REVISED, notice(4)))
    assert kinds(outcomes) == ["new", "ConcurrentIngestError", "new"]
    assert stored_urls(store) == [notice(n).url for n in (1, 2, 3, 4)]
    assert count(store, ArticleVersion) == 4  # the revision is not stored
    assert event_keys(store) == [key, "new:3", "new:4"]


def test_a_store_error_fails_only_its_article_with_the_reason(store: Store) -> None:
    baselined(store)
    run = Crawl(store, now=T0 + DAY)
    lost = replace(requests(run, notice(4))[0], crawl_run_id=999)
    batch = [*requests(run, notice(3)), lost, *requests(run, notice(5))]
    outcomes = ingest_batch(store, batch)
    assert kinds(outcomes) == ["new", "IngestError", "new"]
    assert "no crawl run 999" in str(outcomes[1])
    assert stored_urls(store) == [notice(n).url for n in (1, 2, 3, 5)]
    assert event_keys(store) == ["new:3", "new:4"]  # the article ids of notices 3 and 5


def test_a_database_error_of_one_statement_fails_only_its_article(pg_store: Store) -> None:
    baselined(pg_store)
    run = Crawl(pg_store, now=T0 + DAY)
    too_long = replace(notice(4), document_number="号" * 300)  # varchar(200)
    outcomes = ingest_batch(pg_store, requests(run, notice(3), too_long, notice(5)))
    assert kinds(outcomes) == ["new", "DataError", "new"]
    assert isinstance(outcomes[1], DataError) and "too long" in str(outcomes[1])
    assert stored_urls(pg_store) == [notice(n).url for n in (1, 2, 3, 5)]
    assert count(pg_store, Event) == 2


def test_a_peer_storing_the_same_article_meanwhile_makes_it_unchanged(pg_store: Store) -> None:
    """The peer inserted notice 4 and holds its transaction open: the batch's insert of it waits,
    then fails (unique url_key) when the peer commits; notices 3 and 5 stay stored, notice 4 is
    tried again alone and found unchanged."""
    baselined(pg_store)
    run = Crawl(pg_store, now=T0 + DAY)
    inside, release = threading.Event(), threading.Event()

    def hold(session: Session, article: StoredArticle, version: ArticleVersion) -> None:
        inside.set()
        release.wait(20)

    held: list[Outcome] = []
    slow = requests(run, notice(4), hooks=IngestHooks(index_version=hold))
    peer = threading.Thread(target=lambda: held.extend(ingest_batch(pg_store, slow)))
    peer.start()
    assert inside.wait(20)
    outcomes: list[Outcome] = []
    batch = threading.Thread(
        target=lambda: outcomes.extend(
            ingest_batch(pg_store, requests(run, notice(3), notice(4), notice(5)))
        )
    )
    batch.start()
    wait_for(lambda: lock_waits(pg_store) == 1)  # the batch's insert of notice 4 waits
    release.set()
    peer.join(20)
    batch.join(20)
    assert kinds(held) == ["new"]
    assert kinds(outcomes) == ["new", "unchanged", "new"]
    assert sorted(stored_urls(pg_store)) == sorted(notice(n).url for n in (1, 2, 3, 4, 5))
    assert count(pg_store, ArticleVersion) == 5
    assert count(pg_store, Event) == 3  # one `new` each, notice 4's the peer's


def lock_waits(store: Store) -> int:
    with store.engine.connect() as connection:
        query = (
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(connection.execute(text(query)).scalar_one())


def wait_for(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


# --- a failed batch: each article alone ---------------------------------------------------------


def test_an_error_that_may_spoil_the_transaction_stores_each_article_alone(
    pg_store: Store,
) -> None:
    """Notice 4's statement is cancelled once (as a deadlock or a lost connection would end it):
    the batch is rolled back and each article stored alone, notice 4 too this time."""
    baselined(pg_store)
    run = Crawl(pg_store, now=T0 + DAY)
    calls: list[int] = []

    def cancelled_once(session: Session, article: StoredArticle, version: ArticleVersion) -> None:
        calls.append(article.id)
        if len(calls) == 1:
            session.execute(text("SET LOCAL statement_timeout = 50"))
            session.execute(text("SELECT pg_sleep(5)"))
        index_version(session, article, version)

    slow = requests(run, notice(4), hooks=replace(LINKING_HOOKS, index_version=cancelled_once))
    outcomes = ingest_batch(pg_store, [*requests(run, notice(3)), *slow, *requests(run, notice(5))])
    assert kinds(outcomes) == ["new", "new", "new"]
    assert len(calls) == 2
    assert stored_urls(pg_store) == [notice(n).url for n in (1, 2, 3, 4, 5)]
    assert count(pg_store, Event) == 3 and count(pg_store, ArticleSketch) == 5


def test_a_failed_commit_stores_each_article_alone(store: Store) -> None:
    baselined(store)
    run = Crawl(store, now=T0 + DAY)
    commits: list[int] = []

    def fail_first(session: Session) -> None:
        if session.in_nested_transaction():
            return  # an article's SAVEPOINT
        commits.append(1)
        if len(commits) == 1:
            raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    event.listen(store.sessions, "before_commit", fail_first)
    outcomes = ingest_batch(store, requests(run, notice(3), notice(1, published_at=LAST_YEAR)))
    event.remove(store.sessions, "before_commit", fail_first)
    assert kinds(outcomes) == ["new", "unchanged"]
    assert len(commits) == 3  # the batch's, then one per article
    assert stored_urls(store) == [notice(n).url for n in (1, 2, 3)]
    assert [e.payload["url"] for e in events(store)] == [notice(3).url]


# --- the worker's group commit ------------------------------------------------------------------


class Recorder:
    """A batch store that records its batches; the first one waits until released."""

    def __init__(self, fail: str = "") -> None:
        self.batches: list[list[Any]] = []
        self.release = threading.Event()
        self.fail = fail

    def __call__(self, batch: list[Any]) -> list[Any]:
        self.batches.append(list(batch))
        if len(self.batches) == 1:
            self.release.wait(10)
        return [ValueError(item) if item == self.fail else f"{item} stored" for item in batch]


def test_a_lone_article_is_stored_at_once_and_those_arriving_meanwhile_together() -> None:
    recorder = Recorder(fail="c")

    async def scenario() -> list[Any]:
        group = GroupCommit(recorder, limit=3)
        first = asyncio.ensure_future(group.store("a"))
        while not recorder.batches:
            await asyncio.sleep(0.01)
        later = [asyncio.ensure_future(group.store(item)) for item in "bcdef"]
        await asyncio.sleep(0.05)
        assert recorder.batches == [["a"]]  # the others wait for the batch in flight
        recorder.release.set()
        outcomes = await asyncio.gather(first, *later, return_exceptions=True)
        outcomes.append(await group.store("g"))
        return outcomes

    outcomes = asyncio.run(scenario())
    assert recorder.batches == [["a"], ["b", "c", "d"], ["e", "f"], ["g"]]
    assert [str(o) for o in outcomes] == [f"{x} stored" if x != "c" else "c" for x in "abcdefg"]
    assert isinstance(outcomes[2], ValueError)


def test_the_pipeline_sets_each_change_and_drops_only_the_article_not_stored(
    pg_store: Store,
) -> None:
    baselined(pg_store)
    key = peer_revised(pg_store, notice(1).url)
    run = Crawl(pg_store, now=T0 + DAY)
    spider = SimpleNamespace(store=pg_store, sites={SITE.id: SITE}, ref_of=lambda site: site)
    pipeline = RunStorePipeline(SimpleNamespace(spider=spider))
    too_long = replace(notice(7), document_number="号" * 300)
    articles = [notice(3), REVISED, too_long, notice(2, published_at=LAST_YEAR)]
    items = [
        RunArticle(a, COLUMN, "notice", run.now, site_id=SITE.id, run_id=run.run_id)
        for a in articles
    ]

    async def process() -> list[Any]:
        calls = (pipeline.process_item(item) for item in items)
        return await asyncio.gather(*calls, return_exceptions=True)

    outcomes = asyncio.run(process())
    assert [item.change for item in items] == ["new", "unchanged", None, "unchanged"]
    assert outcomes[:2] == items[:2] and outcomes[3] is items[3]
    assert type(outcomes[2]).__name__ == "DropItem"
    assert str(outcomes[2]).startswith(f"not stored: {notice(7).url}: (psycopg2.errors.")
    assert "too long" in str(outcomes[2])
    assert stored_urls(pg_store) == [notice(n).url for n in (1, 2, 3)]
    assert event_keys(pg_store) == [key, "new:3"]


def test_a_time_without_zone_is_refused_before_any_batch() -> None:
    naive = T0.replace(tzinfo=None)
    with pytest.raises(IngestError, match="time zone"):
        IngestRequest(SITE, COLUMN, None, notice(1), naive, None)
