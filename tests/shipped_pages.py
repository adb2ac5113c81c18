"""A list page of its CMS family for each shipped column, built from the column's own YAML:
the markup its `list` selectors name (`div.announce_list ul li` becomes those nested
elements), its link, title and date nodes, its `onclick` links; wrapped the way the family
serves a list (a TRS page with a `createPageHTML` pager, a Hanweb `<datastore>` script, a JSON
answer with the column's keys, an HTML page for `css`/`auto`), GB18030 or UTF-8.

Only simple selectors are synthesized (tags, classes, ids, `[class*=x]`, descendant and child
steps; pseudo-classes such as `:not(...)` are dropped): enough for every shipped file, which
the test checks.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from crawler.adapters.json_search import JsonSearchOptions
from crawler.adapters.trs import TrsOptions
from crawler.sites import EffectiveColumn

ITEMS = 6
TITLES = (
    "关于做好2024年普通高校招生录取工作的通知",
    "教育厅召开全省教育系统安全稳定工作会议",
    "关于公布2024年省级一流本科课程认定结果的公示",
    "全省中小学教师教学能力大赛举行：以赛促教",
    "关于开展2024年度职业院校技能大赛的通知（第二批）",
    "省教育厅党组理论学习中心组开展集中学习",
)
_STEP = re.compile(r"^([a-zA-Z0-9]*)((?:[.#][\w-]+|\[[^\]]+\])*)$")
_PSEUDO = re.compile(r":[\w-]+(?:\([^)]*\))?")


@dataclass(frozen=True)
class ShippedPage:
    body: bytes
    titles: tuple[str, ...]
    urls: tuple[str, ...]
    dates: tuple[str, ...]


def _element(step: str) -> tuple[str, str]:
    """(opening tag, tag name) of one simple selector step."""
    match = _STEP.match(_PSEUDO.sub("", step))
    if match is None:
        raise ValueError(f"cannot synthesize the selector step {step!r}")
    tag = match.group(1) or "div"
    classes = re.findall(r"\.([\w-]+)", match.group(2))
    classes += re.findall(r"\[class\*?=['\"]?([\w-]+)['\"]?\]", match.group(2))
    ident = re.findall(r"#([\w-]+)", match.group(2))
    attrs = (f' id="{ident[0]}"' if ident else "") + (
        f' class="{" ".join(classes)}"' if classes else ""
    )
    return f"<{tag}{attrs}>", tag


def steps_of(selector: str) -> list[str]:
    first = selector.split(",")[0]
    return [step for step in re.split(r"\s*>\s*|\s+", first.strip()) if step]


def nest(selector: str, inner: str) -> str:
    """``inner`` wrapped in the elements the selector names, outermost first."""
    html = inner
    for step in reversed(steps_of(selector)):
        opening, tag = _element(step)
        if tag == "table" and html.startswith("<table"):  # a table sits in a cell of a table
            html = f"<tr><td>{html}</td></tr>"
        html = f"{opening}{html}</{tag}>"
    return html


def _link(column: EffectiveColumn, url: str, text: str) -> str:
    """The item's link: the element `list.link` names (its last step), with the URL where the
    site keeps it (href, or an `onclick` script)."""
    selectors = column.list_selectors
    opening, _ = _element(steps_of(selectors.link)[-1]) if selectors.link else ("<a>", "a")
    if selectors.link_attr == "onclick":
        target = f' href="javascript:void(0)" onclick="isDownLoad(this,\'{url}\')">'
    else:
        target = f' href="{url}" target="_blank">'
    return opening[:-1] + target + text + "</a>"


def _item_html(column: EffectiveColumn, n: int, url: str) -> str:
    selectors = column.list_selectors
    title, day = TITLES[n], f"2024-05-{28 - n:02d}"
    date_html = nest(selectors.date, day) if selectors.date else f"<span>{day}</span>"
    title_steps = steps_of(selectors.title) if selectors.title else []
    item_steps = steps_of(selectors.item) if selectors.item else ["li"]
    if _element(item_steps[-1])[1] == "a":  # the item is the link (宁夏 ul.wzlb > a)
        inner = (nest(selectors.title, title) if selectors.title else title) + date_html
        return _link(column, url, inner)
    if title_steps and _element(title_steps[0])[1] == "a":  # the title inside the link
        link = _link(column, url, nest(" ".join(title_steps[1:]), title))
    elif title_steps:
        link = _link(column, url, "") + nest(selectors.title or "", title)
    else:
        link = _link(column, url, title)
    if _element(item_steps[-1])[1] == "tr":
        date_cell = date_html if date_html.startswith("<td") else f"<td>{date_html}</td>"
        return f"<td>{link}</td>{date_cell}"
    return link + date_html


def _list_html(column: EffectiveColumn, urls: list[str]) -> str:
    selectors = column.list_selectors
    steps = steps_of(selectors.item) if selectors.item else ["ul", "li"]
    opening, tag = _element(steps[-1])
    rows = "".join(f"{opening}{_item_html(column, n, url)}</{tag}>" for n, url in enumerate(urls))
    container = " ".join(steps[:-1]) or "ul"
    return nest(container, rows)


def _page(inner: str, pager: str, encoding: str) -> bytes:
    declared = "gb2312" if encoding == "gb18030" else "utf-8"
    html = (
        f'<!DOCTYPE html><html><head><meta charset="{declared}"><title>栏目</title></head><body>'
        '<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>'
        f"</ul></div>{inner}{pager}"
        '<div class="footer"><p>主办单位：教育厅　网站标识码：1400000000</p></div></body></html>'
    )
    return html.encode(encoding)


def _urls(column: EffectiveColumn) -> list[str]:
    root = column.url.split("/", 3)[:3]
    return [f"{'/'.join(root)}/art/2024/5/{28 - n}/t202405{28 - n:02d}_{9000 + n}.html"
            for n in range(ITEMS)]  # fmt: skip


def shipped_page(column: EffectiveColumn, encoding: str = "utf-8") -> ShippedPage:
    """The family list page of ``column``, with what its adapter must read off it."""
    urls = _urls(column)
    dates = tuple(f"2024-05-{28 - n:02d}" for n in range(ITEMS))
    if column.adapter == "json_search":
        body = _json_answer(column, urls)
    elif column.adapter == "hanweb":
        records = "".join(
            f"<record><![CDATA[<li>{_item_html(column, n, url)}</li>]]></record>"
            for n, url in enumerate(urls)
        )
        script = (
            '<script type="text/xml"><datastore><nextgroup><![CDATA[]]></nextgroup>'
            f"<recordset>{records}</recordset></datastore></script>"
        )
        body = _page('<div id="div1">' + script + "</div>", "", encoding)
    else:
        pager = ""
        options = column.options
        if isinstance(options, TrsOptions):
            script = "createPage" if "createPage\\(" in (options.page_count_pattern or "") else ""
            pager = f'<script>{script or "createPageHTML"}(5, 0, "index", "html");</script>'
        body = _page(_list_html(column, urls), pager, encoding)
    return ShippedPage(body, TITLES[:ITEMS], tuple(urls), dates)


def _json_answer(column: EffectiveColumn, urls: list[str]) -> bytes:
    options = column.options
    assert isinstance(options, JsonSearchOptions)
    title_key = options.title_key or "title"
    url_key = options.url_key or "url"
    date_key = options.date_key or "publishedTimeStr"
    records = [
        {title_key: TITLES[n], url_key: url, date_key: f"2024-05-{28 - n:02d} 10:00:00"}
        for n, url in enumerate(urls)
    ]
    path = (options.results_path or "data.results").split(".")
    data: object = records
    for key in reversed(path):
        data = {key: data, "total": ITEMS} if key == path[-1] else {key: data}
    return json.dumps(data, ensure_ascii=False).encode("utf-8")
