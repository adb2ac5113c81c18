"""The css adapter: the YAML's list selectors on the fixture's css site over real HTTP (list.next
link, page_url template stopped by the pager's page count), MM-DD dates, odd layouts by hand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import pytest

from crawler.adapters.base import PageRequest
from crawler.adapters.common import ListPageError
from crawler.sites import ListSelectors
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
DL = {"item": "div.news-list dl dd", "date": "em"}


def test_next_link_selector(fixture_site_factory: SiteFactory) -> None:
    site = fixture_site_factory("css", columns=["zxdt"], articles_per_column=45)
    column = column_of(site.list_url("zxdt"), "css", selectors={**DL, "next": "div.pager a.next"})
    pages = crawl(adapter_of(column))
    assert [request.url for request, _ in pages] == [site.list_url("zxdt", n) for n in (1, 2, 3)]
    assert crawled_items(pages) == expected(site, "zxdt")
    assert pages[0][1].rule == "css:css:div.news-list dl dd"


def test_page_url_template_stops_at_the_stated_count(fixture_site_factory: SiteFactory) -> None:
    site = fixture_site_factory("css", columns=["zxdt"], articles_per_column=45)
    column = column_of(
        site.list_url("zxdt"), "css", selectors=DL, options={"page_url": "list_{page}.html"}
    )
    pages = crawl(adapter_of(column))
    assert [request.url for request, _ in pages] == [site.list_url("zxdt", n) for n in (1, 2, 3)]
    assert [listing.page_count for _, listing in pages] == [3, 3, 3]
    assert crawled_items(pages) == expected(site, "zxdt")
    assert all(entry.status == 200 for entry in site.requests)


def test_month_day_dates_take_the_year_of_the_url(fixture_site_factory: SiteFactory) -> None:
    site = fixture_site_factory("css", columns=["gsgg"], articles_per_column=25)
    selectors = {**DL, "next": "a.next"}
    column = column_of(site.list_url("gsgg"), "css", selectors=selectors)
    body = fetch(PageRequest(site.list_url("gsgg"))).body
    assert b"<em>06-28</em>" in body
    for today in (date(2024, 6, 30), date(2027, 1, 2)):
        pages = crawl(adapter_of(column, today))
        assert crawled_items(pages) == expected(site, "gsgg")


NEW_YEAR = """<ul class="news">
<li><a href="/edu/gsgg/a.html">关于寒假期间校园安全工作的通知</a><span>[01-02]</span></li>
<li><a href="/edu/gsgg/b.html">关于公布2024年度优秀教学成果的公告</a><span>[12-30]</span></li>
<li><a href="/edu/gsgg/c.html">关于开展新学期教材征订工作的通知</a><span>[01-04]</span></li>
<li><a href="/edu/gsgg/d.html">关于做好闰年统计工作的通知</a><span>[02-29]</span></li>
</ul>"""


@pytest.mark.parametrize("kind", ["css", "auto"])
def test_month_day_year_inference_around_new_year(kind: str) -> None:
    url = "https://edu.hainan.gov.cn/edu/gsgg/list.html"
    column = column_of(url, kind, selectors={"item": "ul.news li", "date": "span"})
    listing = adapter_of(column, date(2025, 1, 3)).parse(answer(page(NEW_YEAR), url))
    assert [item.date for item in listing.items] == [
        "2025-01-02",
        "2024-12-30",
        "2024-01-04",
        "2024-02-29",
    ]


def test_css_without_item_selector_is_a_list_error() -> None:
    column = column_of("http://127.0.0.1:8/a/", "css", selectors={"item": "li"})
    bare = replace(column, list_selectors=ListSelectors())
    with pytest.raises(ListPageError) as raised:
        adapter_of(bare).parse(answer(page("<ul><li>x</li></ul>")))
    assert raised.value.code == "no_selectors"


NINGXIA = """<ul class="wzlb">
<a href="./202403/t20240305_1.html"><li><p>自治区教育厅关于做好2024年春季学期开学工作的通知</p>
<span>2024-03-05</span></li></a>
<a href="./202403/t20240301_2.html"><li><p>全区教育工作会议在银川召开</p>
<span>2024-03-01</span></li></a>
</ul>"""


def test_items_that_are_links() -> None:
    url = "https://jyt.nx.gov.cn/xwdt/tzgg/index.html"
    column = column_of(
        url, "css", selectors={"item": "ul.wzlb > a", "title": "li p", "date": "li span"}
    )
    listing = adapter_of(column).parse(answer(page(NINGXIA), url))
    assert tuples(listing.items) == [
        ("自治区教育厅关于做好2024年春季学期开学工作的通知",
         "https://jyt.nx.gov.cn/xwdt/tzgg/202403/t20240305_1.html", "2024-03-05", False),
        ("全区教育工作会议在银川召开", "https://jyt.nx.gov.cn/xwdt/tzgg/202403/t20240301_2.html",
         "2024-03-01", False),
    ]  # fmt: skip


HUBEI = """<ul class="row"><li class="col-md-6">
<div class="calendar"><span>28</span><p>2023-08</p></div>
<a href="./202308/t20230828_4812345.shtml" title="湖北省教育厅关于2023年秋季开学工作的通知">
湖北省教育厅关于2023年秋季开学…</a></li>
<li class="col-md-6"><div class="calendar"><span>3</span><p>2023.09</p></div>
<a href="/bmdt/dtyw/202309/t20230903_4800001.shtml">全省教育系统召开安全工作会议</a></li></ul>"""


def test_calendar_dates_and_truncated_titles() -> None:
    url = "https://jyt.hubei.gov.cn/bmdt/dtyw/"
    selectors = {"item": "li.col-md-6", "link": "a", "date": "div.calendar"}
    listing = adapter_of(column_of(url, "css", selectors=selectors)).parse(answer(page(HUBEI), url))
    assert tuples(listing.items) == [
        ("湖北省教育厅关于2023年秋季开学工作的通知",
         "https://jyt.hubei.gov.cn/bmdt/dtyw/202308/t20230828_4812345.shtml", "2023-08-28", False),
        ("全省教育系统召开安全工作会议",
         "https://jyt.hubei.gov.cn/bmdt/dtyw/202309/t20230903_4800001.shtml", "2023-09-03", False),
    ]  # fmt: skip


HAINAN = """<dl><li><a href="/edu/zxjd/202401/abc.shtml">海南省2024年普通高考报名工作问答</a>
<em>发布时间：2024年01月05日</em></li>
<li><a href="/edu/zxjd/202312/def.shtml">解读：义务教育阶段招生</a>
<em>发布时间：2023年12月30日</em></li></dl>"""


def test_date_pattern_and_labelled_dates() -> None:
    url = "https://edu.hainan.gov.cn/edu/zxjd/tylist.shtml"
    selectors = {"item": "dl li", "link": "a", "date": "em", "date_pattern": r"发布时间：(.+)"}
    listing = adapter_of(column_of(url, "css", selectors=selectors)).parse(
        answer(page(HAINAN), url)
    )
    assert [item.date for item in listing.items] == ["2024-01-05", "2023-12-30"]
    assert [item.url for item in listing.items] == [
        "https://edu.hainan.gov.cn/edu/zxjd/202401/abc.shtml",
        "https://edu.hainan.gov.cn/edu/zxjd/202312/def.shtml",
    ]


def test_template_with_offset_and_query() -> None:
    url = "https://jyt.ah.gov.cn/content/column/31401481?pageIndex=1"
    selectors = {"item": "div.rightnr li", "link": "a"}
    items = (
        '<div class="rightnr"><ul><li><a href="/a/1.html">安徽省教育厅关于公布名单的通知</a>'
        "<span>2024-03-01</span></li></ul></div>"
    )
    column = column_of(url, "css", selectors=selectors, options={"page_url": "?pageIndex={page}"})
    listing = adapter_of(column).parse(answer(page(items), url))
    assert listing.next_requests == (PageRequest(url.replace("pageIndex=1", "pageIndex=2"), 2),)
    offset = column_of("https://jyt.gxzf.gov.cn/jyxw/jyyw/", "css", selectors=selectors,
                       options={"page_url": "index_{page}.shtml", "page_offset": -1})  # fmt: skip
    listing = adapter_of(offset).parse(answer(page(items), "https://jyt.gxzf.gov.cn/jyxw/jyyw/"))
    assert listing.next_requests == (
        PageRequest("https://jyt.gxzf.gov.cn/jyxw/jyyw/index_1.shtml", 2),
    )
    empty = adapter_of(column).parse(answer(page('<div class="rightnr"><ul></ul></div>'), url))
    assert empty.items == () and empty.next_requests == ()
