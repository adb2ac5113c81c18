"""The TRS adapter on the fixture site's TRS families over real HTTP, and on hand-written pagers:
page counts, the index_1/index_2 numbering, onclick links, PDF items, GBK bytes, challenges."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from crawler.adapters.base import ListError, PageRequest
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
    page,
    tuples,
)

SiteFactory = Callable[..., FixtureSite]
TIANJIN_LIST = {
    "item": "ul.common-list-right-list li",
    "link": "a",
    "link_attr": "onclick",
    "link_pattern": r"isDownLoad\(this,\s*'([^']+)'\)",
    "title": "p.list-content",
    "date": "p.list-date",
}
MOE_LIST = {"item": "ul#list > li", "title_attr": "title", "date": "span"}


def test_create_page_html_site_pages_from_index_1(fixture_site_factory: SiteFactory) -> None:
    site = fixture_site_factory("trs", columns=["tzgg"], articles_per_column=50)
    pages = crawl(adapter_of(column_of(site.list_url("tzgg"), "trs")))
    assert [request.url for request, _ in pages] == [
        site.url("/xwzx/tzgg/index.html"),
        site.url("/xwzx/tzgg/index_1.html"),
        site.url("/xwzx/tzgg/index_2.html"),
    ]
    assert crawled_items(pages) == expected(site, "tzgg")
    assert [listing.page_count for _, listing in pages] == [3, 3, 3]
    assert [request.page for request, _ in pages] == [1, 2, 3]
    assert pages[-1][1].next_requests == ()
    assert pages[0][1].rule.startswith("trs:") and pages[0][1].rule.endswith("ul#list.list>li")


def test_index_2_site_numbering_comes_from_the_pager(fixture_site_factory: SiteFactory) -> None:
    site = fixture_site_factory("trs_index2", columns=["gzdt"], articles_per_column=50)
    pages = crawl(adapter_of(column_of(site.list_url("gzdt"), "trs")))
    assert [request.url for request, _ in pages] == [
        site.url("/xwzx/gzdt/index.html"),
        site.url("/xwzx/gzdt/index_2.html"),
        site.url("/xwzx/gzdt/index_3.html"),
    ]
    assert crawled_items(pages) == expected(site, "gzdt")
    assert site.count("/xwzx/gzdt/index_1.html") == 0


def test_pinned_first_index_and_site_selectors(fixture_site_factory: SiteFactory) -> None:
    site = fixture_site_factory("trs_index2", columns=["tzgg"], articles_per_column=45)
    column = column_of(site.list_url("tzgg"), "trs", options={"first_index": 2}, selectors=MOE_LIST)
    pages = crawl(adapter_of(column))
    assert crawled_items(pages) == expected(site, "tzgg")
    assert pages[0][1].rule == "trs:css:ul#list > li"
    assert pages[1][0].url == site.url("/xwzx/tzgg/index_2.html")


def test_truncated_titles_come_from_a_title(fixture_site_factory: SiteFactory) -> None:
    site = fixture_site_factory("trs", columns=["zcwj"], articles_per_column=20)
    listing = adapter_of(column_of(site.list_url("zcwj"), "trs")).parse(
        fetch(PageRequest(site.list_url("zcwj")))
    )
    long_titles = [item.title for item in listing.items if len(item.title) > 26]
    assert long_titles, "the fixture cuts titles longer than 26 characters"
    assert all("..." not in title for title in long_titles)
    assert tuples(listing.items) == expected(site, "zcwj")


def test_tianjin_onclick_links_with_and_without_selectors(
    fixture_site_factory: SiteFactory,
) -> None:
    site = fixture_site_factory("tianjin", articles_per_column=30)
    for selectors in (TIANJIN_LIST, None):
        column = column_of(site.list_url("tjtz"), "trs", selectors=selectors)
        pages = crawl(adapter_of(column))
        assert crawled_items(pages) == expected(site, "tjtz")
    assert pages[0][1].rule == "trs:div.list-main>ul.common-list-right-list>li"


def test_pdf_items_are_files_and_pager_links_give_the_offset(
    fixture_site_factory: SiteFactory,
) -> None:
    site = fixture_site_factory("pdf_list", articles_per_column=30)
    pages = crawl(adapter_of(column_of(site.list_url("ggtz"), "trs")))
    items = crawled_items(pages)
    assert items == expected(site, "ggtz")
    files = [url for _, url, _, is_file in items if is_file]
    assert files and all(url.endswith(".pdf") and "/P0" in url for url in files)
    assert any("next-page link" in note for note in pages[0][1].notes)
    assert pages[1][0].url == site.url("/xwzx/ggtz/index_1.html")


@pytest.mark.parametrize("http_charset", [True, False])
def test_gbk_list_bytes_decode(fixture_site_factory: SiteFactory, http_charset: bool) -> None:
    site = fixture_site_factory("gbk", columns=["gzdt"], articles_per_column=25)
    request = PageRequest(site.list_url("gzdt"))
    response = fetch(request, charset=http_charset)
    assert response.body.decode("gb18030") and b"\xe5\xb7\xa5" not in response.body[:400]
    listing = adapter_of(column_of(site.list_url("gzdt"), "trs")).parse(response)
    assert tuples(listing.items) == expected(site, "gzdt")[:20]


def test_site_encoding_override_decodes_gbk(fixture_site_factory: SiteFactory) -> None:
    site = fixture_site_factory("gbk", columns=["tzgg"], articles_per_column=5)
    column = column_of(site.list_url("tzgg"), "trs", encoding="gbk")
    listing = adapter_of(column).parse(fetch(PageRequest(site.list_url("tzgg")), charset=False))
    assert tuples(listing.items) == expected(site, "tzgg")


def test_challenge_answers_are_list_errors(fixture_site_factory: SiteFactory) -> None:
    site = fixture_site_factory("challenge", columns=["gzdt"], articles_per_column=5)
    response = fetch(PageRequest(site.list_url("gzdt")))
    assert response.status == 412
    with pytest.raises(ListPageError) as raised:
        adapter_of(column_of(site.list_url("gzdt"), "trs")).parse(response)
    assert raised.value.code == "challenge"
    disguised = answer(response.body, site.list_url("gzdt"), status=200)
    with pytest.raises(ListError, match="challenge"):
        adapter_of(column_of(site.list_url("gzdt"), "trs")).parse(disguised)


def test_error_status_and_empty_answers(fixture_site_factory: SiteFactory) -> None:
    site = fixture_site_factory("trs", columns=["gzdt"], articles_per_column=5)
    adapter = adapter_of(column_of(site.list_url("gzdt"), "trs"))
    missing = fetch(PageRequest(site.url("/xwzx/gzdt/index_9.html"), page=10))
    with pytest.raises(ListPageError) as raised:
        adapter.parse(missing)
    assert raised.value.code == "http_status"
    with pytest.raises(ListPageError) as empty:
        adapter.parse(answer(b"  "))
    assert empty.value.code == "empty"


def test_zero_items_is_no_error() -> None:
    column = column_of("http://127.0.0.1:8/xwzx/gzdt/", "trs")
    listing = adapter_of(column).parse(answer(page('<ul id="list"></ul>')))
    assert listing.items == () and listing.rule == "trs:none"


# -- hand-written pagers -----------------------------------------------------------------------
ITEM = (
    '<li><a href="./202403/t20240301_{n}.html" title="第{n}号通知全文">第{n}号通知</a>'
    "<span>2024-03-01</span></li>"
)


def _list(count: int, pager: str) -> str:
    items = "".join(ITEM.format(n=n) for n in range(count))
    return page(f'<ul class="list">{items}</ul>', pager)


@pytest.mark.parametrize(
    ("pager", "count", "following"),
    [
        ("<script>var countPage = 5//共多少页</script>", 5, ["index_1.html"]),
        ('<script>createPageHTML(7, 0, "index", "html");</script>', 7, ["index_1.html"]),
        ("<div class='page-list'><span>共<b>4</b>页</span><a href='index_1.html'>2</a></div>",
         4, ["index_1.html"]),
        # a count in text alone implies no URL: nothing is invented
        ("<div class='page-list'><span>共<b>4</b>页</span></div>", 4, []),
        ("<div class='xll_pagebox'>1/6页</div>", 6, []),
    ],
)  # fmt: skip
def test_page_count_patterns(pager: str, count: int, following: list[str]) -> None:
    column = column_of("http://127.0.0.1:8/xwzx/gzdt/", "trs")
    listing = adapter_of(column).parse(answer(_list(3, pager)))
    assert listing.page_count == count
    assert [r.url for r in listing.next_requests] == [
        "http://127.0.0.1:8/xwzx/gzdt/" + name for name in following
    ]


def test_chongqing_page_count_pattern_option() -> None:
    options = {"page_count_pattern": r"createPage\((\d+)", "first_index": 1}
    column = column_of("http://127.0.0.1:8/zwxx_209/gggs/", "trs", options=options)
    response = answer(_list(2, "<script>createPage(12, 1, 'index', 'html')</script>"), page=2,
                      url="http://127.0.0.1:8/zwxx_209/gggs/index_1.html")  # fmt: skip
    listing = adapter_of(column).parse(response)
    assert listing.page_count == 12
    assert listing.next_requests == (
        PageRequest("http://127.0.0.1:8/zwxx_209/gggs/index_2.html", 3),
    )


@pytest.mark.parametrize(
    ("own", "following"), [("index_2.html", "index_3"), ("index_3.html", "index_4")]
)
def test_offset_from_the_url_of_a_later_page(own: str, following: str) -> None:
    column = column_of("http://127.0.0.1:8/xwzx/gzdt/index.html", "trs")
    url = f"http://127.0.0.1:8/xwzx/gzdt/{own}"
    listing = adapter_of(column).parse(
        answer(_list(2, "<script>var countPage = 9</script>"), url, page=3)
    )
    assert listing.next_requests == (
        PageRequest(f"http://127.0.0.1:8/xwzx/gzdt/{following}.html", 4),
    )


def test_htm_suffix_from_the_column_url_and_options() -> None:
    pager = '<script>createPageHTML(3, 0, "index", "htm");</script>'
    column = column_of("http://127.0.0.1:8/zwgk/ggl/index.htm", "trs")
    listing = adapter_of(column).parse(
        answer(_list(2, pager), "http://127.0.0.1:8/zwgk/ggl/index.htm")
    )
    assert listing.next_requests[0].url == "http://127.0.0.1:8/zwgk/ggl/index_1.htm"
    shtml = column_of("http://127.0.0.1:8/bmdt/tzgg/", "trs", options={"suffix": ".shtml"})
    listing = adapter_of(shtml).parse(answer(_list(2, pager), "http://127.0.0.1:8/bmdt/tzgg/"))
    assert listing.next_requests[0].url == "http://127.0.0.1:8/bmdt/tzgg/index_1.shtml"


def test_without_a_count_the_next_link_is_followed() -> None:
    pager = '<div class="pager"><a href="list_2.html">下一页</a></div>'
    column = column_of("http://127.0.0.1:8/xwzx/gzdt/", "trs")
    listing = adapter_of(column).parse(answer(_list(2, pager), "http://127.0.0.1:8/xwzx/gzdt/"))
    assert listing.page_count is None
    assert listing.next_requests == (PageRequest("http://127.0.0.1:8/xwzx/gzdt/list_2.html", 2),)
    last = adapter_of(column).parse(
        answer(_list(2, ""), "http://127.0.0.1:8/xwzx/gzdt/list_2.html")
    )
    assert last.next_requests == ()
