"""The Hanweb adapter: page 1 from the <datastore> inside the column page, the next records by the
dataproxy.jsp POST (form body and headers checked on the fixture server's log), answer parsing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from urllib.parse import parse_qsl

import pytest

from crawler.adapters.base import PageRequest
from crawler.adapters.common import ListPageError
from tests.fixture_site import FixtureSite
from tests.fixture_site.layouts.hanweb import DATAPROXY, HanwebLayout
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
FORM_TYPE = "application/x-www-form-urlencoded; charset=UTF-8"


def _headers(request: PageRequest) -> dict[str, str]:
    return dict(request.headers)


def test_datastore_then_dataproxy_post(fixture_site_factory: SiteFactory) -> None:
    site = fixture_site_factory("hanweb", columns=["jyyw"], articles_per_column=60)
    column_url = site.list_url("jyyw")
    adapter = adapter_of(column_of(column_url, "hanweb", name="浙江省教育厅"))
    first = adapter.parse(fetch(PageRequest(column_url)))
    assert first.rule == "hanweb:datastore"
    assert tuples(first.items) == expected(site, "jyyw")[:45]
    assert first.page_count == 2
    (post,) = first.next_requests
    assert post.method == "POST" and post.page == 2
    assert post.url == site.url(f"{DATAPROXY}?startrecord=46&endrecord=90&perpage=15")
    layout = site.layout
    assert isinstance(layout, HanwebLayout)
    assert dict(parse_qsl(post.body.decode("ascii"))) == layout.ajax_params(site.column("jyyw"))
    assert _headers(post)["Content-Type"] == FORM_TYPE
    assert _headers(post)["Referer"] == column_url

    second = adapter.parse(fetch(post))
    assert tuples(second.items) == expected(site, "jyyw")[45:]
    assert second.next_requests == () and second.page_count == 2
    (logged,) = [entry for entry in site.requests if entry.method == "POST"]
    assert logged.headers["content-type"] == FORM_TYPE
    assert logged.headers["referer"] == column_url


def test_long_column_takes_several_posts(fixture_site_factory: SiteFactory) -> None:
    site = fixture_site_factory("hanweb", columns=["tzgg"], articles_per_column=100)
    pages = crawl(adapter_of(column_of(site.list_url("tzgg"), "hanweb")))
    assert [len(listing.items) for _, listing in pages] == [45, 45, 10]
    assert [request.url.rsplit("?", 1)[-1] for request, _ in pages[1:]] == [
        "startrecord=46&endrecord=90&perpage=15",
        "startrecord=91&endrecord=135&perpage=15",
    ]
    assert crawled_items(pages) == expected(site, "tzgg")
    assert site.count(DATAPROXY, method="POST") == 2


def test_small_column_needs_no_post(fixture_site_factory: SiteFactory) -> None:
    site = fixture_site_factory("hanweb", columns=["zcwj"], articles_per_column=12)
    listing = adapter_of(column_of(site.list_url("zcwj"), "hanweb")).parse(
        fetch(PageRequest(site.list_url("zcwj")))
    )
    assert tuples(listing.items) == expected(site, "zcwj")
    assert listing.next_requests == () and listing.page_count == 1


def test_options_override_the_page_ids(fixture_site_factory: SiteFactory) -> None:
    site = fixture_site_factory("hanweb", columns=["jyyw"], articles_per_column=50)
    options = {"unitid": 999, "perpage": 10}
    adapter = adapter_of(column_of(site.list_url("jyyw"), "hanweb", options=options))
    (post,) = adapter.parse(fetch(PageRequest(site.list_url("jyyw")))).next_requests
    form = dict(parse_qsl(post.body.decode("ascii")))
    assert form["unitid"] == "999" and form["columnid"] == "1543974" and form["webid"] == "75"
    assert post.url.endswith("?startrecord=46&endrecord=75&perpage=10")
    assert adapter.parse(fetch(post)).items == ()  # the server knows no unit 999


SCRIPTLESS = """<html><body><div id="1"><script type="text/xml"><datastore><recordset>
<record><![CDATA[<li><a href="/art/2024/3/1/art_58320_1.html"
 title="关于开展2024年度职称评审工作的通知">关于开展2024年度职称评审工作的…</a>
<span>2024-03-01</span></li>]]></record>
<record><![CDATA[<li><a href="/module/download/downfile.jsp?classid=0&amp;filename=2403011.pdf">
2024年招生计划表.pdf</a><span>2024-02-28</span></li>]]></record>
</recordset></datastore></script></div></body></html>"""


def test_page_without_ids_gives_no_post_unless_options_say() -> None:
    url = "https://jyt.jiangsu.gov.cn/col/col58320/index.html"
    listing = adapter_of(column_of(url, "hanweb")).parse(answer(SCRIPTLESS, url))
    assert tuples(listing.items) == [
        ("关于开展2024年度职称评审工作的通知", "https://jyt.jiangsu.gov.cn/art/2024/3/1/art_58320_1.html",
         "2024-03-01", False),
        ("2024年招生计划表.pdf",
         "https://jyt.jiangsu.gov.cn/module/download/downfile.jsp?classid=0&filename=2403011.pdf",
         "2024-02-28", True),
    ]  # fmt: skip
    assert listing.next_requests == () and "unitid" in listing.notes[0]
    pinned = column_of(url, "hanweb", options={"webid": 1, "unitid": 396302, "perpage": 1})
    assert adapter_of(pinned).parse(answer(SCRIPTLESS, url)).next_requests == ()
    script = "<script>var totalRecord = 30; var param = {sourceContentType: '2'};</script>"
    counted = SCRIPTLESS.replace("</body>", script + "</body>")
    listing = adapter_of(pinned).parse(answer(counted, url))
    assert listing.page_count == 11
    (post,) = listing.next_requests
    assert dict(parse_qsl(post.body.decode("ascii"))) == {
        "col": "1", "appid": "1", "webid": "1", "path": "/", "columnid": "58320",
        "sourceContentType": "2", "unitid": "396302", "webname": "测试站", "permissiontype": "0",
    }  # fmt: skip
    assert post.url == (
        "https://jyt.jiangsu.gov.cn/module/web/jpage/dataproxy.jsp"
        "?startrecord=3&endrecord=5&perpage=1"
    )


PROXY_ANSWER = """<?xml version="1.0" encoding="UTF-8"?>
<datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1"></a>]]></nextgroup>
<recordset>
<record><![CDATA[<tr><td><a href="/art/2024/1/5/art_11982_9.html"
 title="山东省教育厅关于公布2023年度省级教学成果奖的通知">山东省教育厅关于公布2023年度省级教学…</a>
</td><td>[2024-01-05]</td></tr>]]></record>
<record><![CDATA[<tr><td><a href="/art/2024/1/4/art_11982_8.html">全省教育工作会议召开</a></td>
<td>[2024-01-04]</td></tr>]]></record>
</recordset><totalrecord>100</totalrecord></datastore>"""


def test_dataproxy_answer_with_table_rows() -> None:
    column_url = "http://edu.shandong.gov.cn/col/col11982/index.html"
    proxy = "http://edu.shandong.gov.cn/module/web/jpage/dataproxy.jsp"
    request = PageRequest(
        f"{proxy}?startrecord=46&endrecord=90&perpage=15", 2, "POST", b"columnid=11982",
        (("Referer", column_url),),
    )  # fmt: skip
    adapter = adapter_of(column_of(column_url, "hanweb"))
    listing = adapter.parse(answer(PROXY_ANSWER, request.url, request=request))
    assert tuples(listing.items) == [
        ("山东省教育厅关于公布2023年度省级教学成果奖的通知",
         "http://edu.shandong.gov.cn/art/2024/1/5/art_11982_9.html", "2024-01-05", False),
        ("全省教育工作会议召开", "http://edu.shandong.gov.cn/art/2024/1/4/art_11982_8.html",
         "2024-01-04", False),
    ]  # fmt: skip
    assert listing.next_requests == (
        replace(request, url=f"{proxy}?startrecord=91&endrecord=135&perpage=15", page=3),
    )
    assert listing.page_count == 3
    last = replace(request, url=f"{proxy}?startrecord=91&endrecord=135&perpage=15", page=3)
    assert adapter.parse(answer(PROXY_ANSWER, last.url, request=last)).next_requests == ()


def test_dataproxy_answer_that_is_no_datastore() -> None:
    request = PageRequest("http://x.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45",
                          2, "POST")  # fmt: skip
    adapter = adapter_of(column_of("http://x.gov.cn/col/col1/index.html", "hanweb"))
    with pytest.raises(ListPageError) as raised:
        adapter.parse(
            answer("<html><body><p>系统繁忙，请稍后再试</p></body></html>", request=request)
        )
    assert raised.value.code == "not_datastore"


def test_jiangxi_selectors_read_inside_records(fixture_site_factory: SiteFactory) -> None:
    site = fixture_site_factory("hanweb", columns=["tzgg"], articles_per_column=20)
    selectors = {"item": "div.default_pgContainer ul li", "link": "a", "date": "span"}
    column = column_of(site.list_url("tzgg"), "hanweb", selectors=selectors)
    listing = adapter_of(column).parse(fetch(PageRequest(site.list_url("tzgg"))))
    assert listing.rule == "hanweb:datastore:css:record"
    assert tuples(listing.items) == expected(site, "tzgg")
