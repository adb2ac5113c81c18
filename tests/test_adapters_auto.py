"""The auto adapter: every fixture family crawled with no selectors at all (datastore, JSON and
dataproxy included), the real list pages of the corpus, challenges, and redesigned layouts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from crawler.adapters.base import ListError, PageRequest
from crawler.adapters.common import ListPageError
from tests.fixture_site import FAMILIES, FixtureSite
from tests.paths import CORPUS
from tests.test_adapters_support import (
    adapter_of,
    answer,
    column_of,
    crawl,
    crawled_items,
    expected,
    page,
    tuples,
)

SiteFactory = Callable[..., FixtureSite]
LIST_FAMILIES = [family for family in FAMILIES if family != "challenge"]
RULES = {
    "trs": "auto:div.list-main>ul#list.list>li",
    "trs_index2": "auto:div.list-main>ul#list.list>li",
    "gbk": "auto:div.list-main>ul#list.list>li",
    "tianjin": "auto:div.list-main>ul.common-list-right-list>li",
    "pdf_list": "auto:div.xwzx_ggtz>ul.fl>li",
    "hanweb": "auto:datastore",
    "json_search": "auto:json:data.results",
    "css": "auto:div.news-list>dl>dd",
}


@pytest.mark.parametrize("family", LIST_FAMILIES)
def test_every_family_without_selectors(fixture_site_factory: SiteFactory, family: str) -> None:
    site = fixture_site_factory(family, articles_per_column=50)
    key = next(iter(site.specs))
    pages = crawl(adapter_of(column_of(site.list_url(key), "auto"), date(2024, 7, 1)))
    assert crawled_items(pages) == expected(site, key)
    assert pages[0][1].rule == RULES[family]
    assert len(pages) >= 2 and pages[-1][1].next_requests == ()


def test_challenge_family_gives_a_list_error(fixture_site_factory: SiteFactory) -> None:
    site = fixture_site_factory("challenge", articles_per_column=5)
    adapter = adapter_of(column_of(site.list_url("gzdt"), "auto"))
    with pytest.raises(ListPageError) as raised:
        crawl(adapter)
    assert raised.value.code == "challenge"


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("challenge_*.html")))
@pytest.mark.parametrize("status", [200, 412])
def test_corpus_challenges_never_give_items(name: str, status: int) -> None:
    body = (CORPUS / name).read_bytes()
    adapter = adapter_of(column_of("https://www.nmpa.gov.cn/zwfw/sdxx/sdxxyp/index.html", "auto"))
    with pytest.raises(ListError, match="challenge"):
        adapter.parse(
            answer(body, "https://www.nmpa.gov.cn/zwfw/sdxx/sdxxyp/index.html", status=status)
        )


def _corpus(name: str, url: str) -> tuple[tuple[str, str, str | None, bool], ...]:
    adapter = adapter_of(column_of(url, "auto"), date(2026, 1, 1))
    listing = adapter.parse(answer((CORPUS / name).read_bytes(), url, charset=None))
    assert listing.rule.startswith("auto:")
    return tuple(tuples(listing.items))


def test_gov_cn_home_finds_a_news_block() -> None:
    items = _corpus("list_gov_govcn_home_20230927.html", "https://www.gov.cn/")
    assert len(items) >= 5
    assert items[0][:2] == (
        "李强会见叙利亚总统巴沙尔",
        "https://www.gov.cn/yaowen/liebiao/202309/content_6906264.htm",
    )
    # the home page shows no dates: every item is dated by its URL's month (/202309/)
    assert all("/202309/content_" in url for _, url, _, _ in items)
    assert all(day is None for _, _, day, _ in items)
    assert not {"首页", "繁体", "国务院部门网站"} & {title for title, *_ in items}


def test_netease_rolling_list_with_category_links() -> None:
    items = _corpus("list_news_163_rolling_gb2312.html", "https://news.163.com/latest/")
    assert len(items) == 40
    assert items[0] == (
        "一图读懂 | 深圳盒马员工确诊,2地6人感染始末",
        "https://news.163.com/20/0816/22/FK6F0U6D0001899O.html",
        "2020-08-16",
        False,
    )
    assert all(day == "2020-08-16" for _, _, day, _ in items)
    assert not any(title.startswith("[") for title, *_ in items)


def test_tencent_list_dated_by_url() -> None:
    items = _corpus("list_news_qq_important.html", "https://news.qq.com/")
    assert len(items) >= 10
    assert items[0][0].startswith("00后比90后少了4700万")
    assert all(url.startswith("https://new.qq.com/") for _, url, _, _ in items)
    # no date shown: the day comes from /omn/20200704/ URLs; topic pages (/zt/) have none
    assert {day for _, _, day, _ in items} == {"2020-07-04", "2020-07-03", None}
    assert all(day is None for _, url, day, _ in items if "/zt/" in url)


# -- hand-written layouts ---------------------------------------------------------------------
TITLES = [
    "关于做好2024年普通高校招生工作的通知",
    "省教育厅召开全省教育系统安全稳定工作会议",
    "关于公布2024年省级一流本科课程认定结果的通知",
    "我省举办中小学教师教学能力大赛",
    "关于开展2024年度职业院校技能大赛的通知",
    "省教育厅党组理论学习中心组开展集中学习",
]


def _rows(template: str, count: int = 6) -> str:
    return "".join(
        template.format(n=n, title=TITLES[n % len(TITLES)], day=28 - n) for n in range(count)
    )


def test_redesigned_table_layout() -> None:
    rows = _rows('<tr class="r{n}"><td class="t"><a href="/info/1024/{n}.htm">{title}</a></td>'
                 '<td class="d">2024/05/{day}</td></tr>')  # fmt: skip
    html = page(f'<table class="zebra"><tbody>{rows}</tbody></table>')
    url = "https://jyt.example.gov.cn/xxgk/tzgg.htm"
    listing = adapter_of(column_of(url, "auto")).parse(answer(html, url))
    assert listing.rule == "auto:table.zebra>tbody>tr"  # r0, r1 ...: no class they all share
    assert tuples(listing.items)[:2] == [
        (TITLES[0], "https://jyt.example.gov.cn/info/1024/0.htm", "2024-05-28", False),
        (TITLES[1], "https://jyt.example.gov.cn/info/1024/1.htm", "2024-05-27", False),
    ]
    assert len(listing.items) == 6


def test_main_list_wins_over_a_dated_sidebar() -> None:
    main = _rows(
        '<li><a href="./202405/t202405{day}_{n}.html">{title}</a><span>2024-05-{day}</span></li>', 6
    )
    side = _rows('<p><a href="/rd/{n}.html">{title}</a><i>05-{day}</i></p>', 3)
    html = page(
        f'<div class="box"><ul class="newslist">{main}</ul></div><div class="side">{side}</div>'
    )
    listing = adapter_of(column_of("http://127.0.0.1:8/xwzx/", "auto")).parse(answer(html))
    assert listing.rule == "auto:div.box>ul.newslist>li"
    assert len(listing.items) == 6


def test_shown_dates_outweigh_dates_in_urls() -> None:
    shown = _rows('<li><a href="/news/{n}.html">{title}</a><span>2024-05-{day}</span></li>', 6)
    related = _rows('<li><a href="/zt/202405/t202405{day}_{n}.html">{title}</a></li>', 8)
    html = page(f'<ul class="related">{related}</ul><ul class="newslist">{shown}</ul>')
    listing = adapter_of(column_of("http://127.0.0.1:8/xwzx/", "auto")).parse(answer(html))
    assert listing.rule == "auto:div.main>ul.newslist>li"
    assert [item.url for item in listing.items][:1] == ["http://127.0.0.1:8/news/0.html"]


def test_members_crowded_with_links_are_containers() -> None:
    links = "".join(f'<a href="/ref/{n}.html">{TITLES[n % 6]}（链接{n}）</a>' for n in range(8))
    digest = "".join(
        f'<div class="day"><h4>2024-05-{day}</h4>{links}</div>' for day in range(20, 26)
    )
    items = _rows('<li><a href="/news/{n}.html">{title}</a><span>2024-05-{day}</span></li>', 4)
    html = page(f'<ul class="newslist">{items}</ul><div class="digest">{digest}</div>')
    listing = adapter_of(column_of("http://127.0.0.1:8/xwzx/", "auto")).parse(answer(html))
    assert listing.rule == "auto:div.main>ul.newslist>li"


def test_single_item_last_page_and_nav_only_page() -> None:
    one = page('<ul class="list"><li><a href="./t20240101_1.html">关于元旦假期值班安排的通知</a>'
               "<span>2024-01-01</span></li></ul>")  # fmt: skip
    adapter = adapter_of(column_of("http://127.0.0.1:8/xwzx/gzdt/", "auto"))
    listing = adapter.parse(answer(one, "http://127.0.0.1:8/xwzx/gzdt/index_3.html", page=4))
    assert [item.title for item in listing.items] == ["关于元旦假期值班安排的通知"]
    nav_only = adapter.parse(answer(page("<p>本栏目暂无信息</p>")))
    assert nav_only.items == () and nav_only.rule == "auto:none"


def test_hint_selectors_first_detection_when_they_miss() -> None:
    html = page(_rows('<dd><a href="/a/{n}.html">{title}</a><em>2024-03-{day}</em></dd>'))
    html = html.replace('<div class="main">', '<div class="main"><dl class="news">') + ""
    url = "http://127.0.0.1:8/edu/zxdt/list.html"
    hit = adapter_of(column_of(url, "auto", selectors={"item": "dd", "date": "em"}))
    assert hit.parse(answer(html, url)).rule == "auto:css:dd"
    miss = adapter_of(column_of(url, "auto", selectors={"item": "ul#listContent li"}))
    listing = miss.parse(answer(html, url))
    assert listing.rule.startswith("auto:") and "dd" in listing.rule
    assert len(listing.items) == 6


def test_auto_paging_by_trs_pager_and_template() -> None:
    items = _rows(
        '<li><a href="./202405/t202405{day}_{n}.html">{title}</a><span>2024-05-{day}</span></li>'
    )
    url = "http://127.0.0.1:8/xwzx/gzdt/"
    trs = page(f"<ul>{items}</ul>", '<script>createPageHTML(4, 0, "index", "html");</script>')
    listing = adapter_of(column_of(url, "auto")).parse(answer(trs, url))
    assert listing.next_requests == (PageRequest(url + "index_1.html", 2),)
    assert listing.page_count == 4
    hinted = column_of(url, "auto", options={"page_url": "list-{page}.html"})
    listing = adapter_of(hinted).parse(answer(page(f"<ul>{items}</ul>"), url))
    assert listing.next_requests == (PageRequest(url + "list-2.html", 2),)


def test_json_without_records_is_a_list_error() -> None:
    url = "https://jyt.gansu.gov.cn/common/search/695d?_isJson=true&page=1"
    with pytest.raises(ListPageError) as raised:
        adapter_of(column_of(url, "auto")).parse(answer('{"ok": true, "data": {"n": [1, 2]}}', url))
    assert raised.value.code == "json_error"
