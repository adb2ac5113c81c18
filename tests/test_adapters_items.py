"""Units of the adapters: list dates (MM-DD year inference around New Year), titles cut with
... or …, URLs in javascript: wrappers, file links, query editing, the registry."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, cast

import pytest
from selectolax.lexbor import LexborHTMLParser, LexborNode

from crawler.adapters import Adapter, ListError, adapter_for
from crawler.adapters.dates import date_only, infer_year, list_date
from crawler.adapters.items import full_title, link_url, read_item
from crawler.adapters.pager import directory_of, page_count, with_query_param
from crawler.siteconfig.options import adapter_kinds
from crawler.sites import load_sites
from tests.paths import ROOT
from tests.test_adapters_support import column_of

NEW_YEAR = date(2025, 1, 3)
BASE = "https://jy.tj.gov.cn/ZWGK_52172/TZGG/index.html"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("12-30", "2024-12-30"),
        ("[12-30]", "2024-12-30"),
        ("(01-02)", "2025-01-02"),
        ("01-03", "2025-01-03"),
        ("01-04", "2024-01-04"),
        ("12月30日", "2024-12-30"),
        ("02-29", "2024-02-29"),
        ("2024-03-01", "2024-03-01"),
        ("2024年03月01日", "2024-03-01"),
        ("[2024-03-01]", "2024-03-01"),
        ("(2024-03-01)", "2024-03-01"),
        ("2024/3/1", "2024-03-01"),
        ("发布时间：2024-03-01 09:30", "2024-03-01"),
        ("2025-01-04", "2025-01-04"),  # a day ahead: clock skew, kept
        ("2025-02-01", None),  # weeks ahead: not a date of a published item
        ("13-01", None),
        ("1/2", None),
        ("", None),
    ],
)
def test_list_dates(text: str, day: str | None) -> None:
    assert list_date(text, NEW_YEAR) == day


def test_year_inference_never_in_the_future() -> None:
    assert infer_year(12, 31, date(2025, 1, 1)) == date(2024, 12, 31)
    assert infer_year(1, 1, date(2025, 1, 1)) == date(2025, 1, 1)
    assert infer_year(2, 29, date(2027, 3, 1)) == date(2024, 2, 29)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2024-06-28", "2024-06-28"),
        ("　[06-28]　", "2024-06-28"),
        ("发布日期：2024年6月28日", "2024-06-28"),
        ("(2020-08-16 22:26:38)", "2020-08-16"),
        ("关于2024年6月28日召开会议的通知", None),
        ("我省42所高校入选", None),
    ],
)
def test_a_node_that_is_just_a_date(text: str, day: str | None) -> None:
    assert date_only(text, date(2024, 7, 1)) == day


FULL = "关于做好2024年普通高校招生工作的通知"


@pytest.mark.parametrize(
    ("text", "attribute", "title"),
    [
        ("关于做好2024年普通高校招生...", FULL, FULL),
        ("关于做好2024年普通高校招生…", FULL, FULL),
        ("关于做好2024年普通高校招生", FULL, FULL),
        ("关于做好2024年招生...", "关于开展教师资格认定的通知", "关于做好2024年招生..."),
        ("全省教育工作会议召开", "点击查看详情", "全省教育工作会议召开"),
        ("", "山西省教育厅2024年工作要点", "山西省教育厅2024年工作要点"),
        ("全省教育工作会议召开", "", "全省教育工作会议召开"),
    ],
)  # fmt: skip
def test_full_title(text: str, attribute: str, title: str) -> None:
    assert full_title(text, attribute) == title


def test_full_title_from_the_attribute_the_site_names() -> None:
    assert full_title("【通知】招生工作安排", FULL, explicit=True) == FULL
    assert full_title("【通知】招生工作安排", FULL) == "【通知】招生工作安排"
    assert full_title("【通知】招生工作安排", "通知", explicit=True) == "【通知】招生工作安排"


def _link(html: str) -> LexborNode:
    node = LexborHTMLParser(f"<html><body>{html}</body></html>").css_first("a")
    assert node is not None
    return node


@pytest.mark.parametrize(
    ("html", "url"),
    [
        ("""<a href="javascript:void(0)" onclick="isDownLoad(this,'https://jy.tj.gov.cn/ZWGK_52172/TZGG/202406/t20240628_1.html')">x</a>""",
         "https://jy.tj.gov.cn/ZWGK_52172/TZGG/202406/t20240628_1.html"),
        ("""<a href="javascript:openWin('./202406/t20240628_2.html')">x</a>""",
         "https://jy.tj.gov.cn/ZWGK_52172/TZGG/202406/t20240628_2.html"),
        ("""<a href="#" onclick="window.open('/art/2024/6/28/art_1_3.html')">x</a>""",
         "https://jy.tj.gov.cn/art/2024/6/28/art_1_3.html"),
        ("""<a data-href="../zcwj/202406/t20240628_4.html">x</a>""",
         "https://jy.tj.gov.cn/ZWGK_52172/zcwj/202406/t20240628_4.html"),
        ("""<a href=" ./202406/t2024\n0628_5.html#top ">x</a>""",
         "https://jy.tj.gov.cn/ZWGK_52172/TZGG/202406/t20240628_5.html"),
        ("""<a href="javascript:void(0)">x</a>""", None),
        ("""<a href="mailto:jyt@sx.gov.cn">x</a>""", None),
        ("""<a>x</a>""", None),
    ],
)  # fmt: skip
def test_link_urls(html: str, url: str | None) -> None:
    assert link_url(_link(html), BASE) == url


def test_link_pattern_on_another_attribute() -> None:
    link = _link("""<a href="/x.html" data-id="5001" onclick="show(5001)">x</a>""")
    assert (
        link_url(link, BASE, "onclick", r"show\((\d+)\)")
        == "https://jy.tj.gov.cn/ZWGK_52172/TZGG/5001"
    )
    assert link_url(link, BASE, "onclick", r"open\('([^']+)'") == "https://jy.tj.gov.cn/x.html"


@pytest.mark.parametrize(
    ("href", "is_file"),
    [
        ("./202406/P020240628000001.pdf", True),
        ("/uploads/2024/名单.DOCX", True),
        ("/module/download/downfile.jsp?classid=0&filename=2406281.xlsx", True),
        ("./202406/t20240628_1.html", False),
        ("/module/download/downfile.jsp?classid=0", False),
    ],
)
def test_file_items(href: str, is_file: bool) -> None:
    node = LexborHTMLParser(
        f'<html><body><li><a href="{href}">附件名单：2024年拟录取名单</a>'
        "<span>2024-06-28</span></li></body></html>"
    ).css_first("li")
    assert node is not None
    reading = read_item(node, BASE, date(2024, 7, 1))
    assert reading is not None and reading.item.is_file is is_file
    assert reading.item.date == "2024-06-28" and reading.visible_date


def test_query_edits_keep_every_other_byte() -> None:
    url = "https://x.gov.cn/s?classsql=(chnlid=30169)*(publishyear=2025)&page=1&_channelName="
    assert with_query_param(url, "page", "2") == url.replace("page=1", "page=2")
    assert with_query_param("https://x.gov.cn/s", "page", "2") == "https://x.gov.cn/s?page=2"
    assert directory_of("https://x.gov.cn/xwzx/gzdt") == "https://x.gov.cn/xwzx/gzdt/"
    assert (
        directory_of("https://x.gov.cn/xwzx/gzdt/index_3.html?a=1") == "https://x.gov.cn/xwzx/gzdt/"
    )


def test_page_count_in_the_pager_only() -> None:
    tree = LexborHTMLParser(
        '<div class="news"><em>06/28</em></div><div class="pager"><span>2/9</span></div>'
    )
    assert page_count(tree.html or "", tree=tree)[0] == 9
    dates_only = LexborHTMLParser('<ul class="list"><li><em>06/28</em></li></ul>')
    assert page_count(dates_only.html or "", tree=dates_only)[0] is None


def test_every_kind_is_registered() -> None:
    assert adapter_kinds() == ("trs", "hanweb", "json_search", "css", "auto")
    assert set(adapter_kinds()) == set(Adapter.registry)
    for kind in adapter_kinds():
        selectors = {"item": "li"} if kind == "css" else None
        column = column_of("https://x.gov.cn/list/", kind, selectors=selectors)
        assert adapter_for(column).kind == kind


def test_unknown_kind_is_a_list_error() -> None:
    column = column_of("https://x.gov.cn/list/", "trs")
    with pytest.raises(ListError, match="no adapter"):
        adapter_for(replace(column, adapter=cast(Any, "rss")))


def test_every_shipped_column_has_an_adapter_and_a_first_request() -> None:
    loaded = load_sites(ROOT / "config")
    assert loaded.ok
    for site in loaded.sites:
        for column in site.effective_columns():
            adapter = adapter_for(column)
            assert adapter.kind == column.adapter
            (first,) = adapter.first_requests()
            assert first.page == 1 and first.method == "GET"
            assert first.url.startswith(("http://", "https://"))
