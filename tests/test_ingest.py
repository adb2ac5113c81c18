"""Ingest decisions on SQLite and PostgreSQL: baseline, new, unchanged, revised, silent
re-baselines, and no duplicate after a crash or a race."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.normalize import NORMALIZER_VERSION, Attachment
from monitor.errors import IngestError
from monitor.ingest import (
    IngestHooks,
    Predecessor,
    Validators,
    article_validators,
    fingerprint,
    ingest_article,
    record_not_modified,
)
from monitor.store import Store
from monitor.store.models import ArticleVersion, Event, StoredArticle
from tests.db import (
    SITE,
    T0,
    Crawl,
    count,
    crawl,
    events,
    notice,
)

DAY = timedelta(days=1)


def baselined(store: Store) -> None:
    """The site's first crawl: notices 1 and 2, silently."""
    results, outcome = crawl(store, [notice(1), notice(2)], T0)
    assert [r.kind for r in results] == ["baseline", "baseline"]
    assert outcome.status == "ok"


def test_first_crawl_is_a_silent_baseline(store: Store) -> None:
    baselined(store)
    assert events(store) == []
    assert count(store, StoredArticle) == 2
    assert count(store, ArticleVersion) == 2


def test_first_crawl_that_failed_leaves_the_next_one_silent(store: Store) -> None:
    crawl(store, [notice(1)], T0, status="failed")
    results, _ = crawl(store, [notice(1), notice(2)], T0 + DAY)
    assert [r.kind for r in results] == ["unchanged", "baseline"]
    assert events(store) == []


def test_new_article_after_the_baseline_raises_one_new_event(store: Store) -> None:
    baselined(store)
    results, _ = crawl(store, [notice(3), notice(1)], T0 + DAY)
    assert [r.kind for r in results] == ["new", "unchanged"]
    [event] = events(store)
    assert (event.kind, event.id, event.site_id) == ("new", results[0].event_id, SITE.id)
    assert event.version_id == results[0].version_id and event.old_version_id is None
    assert event.payload["title"] == "关于做好2024年普通高校招生工作的通知（第3号）"
    assert event.payload["url"] == notice(3).url


def test_noise_changes_nothing(store: Store) -> None:
    """Fetch time, images, date display, tracking parameters, list and attachment order,
    whitespace and paragraph re-flow."""
    files = (
        Attachment("附件1：招生计划表.xlsx", "http://jyt.shanxi.gov.cn/files/jh.xlsx"),
        Attachment("附件2：报名表.docx", "http://jyt.shanxi.gov.cn/files/bm.docx"),
    )
    first = notice(1, attachments=files)
    crawl(store, [first, notice(2)], T0)
    noisy = replace(
        first,
        url=first.url.replace("http://jyt.shanxi.gov.cn", "http://JYT.shanxi.gov.cn:80")
        + "?utm_source=wechat&spm=a1.b2#top",
        attachments=(
            files[1],
            Attachment(files[0].name, files[0].url + "?from=timeline"),
        ),
        images=("http://jyt.shanxi.gov.cn/img/qr.png?t=1718700000",),
        published_at="2024-06-18T17:32:00+08:00",
        # stray spaces, and two paragraphs the page now prints as one
        paragraphs=(
            first.paragraphs[0].replace("。", "。 "),
            first.paragraphs[1] + " " + first.paragraphs[2],
        ),
    )
    results, _ = crawl(store, [notice(2), noisy], T0 + 7 * DAY)
    assert [r.kind for r in results] == ["unchanged", "unchanged"]
    assert events(store) == []
    assert count(store, ArticleVersion) == 2
    assert fingerprint(noisy) == fingerprint(first)


def test_revised_body_raises_one_revised_event_with_both_versions(store: Store) -> None:
    baselined(store)
    old = notice(1)
    revised_body = (*old.paragraphs[:2], "二、严格规范，确保公平公正。报名截止时间延长至6月30日。")
    results, _ = crawl(store, [notice(1, revised_body)], T0 + DAY)
    [result] = results
    assert result.kind == "revised"
    [event] = events(store)
    assert event.kind == "revised" and event.id == result.event_id
    assert event.version_id == result.version_id
    with store.transaction() as session:
        new_version = session.get(ArticleVersion, result.version_id)
        assert new_version is not None and event.old_version_id == new_version.previous_version_id
        old_version = session.get(ArticleVersion, event.old_version_id)
        assert old_version is not None and old_version.paragraphs == list(old.paragraphs)
        article = session.get(StoredArticle, result.article_id)
        assert article is not None and article.current_version_id == result.version_id
    again, _ = crawl(store, [notice(1, revised_body)], T0 + 2 * DAY)
    assert [r.kind for r in again] == ["unchanged"]
    assert len(events(store)) == 1


def test_attachment_swapped_is_a_revision(store: Store) -> None:
    crawl(store, [notice(1, attachments=(Attachment("附件", "http://x.cn/a.pdf"),))], T0)
    results, _ = crawl(
        store, [notice(1, attachments=(Attachment("附件", "http://x.cn/b.pdf"),))], T0 + DAY
    )
    assert [r.kind for r in results] == ["revised"]


BUMPED = str(int(NORMALIZER_VERSION) + 1)  # the version after the one the normalizer is at


def test_normalizer_bump_re_baselines_silently_then_alerts_again(store: Store) -> None:
    baselined(store)
    rewritten = notice(1, (*notice(1).paragraphs, "（本通知自发布之日起施行）"))
    results, _ = crawl(
        store, [rewritten, notice(2), notice(3)], T0 + DAY, normalizer_version=BUMPED
    )
    assert [r.kind for r in results] == ["baseline", "unchanged", "new"]
    assert [e.kind for e in events(store)] == ["new"]
    with store.transaction() as session:
        article_2 = session.scalars(
            select(StoredArticle).where(StoredArticle.url == notice(2).url)
        ).one()
        version_2 = session.get(ArticleVersion, article_2.current_version_id)
        assert version_2 is not None and version_2.normalizer_version == BUMPED  # re-stamped
    changed = notice(2, ("各市教育局：招生工作安排有变，请以本通知为准。",))
    results, _ = crawl(store, [changed], T0 + 2 * DAY, normalizer_version=BUMPED)
    assert [r.kind for r in results] == ["revised"]


def test_rules_change_makes_the_next_crawl_a_silent_baseline(store: Store) -> None:
    baselined(store)
    new_rules = replace(SITE, rules_hash="rules-v2")
    changed = notice(1, ("各市教育局：经研究，现将有关事项通知如下。",))
    results, _ = crawl(store, [changed, notice(4)], T0 + DAY, site=new_rules)
    assert [r.kind for r in results] == ["baseline", "baseline"]
    assert events(store) == []
    results, _ = crawl(store, [notice(5)], T0 + 2 * DAY, site=new_rules)
    assert [r.kind for r in results] == ["new"]


def test_an_old_version_of_other_rules_re_baselines_when_next_fetched(store: Store) -> None:
    baselined(store)
    new_rules = replace(SITE, rules_hash="rules-v2")
    crawl(store, [notice(3)], T0 + DAY, site=new_rules)  # notice 1 not re-checked
    changed = notice(1, ("各市教育局：经研究，现将有关事项通知如下。",))
    results, _ = crawl(store, [changed], T0 + 9 * DAY, site=new_rules)
    assert [r.kind for r in results] == ["baseline"]
    assert events(store) == []


def test_same_article_in_two_transactions_after_a_crash_is_stored_once(store: Store) -> None:
    baselined(store)
    run = Crawl(store, now=T0 + DAY)
    first = run.ingest(notice(3))
    # the crawl is killed here; a new crawl fetches the same article again
    second = Crawl(store, now=T0 + DAY + timedelta(minutes=5)).ingest(notice(3))
    assert (first.kind, second.kind) == ("new", "unchanged")
    assert count(store, StoredArticle) == 3
    assert count(store, ArticleVersion) == 3
    assert [e.kind for e in events(store)] == ["new"]


def test_a_rolled_back_transaction_leaves_nothing(store: Store) -> None:
    baselined(store)
    run = Crawl(store, now=T0 + DAY)
    with pytest.raises(RuntimeError), store.transaction() as session:
        ingest_article(session, SITE, "通知公告", None, notice(3), run.now, run.run_id)
        raise RuntimeError("the crawl process dies before commit")
    assert count(store, StoredArticle) == 2 and events(store) == []
    assert run.ingest(notice(3)).kind == "new"


def test_two_workers_racing_on_one_article_store_it_once(store: Store) -> None:
    baselined(store)
    run = Crawl(store, now=T0 + DAY)
    inside = threading.Event()

    def hold(session: Session, article: StoredArticle, version: ArticleVersion) -> None:
        inside.set()
        threading.Event().wait(0.3)  # the other worker starts meanwhile

    outcomes: list[str] = []
    errors: list[BaseException] = []

    def worker(hooks: IngestHooks) -> None:
        try:
            outcomes.append(run.ingest(notice(3), hooks=hooks).kind)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    first = threading.Thread(target=worker, args=(IngestHooks(index_version=hold),))
    first.start()
    assert inside.wait(10)
    worker(IngestHooks())
    first.join(20)
    assert errors == []
    assert sorted(outcomes) == ["new", "unchanged"]
    assert count(store, StoredArticle) == 3 and count(store, ArticleVersion) == 3
    assert [e.kind for e in events(store)] == ["new"]


def test_predecessor_hook_links_a_new_directive(store: Store) -> None:
    baselined(store)
    with store.transaction() as session:
        earlier = session.scalars(
            select(StoredArticle).where(StoredArticle.url == notice(1).url)
        ).one()
        earlier_id, earlier_version = earlier.id, earlier.current_version_id
    assert earlier_version is not None
    seen: list[str] = []

    def find(session: Session, article: StoredArticle, version: ArticleVersion) -> Predecessor:
        seen.append(version.text)
        return Predecessor(earlier_id, earlier_version, notice(1).url, "去年的通知", 0.91)

    result = Crawl(store, now=T0 + DAY).ingest(notice(7), hooks=IngestHooks(find_predecessor=find))
    [event] = events(store)
    assert event.old_version_id == earlier_version and event.version_id == result.version_id
    assert event.payload["predecessor"]["url"] == notice(1).url
    assert seen and "各市教育局" in seen[0]


def test_bad_input_is_refused_with_the_reason(store: Store) -> None:
    naive = T0.replace(tzinfo=None)
    with pytest.raises(IngestError, match="time zone"):
        ingest_article(store, SITE, None, None, notice(1), naive, None)
    with pytest.raises(IngestError, match="no crawl run 999"):
        ingest_article(store, SITE, None, None, notice(1), T0, 999)
    assert count(store, StoredArticle) == 0


def test_site_moving_to_https_keeps_its_articles(store: Store) -> None:
    baselined(store)
    moved = replace(notice(1), url=notice(1).url.replace("http://", "https://"))
    results, _ = crawl(store, [moved], T0 + DAY)
    assert [r.kind for r in results] == ["unchanged"]
    assert count(store, StoredArticle) == 2 and events(store) == []


def test_events_are_unique_per_key(store: Store) -> None:
    from monitor.store.events import record_event

    baselined(store)
    with store.transaction() as session:
        first = record_event(session, "site_stale", SITE.id, "site_stale:x", T0, {})
        second = record_event(session, "site_stale", SITE.id, "site_stale:x", T0, {"b": 1})
    assert first is not None and second is None
    assert len(events(store)) == 1
    with store.transaction() as session:
        assert session.scalars(select(Event.payload)).one() == {}


def test_listed_in_the_baseline_but_stored_later_is_still_baseline(store: Store) -> None:
    """Notice 3 was on the list of the first crawl, whose fetch of it failed (a partial run)."""
    crawl(store, [notice(1)], T0, listed=[notice(1).url, notice(3).url], status="partial")
    results, _ = crawl(store, [notice(3), notice(4)], T0 + 40 * DAY)
    assert [r.kind for r in results] == ["baseline", "new"]
    assert [e.payload["url"] for e in events(store)] == [notice(4).url]


def test_validators_are_kept_and_a_304_is_a_check(store: Store) -> None:
    tagged = Validators('"abc"', "Tue, 18 Jun 2024 02:00:00 GMT")
    run = Crawl(store)
    run.ingest(notice(1), validators=tagged)
    run.ingest(notice(2))  # no page answer known: nothing to send
    run.listing([notice(1).url, notice(2).url])
    run.finish()
    assert article_validators(store, SITE) == {notice(1).url: tagged}
    result = record_not_modified(store, SITE, notice(1).url + "#top", T0 + DAY)
    assert result is not None and result.kind == "unchanged"
    assert record_not_modified(store, SITE, notice(9).url, T0 + DAY) is None
    with store.transaction() as session:
        row = session.scalars(select(StoredArticle).where(StoredArticle.url == notice(1).url))
        assert row.one().last_checked == T0 + DAY
    # a 200 without validators clears them: nothing stale is sent again
    Crawl(store, now=T0 + 2 * DAY).ingest(notice(1), validators=Validators())
    assert article_validators(store, SITE) == {}
