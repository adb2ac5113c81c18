"""The JSON search adapter: the fixture platform's /common/search API over real HTTP (page=N,
totals from the JSON), Fujian-style keys, epoch dates, error answers, HTML template answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import pytest

from crawler.adapters.base import PageRequest
from crawler.adapters.common import ListPageError
from tests.fixture_site import FixtureSite
from tests.test_adapters_support import (
    adapter_of,
    answer,
    column_of,
    crawl,
    crawled_items,
    expected,
    fetch,
    tuples,
)

SiteFactory = Callable[..., FixtureSite]
FUJIAN = {
    "page_param": "page",
    "page_size_param": "prepage",
    "page_size": 3,
    "results_path": "data",
    "title_key": "doctitle",
    "url_key": "chnldocurl",
    "date_key": "docreltime",
}
FUJIAN_URL = (
    "https://jyt.fujian.gov.cn/fjdzapp/search?channelid=229105&sortfield=-docorderpri,-docreltime"
    "&classsql=(chnlid=30169)*(publishyear=2025)&cache=true&page=1&prepage=3"
)


def test_pages_by_page_param_until_the_total(fixture_site_factory: SiteFactory) -> None:
    site = fixture_site_factory("json_search", columns=["tzgg"], articles_per_column=40)
    pages = crawl(adapter_of(column_of(site.list_url("tzgg"), "json_search")))
    assert [request.url for request, _ in pages] == [site.list_url("tzgg", n) for n in (1, 2, 3)]
    assert [len(listing.items) for _, listing in pages] == [15, 15, 10]
    assert crawled_items(pages) == expected(site, "tzgg")
    assert {listing.page_count for _, listing in pages} == {3}
    assert pages[0][1].rule == "json_search:json:data.results"


def test_first_request_sets_page_and_pinned_size() -> None:
    url = "https://jyt.gansu.gov.cn/common/search/6ed9?_isAgg=true&_isJson=true&_pageSize=15&_rangeTimeGte=&page=3"
    plain = adapter_of(column_of(url, "json_search")).first_requests()
    assert plain == [PageRequest(url.replace("page=3", "page=1"))]
    pinned = adapter_of(column_of(url, "json_search", options={"page_size": 10, "first_page": 0}))
    assert pinned.first_requests() == [
        PageRequest(url.replace("_pageSize=15", "_pageSize=10").replace("page=3", "page=0"))
    ]


def _fujian(records: list[dict[str, object]]) -> str:
    return json.dumps({"data": records, "success": True}, ensure_ascii=False)


def test_fujian_keys_and_paging_without_a_total() -> None:
    records: list[dict[str, object]] = [
        {"doctitle": "福建省教育厅关于2025年<em>中小学</em>教师资格考试的公告",
         "chnldocurl": "https://jyt.fujian.gov.cn/xxgk/gggs/202503/t20250305_6789.htm",
         "docreltime": "2025-03-05 16:20:00"},
        {"doctitle": "关于公布第二批省级一流课程名单的通知",
         "chnldocurl": "/xxgk/gggs/202503/t20250301_6780.htm", "docreltime": 1740787200000},
        {"doctitle": "", "chnldocurl": "/xxgk/gggs/202502/t20250228_6777.htm"},
    ]  # fmt: skip
    adapter = adapter_of(column_of(FUJIAN_URL, "json_search", options=FUJIAN), date(2025, 3, 10))
    listing = adapter.parse(answer(_fujian(records), FUJIAN_URL))
    assert tuples(listing.items) == [
        ("福建省教育厅关于2025年 中小学 教师资格考试的公告",
         "https://jyt.fujian.gov.cn/xxgk/gggs/202503/t20250305_6789.htm", "2025-03-05", False),
        ("关于公布第二批省级一流课程名单的通知",
         "https://jyt.fujian.gov.cn/xxgk/gggs/202503/t20250301_6780.htm", "2025-03-01", False),
    ]  # fmt: skip
    assert listing.page_count is None
    assert listing.next_requests == (PageRequest(FUJIAN_URL.replace("page=1", "page=2"), 2),)
    short = adapter.parse(answer(_fujian(records[:2]), FUJIAN_URL))
    assert short.next_requests == ()  # fewer records than prepage=3: the last page


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ('{"ok": false, "code": 500, "msg": "栏目不存在", "data": null}', "json_error"),
        ("<html><body><h1>系统维护中</h1><p>请稍后访问本站</p></body></html>", "bad_json"),
        ('{"data": {"results": "none"}}', "json_error"),
    ],
)
def test_error_answers(body: str, code: str) -> None:
    url = "https://jyt.hlj.gov.cn/common/search/d945?_isJson=true&page=1"
    with pytest.raises(ListPageError) as raised:
        adapter_of(column_of(url, "json_search")).parse(answer(body, url))
    assert raised.value.code == code
    if code == "json_error" and "msg" in body:
        assert "栏目不存在" in raised.value.reason


def test_unknown_channel_answers_404(fixture_site_factory: SiteFactory) -> None:
    site = fixture_site_factory("json_search", columns=["tzgg"], articles_per_column=3)
    url = site.list_url("tzgg").replace(site.column("tzgg").channel, "0" * 32)
    with pytest.raises(ListPageError) as raised:
        adapter_of(column_of(url, "json_search")).parse(fetch(PageRequest(url)))
    assert raised.value.code == "http_status"


def test_empty_results_are_zero_items_not_an_error() -> None:
    url = "https://jyt.hlj.gov.cn/common/search/d945?_isJson=true&page=1"
    body = '{"ok": true, "data": {"total": 0, "results": []}}'
    listing = adapter_of(column_of(url, "json_search")).parse(answer(body, url))
    assert listing.items == () and listing.next_requests == ()


def test_html_template_answer_read_with_selectors(fixture_site_factory: SiteFactory) -> None:
    site = fixture_site_factory("json_search", columns=["sxq"], articles_per_column=10)
    url = site.list_url("sxq").replace("_isJson=true", "_isJson=false")
    selectors = {"item": "div.cen-div-1", "link": "div.list-right_title a", "date": "td"}
    column = column_of(url, "json_search", selectors=selectors)
    listing = adapter_of(column).parse(fetch(PageRequest(url)))
    assert listing.rule == "json_search:css:div.cen-div-1"
    assert tuples(listing.items) == expected(site, "sxq")
