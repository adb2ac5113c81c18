"""List pages of the patterns government sites repeat, built with variations, each with what a
reader counts on it: the items, and the URL of the next page the page itself implies.

Patterns: the main list beside a navigation bar, breadcrumbs, a sidebar of links, a `<select>`
menu of other sites and a footer link list (none of them items); pagers by a ``下一页`` link
(query or static URL), a ``>`` link, numbered links only, a ``createPageHTML`` or ``countPage``
script, a count in text alone (``共595条记录 1/30页``: no URL implied), and the last page.
Variations: UTF-8 and GB18030 bytes, ``<li>``/``<tr>``/``<dd>`` items, dates as ``2024-05-28``,
``[2024-05-28]``, ``2024年05月28日`` or ``(05-28)``, full-width punctuation in titles, and JSON
answers whose keys are written in any case (``URL``/``FILENAME``/``PUBDATE`` ...).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from tests.fixture_site.model import fold

TITLES = (
    "关于做好2024年普通高等学校招生工作的通知",
    "县教育局召开全县教育系统安全稳定工作会议",
    "关于公布2024年县级“优质课”评选结果的通知（第二批）",
    "我县举办中小学教师教学能力大赛：以赛促教，以赛促学",
    "关于开展2024年度职业院校技能大赛的通知",
    "县教育局党组理论学习中心组开展集中学习；部署下阶段工作",
    "关于印发《县域义务教育优质均衡发展实施方案》的通知",
    "2024年春季学期中小学开学工作检查情况通报",
)
NAV = (
    "网站首页",
    "政务公开",
    "新闻中心",
    "通知公告",
    "政策文件",
    "办事服务",
    "互动交流",
    "专题专栏",
)
FOOTER = (
    "中华人民共和国教育部",
    "省教育厅门户网站",
    "县人民政府门户网站",
    "市教育局网站",
    "全国中小学生学籍信息管理系统",
)
SELECT = ("市教育局", "甲县教育局", "乙县教育局", "丙区教育局")
DATE_STYLES = {
    "iso": "2024-05-{day:02d}",
    "bracket": "[2024-05-{day:02d}]",
    "chinese": "2024年05月{day:02d}日",
    "short": "(05-{day:02d})",
}


@dataclass(frozen=True)
class ListPage:
    """One page: its URL, bytes and HTTP charset, and what a reader counts on it."""

    name: str
    url: str
    body: bytes
    charset: str | None
    titles: tuple[str, ...]  # the items a reader counts, in order, folded (NFKC)
    next_url: str | None  # the next page the page itself implies, or None
    page: int = 1
    dates: tuple[str, ...] = field(default=())


def _furniture(site: str) -> tuple[str, str]:
    """Everything around the list that is never an item: top, side and bottom."""
    nav = "".join(f'<li><a href="/{n}/">{t}</a></li>' for n, t in enumerate(NAV))
    nav_row = " | ".join(f'<a href="/col{n}/">{t}专栏</a>' for n, t in enumerate(NAV[:5]))
    side = "".join(f'<li><a href="/zt/{n}/">{t}专题</a></li>' for n, t in enumerate(NAV[2:6]))
    options = "".join(f'<option value="http://{n}.example.gov.cn/">{t}</option>'
                      for n, t in enumerate(SELECT))  # fmt: skip
    links = "".join(f'<li><a href="http://link{n}.example.gov.cn/">{t}</a></li>'
                    for n, t in enumerate(FOOTER))  # fmt: skip
    top = (
        f'<div class="header"><h1>{site}</h1><ul class="nav">{nav}</ul></div>'
        f'<div class="location">当前位置：<a href="/">首页</a> &gt; <a href="./">通知公告</a></div>'
        f'<div class="sidebar"><h3>专题专栏</h3><ul class="side">{side}</ul></div>'
        f'<table class="navrow"><tr><td>{nav_row}</td></tr></table>'
    )
    bottom = (
        '<div class="footer"><div class="links"><span>相关链接：</span>'
        f'<select onchange="window.open(this.value)"><option value="">--各地教育局--</option>'
        f"{options}</select><ul>{links}</ul></div>"
        f"<p>主办单位：{site}　地址：县府路1号　2024年5月更新</p>"
        "<p>版权所有：© 2024 网站标识码：1234000001 ICP备05012345号</p></div>"
    )
    return top, bottom


def _item(tag: str, title: str, href: str, day: str) -> str:
    cut = title if len(title) <= 18 else title[:16] + "..."
    link = f'<a href="{href}" title="{title}" target="_blank">{cut}</a>'
    if tag in ("tr", "table-nav"):
        return f'<tr><td class="bt">{link}</td><td class="sj">{day}</td></tr>'
    if tag == "dd":
        return f"<dd>{link}<em>{day}</em></dd>"
    return f"<li>{link}<span>{day}</span></li>"


# An old table layout: the list's own table opens with a row of column links and closes with
# the pager, both rows siblings of the items.
NAV_ROW = (
    "<tr><td colspan=2>"
    + " ".join(f'<a href="/xxgk/{n}/">{t}栏目</a>' for n, t in enumerate(NAV[3:8]))
    + "</td></tr>"
)


def _wrap(tag: str, rows: str) -> str:
    if tag == "table-nav":
        pager = ('<tr><td colspan=2><a href="?page=1">首页</a> <a href="?page=2">下一页</a> '
                 '<a href="?page=9">尾页</a></td></tr>')  # fmt: skip
        return f'<table class="list">{NAV_ROW}{rows}{pager}</table>'
    if tag == "tr":
        return f'<table class="list" width="100%">{rows}</table>'
    if tag == "dd":
        return f'<dl class="news-list">{rows}</dl>'
    return f'<ul class="list">{rows}</ul>'


def html_list(
    name: str,
    url: str,
    pager: str,
    next_url: str | None,
    *,
    tag: str = "li",
    dates: str = "iso",
    encoding: str = "utf-8",
    count: int = 8,
    page: int = 1,
    offset: int = 0,
) -> ListPage:
    """A list page of ``count`` items under the page furniture, with ``pager`` below it."""
    titles = tuple(TITLES[(offset + n) % len(TITLES)] + ("" if page == 1 else f"（{page}）")
                   for n in range(count))  # fmt: skip
    rows = "".join(
        _item(tag, title, f"/content/2024-05/{28 - n:02d}/content_{page * 100 + n}.html",
              DATE_STYLES[dates].format(day=28 - n))
        for n, title in enumerate(titles)
    )  # fmt: skip
    top, bottom = _furniture("某某县教育局")
    declared = "gb2312" if encoding == "gb18030" else encoding
    html = (
        f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" '
        f'content="text/html; charset={declared}"><title>通知公告_某某县教育局</title></head>'
        f'<body>{top}<div class="main"><div class="title">通知公告</div>{_wrap(tag, rows)}'
        f'<div class="pages">{pager}</div></div>{bottom}</body></html>'
    )
    body = html.encode(encoding)
    day_values = tuple(f"2024-05-{28 - n:02d}" for n in range(count))
    return ListPage(name, url, body, None, tuple(map(fold, titles)), next_url, page, day_values)


BASE = "http://127.0.0.1:8"


def html_patterns(base: str = BASE) -> list[ListPage]:
    """Every HTML list pattern with its variations, each at its own URL under ``base``."""

    def folder(site: str) -> str:
        return f"{base}/{site}/xxgk/tzgg/"

    def query(site: str, page: str = "") -> str:
        return f"{base}/{site}/list.jsp?cat=12{page}"

    return [
        html_list("next-link-query-utf8", query("a"),
                  '共595条记录 1/30页 <a href="list.jsp?cat=12&page=1">首页</a> '
                  '<a href="list.jsp?cat=12&page=2">下一页</a> '
                  '<a href="list.jsp?cat=12&page=30">尾页</a>',
                  query("a", "&page=2"), tag="tr"),
        html_list("next-link-query-gb18030", query("b"),
                  '共595条记录 1/30页 <a href="list.jsp?cat=12&amp;page=2">下一页</a>',
                  query("b", "&page=2"), encoding="gb18030", dates="chinese"),
        html_list("next-link-static-folder", folder("c"),
                  '<span>共5页</span><a href="list_2.shtml">下一页</a>',
                  f"{folder('c')}list_2.shtml", tag="dd", dates="bracket"),
        html_list("gt-link", folder("d"),
                  '<a class="on">1</a><a href="index_2.html">2</a><a href="index_2.html">&gt;</a>',
                  f"{folder('d')}index_2.html", dates="short"),
        html_list("numbered-links-only", folder("e"),
                  '<a class="cur">1</a> <a href="list-2.html">2</a> <a href="list-3.html">3</a>',
                  f"{folder('e')}list-2.html", tag="tr"),
        html_list("createpagehtml", folder("f"),
                  '<script>createPageHTML(6, 0, "index", "html");</script>',
                  f"{folder('f')}index_1.html", encoding="gb18030"),
        html_list("countpage", folder("g"), "<script>var countPage = 3;var currentPage=0;</script>",
                  f"{folder('g')}index_1.html", tag="dd"),
        html_list("nav-rows-in-the-list-table", query("h"), "", f"{base}/h/list.jsp?page=2",
                  tag="table-nav", encoding="gb18030"),
        html_list("count-in-text-only", query("i"), "共595条记录 1/30页", None, tag="tr"),
        html_list("last-page", query("j", "&page=30"),
                  '共595条记录 30/30页 <a href="list.jsp?cat=12&page=29">上一页</a> '
                  '<a href="javascript:void(0)">下一页</a>', None, count=5, page=30),
    ]  # fmt: skip


def json_record(naming: str, n: int) -> dict[str, object]:
    """One record of a JSON list answer in a key naming seen on real platforms."""
    title = TITLES[n % len(TITLES)]
    href = f"/xxgk/tzgg/202405/t202405{28 - n:02d}_{1000 + n}.html"
    day = f"2024-05-{28 - n:02d}"
    if naming == "disclosure":  # a provincial disclosure platform: upper-case keys
        return {"URL": href, "FILENAME": title, "FILENUM": f"县教〔2024〕{n + 1}号",
                "PUBDATE": day, "DOCRELTIME": f"{day} 09:30:00"}  # fmt: skip
    if naming == "trs":  # TRS search answers
        return {"DOCTITLE": title, "DOCPUBURL": href, "DOCRELTIME": f"{day} 10:00:00"}
    if naming == "camel":
        return {"articleTitle": title, "linkUrl": href, "publishDate": day}
    return {"title": title, "url": href, "pubdate": day}


def json_patterns(base: str = BASE) -> list[ListPage]:
    """JSON answers: one object ``{"data": [...]}`` holding the whole column, in each naming."""
    pages = []
    for naming in ("disclosure", "trs", "camel", "plain"):
        records = [json_record(naming, n) for n in range(20)]
        body = json.dumps({"data": records}, ensure_ascii=False).encode("utf-8")
        url = f"{base}/api/zfxxgk/list?channel=gfxwj&naming={naming}"
        titles = tuple(fold(TITLES[n % len(TITLES)]) for n in range(20))
        pages.append(ListPage(f"json-{naming}", url, body, "utf-8", titles, None))
    return pages


def all_patterns(base: str = BASE) -> list[ListPage]:
    return html_patterns(base) + json_patterns(base)
