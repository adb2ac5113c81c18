"""The crawl's pure parts: paging and fetch decisions, outcomes, the list cache, and the
middlewares' handling of challenges, validators, retries and failure reasons."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.settings import Settings
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.internet.error import TimeoutError as TwistedTimeout
from twisted.python.failure import Failure

from crawler.adapters.base import ListItem, PageRequest
from crawler.middlewares import (
    ROLE,
    VALIDATORS,
    VALIDATORS_SEEN,
    BackoffRetryMiddleware,
    ChallengeDetected,
    ChallengeMiddleware,
    ConditionalGetMiddleware,
    failure_reason,
    response_charset,
)
from crawler.spiders.listcache import CachedPage, ListCache, Suspect
from crawler.spiders.state import ColumnRun, CrawlState
from tests.paths import ROOT

BASE = "http://jyt.shanxi.gov.cn/xwzx/tzgg/"
CHALLENGE = ROOT / "tests" / "fixture_site" / "data" / "challenge_gov_nmpa_412.html"


def item(n: int, *, is_file: bool = False) -> ListItem:
    suffix = "pdf" if is_file else "html"
    return ListItem(
        f"关于第{n}批招生计划的通知", f"{BASE}t2024_{n}.{suffix}", "2024-06-18", is_file
    )


def state_of(
    *columns: ColumnRun, known: set[str] | None = None, due: set[str] | None = None
) -> CrawlState:
    return CrawlState(columns, set(known or ()), set(due or ()), lambda url: url.split("#")[0])


# --- decisions ---------------------------------------------------------------------------------


def test_only_unknown_or_due_items_are_fetched_once_per_crawl() -> None:
    news, notices = ColumnRun("要闻", "news", 3), ColumnRun("通知", "notice", 3)
    state = state_of(news, notices, known={item(1).url, item(2).url}, due={item(2).url})
    chosen = state.read_items(news, [item(1), item(2), item(3), item(3)])
    assert chosen == [item(2), item(3)]  # known 1 skipped, due 2 and new 3 fetched, 3 once
    assert state.read_items(notices, [item(3), item(4)]) == [item(4)]  # listed twice: once
    assert set(news.seen) == {item(n).url for n in (1, 2, 3)}
    assert state.has_news([item(2), item(3)]) and not state.has_news([item(1), item(2)])
    assert state.listed_anywhere(item(4).url + "#top")


def test_paging_takes_the_lowest_pending_page_within_max_pages() -> None:
    run = ColumnRun("通知", "notice", max_pages=3)
    first = PageRequest(BASE, 1)
    run.sent(first)
    pages = [PageRequest(f"{BASE}index_{n - 1}.html", n) for n in (4, 3, 2)]
    run.offer([*pages, first])
    assert run.next_page() == pages[2]
    run.sent(pages[2])
    run.offer(pages)  # page 3 offered again by page 2: once
    assert list(run.pending.values()) == [pages[1]] and run.in_flight == 2


def test_outcome_of_a_run() -> None:
    ok, broken = ColumnRun("要闻", "news", 3), ColumnRun("通知", "notice", 3)
    ok.end("ok")
    broken.end("broken", "no list items")
    assert state_of(ok).outcome("finished") == ("ok", None)
    status, error = state_of(ok, broken).outcome("finished")
    assert status == "partial" and error == "通知: no list items"
    failing = state_of(ok)
    failing.fail("http_500", ok)
    assert failing.outcome("finished") == ("partial", "failed requests: http_500 1")
    assert state_of(broken).outcome("finished") == ("failed", "通知: no list items")
    assert state_of(ok).outcome("shutdown")[0] == "failed"
    ok.end("challenge", "412")  # a later verdict that is no listing replaces the first
    assert ok.status == "challenge"


def test_probes_are_vanished_suspected_and_due_known_articles(tmp_path: Path) -> None:
    run = ColumnRun("通知", "notice", 3)
    run.end("ok")
    cache = ListCache(tmp_path / "c.json")
    cache.pages[BASE] = CachedPage("通知", "trs", (item(1), item(2), item(9)))
    cache.suspects[item(5).url] = Suspect("通知", 1)
    cache.suspects[item(6).url] = Suspect("别的栏目", 1)  # a column not crawled: left alone
    known = {item(n).url for n in (1, 2, 5, 6, 7, 8)}
    state = state_of(run, known=known, due={item(7).url, item(8).url})
    state.column_of = {item(7).url: "通知"}  # 8 belongs to no column crawled
    state.read_items(run, [item(1)])
    run.fresh[BASE] = CachedPage("通知", "trs", (item(1),))
    probes = state.probes(cache)
    assert sorted(probes) == sorted((item(n).url, "通知") for n in (2, 5, 7))  # 9 unknown
    assert state.probes(cache) == []  # once


# --- the list cache ----------------------------------------------------------------------------


def test_list_cache_round_trip_and_bad_files(tmp_path: Path) -> None:
    path = tmp_path / "state" / "site.json"
    post = PageRequest(BASE + "dataproxy.jsp", 2, "POST", "webname=浙江".encode(), (("A", "b"),))
    page = CachedPage("通知", "trs", (item(1), item(2, is_file=True)), (post,), '"e1"', "Mon")
    cache = ListCache(path, {BASE: page}, {item(3).url: Suspect("通知", 1)})
    cache.save()
    again = ListCache.load(path)
    assert again.pages == {BASE: page} and again.suspects == cache.suspects
    assert page.validators == {"etag": '"e1"', "last_modified": "Mon"}
    assert page.without_validators().validators is None
    for broken in ("{not json", json.dumps({"version": 99, "pages": {}}), '{"version": 1}'):
        path.write_text(broken, "utf-8")
        assert ListCache.load(path).pages == {}


def test_suspects_settle_after_two_ok_runs_or_an_answer(tmp_path: Path) -> None:
    cache = ListCache(tmp_path / "c.json")
    gone = {item(1).url: "通知", item(2).url: "通知"}
    cache.settle_suspects(gone, set(), run_ok=False)
    assert {url: s.ok_runs for url, s in cache.suspects.items()} == dict.fromkeys(gone, 0)
    cache.settle_suspects(gone, set(), run_ok=True)
    cache.settle_suspects({item(1).url: "通知"}, {item(2).url}, run_ok=True)
    assert cache.suspects == {}


# --- middlewares -------------------------------------------------------------------------------


class _Crawler:
    stats = None


def test_challenges_are_raised_for_spider_requests_only() -> None:
    middleware = ChallengeMiddleware(_Crawler())  # type: ignore[arg-type]
    body = CHALLENGE.read_bytes()
    robots = Request("http://a.example/robots.txt")
    article = Request("http://a.example/t1.html", meta={ROLE: "article"})
    assert middleware.process_response(robots, Response(robots.url, 412, body=body))
    for status in (412, 200):
        with pytest.raises(ChallengeDetected) as raised:
            middleware.process_response(article, Response(article.url, status, body=body))
        assert failure_reason(Failure(raised.value)) == "challenge"
    page = HtmlResponse(article.url, body="<p>　　各市教育局：现将有关事项通知如下。</p>".encode())
    assert middleware.process_response(article, page) is page


def test_conditional_get_sends_and_collects_validators() -> None:
    middleware = ConditionalGetMiddleware()
    validators = {"etag": '"abc"', "last_modified": "Tue, 18 Jun 2024 02:00:00 GMT"}
    request = Request(BASE, meta={VALIDATORS: validators})
    middleware.process_request(request)
    assert request.headers[b"If-None-Match"] == b'"abc"'
    assert request.headers[b"If-Modified-Since"] == validators["last_modified"].encode()
    fresh = Request(BASE, meta={VALIDATORS: None})
    middleware.process_request(fresh)
    assert b"If-None-Match" not in fresh.headers
    answer = Response(BASE, 200, headers={"ETag": '"new"'}, request=fresh)
    middleware.process_response(fresh, answer)
    assert fresh.meta[VALIDATORS_SEEN] == {"etag": '"new"', "last_modified": None}


def test_retries_back_off_and_double_up_to_a_cap() -> None:
    settings = Settings({"EDUWATCH_RETRY_BACKOFF": 0.5, "EDUWATCH_RETRY_BACKOFF_MAX": 3.0})
    middleware = BackoffRetryMiddleware(settings)
    assert [middleware.delay(n) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_a_retry_waits_before_it_goes_out() -> None:
    crawler = get_crawler(Spider, {"EDUWATCH_RETRY_BACKOFF": 0.2, "RETRY_HTTP_CODES": [503]})
    crawler.spider = crawler._create_spider("test")
    middleware = BackoffRetryMiddleware.from_crawler(crawler)
    loop = asyncio.new_event_loop()
    try:
        retrying = loop.create_task(middleware.process_response(Request(BASE), Response(BASE, 503)))
        serving = loop.create_task(middleware.process_response(Request(BASE), Response(BASE)))
        loop.run_until_complete(asyncio.sleep(0))  # one turn of the loop
        assert serving.done() and not retrying.done()  # the retry is held back, the answer not
        retry = loop.run_until_complete(retrying)
    finally:
        loop.close()
    assert isinstance(retry, Request) and retry.meta["retry_times"] == 1
    assert serving.result().status == 200


def test_failure_reasons_and_charsets() -> None:
    page = Response(BASE, 404)
    assert failure_reason(Failure(HttpError(page))) == "http_404"
    assert failure_reason(Failure(IgnoreRequest("Forbidden by robots.txt"))) == "robots"
    assert failure_reason(Failure(TwistedTimeout())) == "timeout"
    assert failure_reason(Failure(ValueError("bad"))) == "valueerror"
    gbk = Response(BASE, headers={"Content-Type": "text/html; charset=GBK"})
    assert response_charset(gbk) == "GBK"
    assert response_charset(Response(BASE, headers={"Content-Type": "text/html"})) is None
