"""Article pages of the patterns government sites repeat, built with variations, each with the
values a reader reads off it.

- An official notice (通知): the recipients line first (`各省、自治区、直辖市教育厅（教委）……：`),
  the text, attachments, then the issuing office and the signing date, in the body containers
  of several CMS families (TRS ``.TRS_Editor``, Hanweb ``#zoom``, 开普云 ``#UCAP-CONTENT``).
- A disclosure page (信息公开): a metadata table above the text (索引号 / 发布机构 / 名称 / 文号 /
  发布日期, 成文日期 beside it), laid out as label and value cells, as `label：value` cells, or
  as a list of `<li>`; labels padded with `　　` (名　　称).
- A page whose text is missing: only the metadata table, navigation and footer remain.

Variations: UTF-8 and GB18030 bytes, `　　` indents, full-width punctuation, signing dates in
digits or Chinese numerals.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.fixture_site.model import fold

RECIPIENTS = "各省、自治区、直辖市教育厅（教委），新疆生产建设兵团教育局，部属各高等学校："
TEXT = (
    "为深入贯彻落实全国教育大会精神，进一步做好2024年普通高校毕业生就业创业工作，"
    "现将有关事项通知如下。",
    "一、提高思想认识。各地各高校要把毕业生就业工作摆在突出位置，主要负责同志亲自抓。",
    "二、拓宽就业渠道。积极开拓市场化社会化就业岗位，稳定政策性岗位规模；做好困难群体帮扶。",
    "三、加强组织保障。各地要及时报送工作进展情况，遇有重要情况及时报告。",
)
ISSUER = "教育部办公厅"
SIGNED = {"digits": "2024年5月30日", "chinese": "二〇二四年五月三十日"}
TITLE = "教育部办公厅关于做好2024年普通高校毕业生就业创业工作的通知"
DOCNO = "教高厅〔2024〕5号"


@dataclass(frozen=True)
class ArticlePage:
    """One page and what a reader reads off it (text folded as the normalizer folds it)."""

    name: str
    url: str
    body: bytes
    title: str
    date: str | None
    source: str | None
    document_number: str | None
    paragraphs: tuple[str, ...]  # the body a reader reads, in order; () when there is none


NAV = "".join(
    f'<li><a href="/{n}/">{t}</a></li>'
    for n, t in enumerate(("首页", "机构", "新闻", "公开", "服务", "互动", "专题"))
)
FOOTER = (
    '<div class="footer"><ul class="links"><li><a href="http://www.gov.cn/">中国政府网</a></li>'
    '<li><a href="http://www.moe.gov.cn/">中华人民共和国教育部</a></li></ul>'
    "<p>主办单位：某某省教育厅　地址：某某市某某路1号　邮编：100000</p>"
    "<p>网站标识码：1400000108　ICP备案号：某ICP备05001234号　技术支持：某某科技</p></div>"
)


def _document(title_html: str, inner: str, encoding: str, title: str) -> bytes:
    declared = "gb2312" if encoding == "gb18030" else encoding
    html = (
        f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; '
        f'charset={declared}"><title>{title}</title></head><body>'
        f'<div class="header"><ul class="nav">{NAV}</ul></div>'
        '<div class="location">当前位置：<a href="/">首页</a> &gt; <a href="../">通知公告</a></div>'
        f'<div class="detail">{title_html}{inner}</div>{FOOTER}</body></html>'
    )
    return html.encode(encoding)


CONTAINERS = {
    "trs": '<div class="TRS_Editor"><style>.TRS_Editor P{{line-height:2}}</style>{body}</div>',
    "hanweb": '<div id="zoom">{body}</div>',
    "ucap": '<div class="pages_content" id="UCAP-CONTENT">{body}</div>',
}


def notice(name: str, family: str, encoding: str, signed: str) -> ArticlePage:
    """A Ministry notice: recipients, text, attachment line, issuing office, signing date."""
    paragraphs = (RECIPIENTS, *TEXT, ISSUER, SIGNED[signed])
    body = "".join(f"<p>　　{text}</p>" for text in (RECIPIENTS, *TEXT))
    body += (
        '<p>　　附件：<a href="./W020240530123456.docx">2024年就业工作联系人回执</a></p>'
        f'<p style="text-align: right;">{ISSUER}</p>'
        f'<p style="text-align: right;">{SIGNED[signed]}</p>'
        "<p>　　（此件主动公开）</p>"
    )
    head = (
        f"<h1>{TITLE}</h1><div class='moe-detail-shuxing'>2024-06-03 来源：{ISSUER}</div>"
        f'<p class="docno">{DOCNO}</p>'
    )
    url = f"http://www.moe.gov.cn/srcsite/A15/s3265/202406/t20240603_{name}.html"
    document = _document(
        head, CONTAINERS[family].format(body=body), encoding, f"{TITLE}_中华人民共和国教育部"
    )
    attachment_line = "附件:2024年就业工作联系人回执"
    folded = tuple(map(fold, paragraphs))
    kept = (*folded[:-2], fold(attachment_line), *folded[-2:])
    return ArticlePage(name, url, document, fold(TITLE), "2024-06-03", ISSUER, DOCNO, kept)


def _table_cells(rows: list[tuple[str, str]], style: str) -> str:
    if style == "cells":  # label cell, value cell, two pairs a row
        cells = [f"<td class='label'>{k}：</td><td>{v}</td>" for k, v in rows]
        pairs = ["".join(cells[i : i + 2]) for i in range(0, len(cells), 2)]
        return "<table class='xxgk_table'>" + "".join(f"<tr>{p}</tr>" for p in pairs) + "</table>"
    if style == "inline":  # `label：value` in one cell
        cells = [f"<td><b>{k}</b>：{v}</td>" for k, v in rows]
        pairs = ["".join(cells[i : i + 2]) for i in range(0, len(cells), 2)]
        return "<table class='xxgk'>" + "".join(f"<tr>{p}</tr>" for p in pairs) + "</table>"
    items = "".join(f"<li><span>{k}：</span>{v}</li>" for k, v in rows)
    return f"<div class='xxgk-info'><ul>{items}</ul></div>"


DISCLOSURE_TITLE = "某某县教育局关于印发《2024年义务教育招生入学工作方案》的通知"
DISCLOSURE_DOCNO = "县教发〔2024〕12号"
DISCLOSURE_SOURCE = "某某县教育局"
DISCLOSURE_TEXT = (
    "各乡镇中心学校，县直各学校：",
    "现将《2024年义务教育招生入学工作方案》印发给你们，请认真贯彻执行。",
    "一、招生原则。坚持免试就近入学，严格落实“公民同招”政策；不得提前招生。",
    "二、工作要求。各学校要加强招生宣传，及时回应群众关切，确保招生工作平稳有序。",
    "某某县教育局",
    "2024年5月28日",
)


def _meta_rows(labels: str) -> list[tuple[str, str]]:
    padded = labels == "padded"
    return [
        ("索引号", "11140000MB1234567X/2024-00123"),
        ("发布机构", DISCLOSURE_SOURCE),
        ("名　　称" if padded else "名称", DISCLOSURE_TITLE),
        ("文　　号" if padded else "文号", DISCLOSURE_DOCNO),
        ("成文日期", "2024-05-28"),
        ("发布日期", "2024-05-30"),
    ]


# What remains of a page whose text is missing, besides the metadata: a column menu, a list of
# related documents, and a footer of sentences (browser advice, copyright).
RELATED = "".join(
    f'<li><a href="/xxgk/zfxxgk/2024{n:02d}/t2024{n:02d}01_{n}.html">关于做好第{n}批义务教育'
    f"阶段学校招生入学工作的通知，请各校认真执行</a></li>"
    for n in range(1, 25)
)
LEFTOVERS = (
    '<div class="menu"><ul>'
    + "".join(f"<li><a href='/xxgk/{n}/'>{t}</a></li>" for n, t in enumerate(
        ("信息公开指南", "信息公开制度", "法定主动公开内容", "信息公开年报", "依申请公开")))
    + f'</ul></div><div class="related"><h3>相关文件</h3><ul>{RELATED}</ul></div>'
    + '<p class="tip">为确保您的浏览效果，建议使用IE9及以上版本浏览器，分辨率1366×768。</p>'
)  # fmt: skip


def disclosure(name: str, style: str, encoding: str, labels: str, text: bool = True) -> ArticlePage:
    """A disclosure page: the metadata table, then the text (or nothing: ``text=False``)."""
    table = _table_cells(_meta_rows(labels), style)
    body = "".join(f"<p>　　{p}</p>" for p in DISCLOSURE_TEXT) if text else ""
    inner = (
        f'<div class="zw" id="zoom">{body}</div>' if text else f'<div class="zw"></div>{LEFTOVERS}'
    )
    url = f"http://jyj.example.gov.cn/xxgk/zfxxgk/202405/t20240530_{name}.html"
    # Disclosure platforms often give every page one generic <title>: 名称 is the only title.
    document = _document(table, inner, encoding, "政府信息公开_某某县人民政府")
    paragraphs = tuple(map(fold, DISCLOSURE_TEXT)) if text else ()
    return ArticlePage(
        name, url, document, fold(DISCLOSURE_TITLE), "2024-05-30", DISCLOSURE_SOURCE,
        DISCLOSURE_DOCNO, paragraphs,
    )  # fmt: skip


def article_patterns() -> list[ArticlePage]:
    return [
        notice("notice-trs-utf8", "trs", "utf-8", "digits"),
        notice("notice-hanweb-gb18030", "hanweb", "gb18030", "chinese"),
        notice("notice-ucap-utf8", "ucap", "utf-8", "chinese"),
        disclosure("disclosure-cells-utf8", "cells", "utf-8", "padded"),
        disclosure("disclosure-inline-gb18030", "inline", "gb18030", "plain"),
        disclosure("disclosure-list-utf8", "list", "utf-8", "padded"),
        disclosure("no-body-cells", "cells", "utf-8", "padded", text=False),
        disclosure("no-body-list-gb18030", "list", "gb18030", "plain", text=False),
    ]
