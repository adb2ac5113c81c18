"""HTML pieces every family shares: the 政府网站发展指引 meta tags, body blocks, page furniture."""

from __future__ import annotations

import posixpath
from html import escape

from tests.fixture_site.catalogue import Authority
from tests.fixture_site.model import Block, ColumnSpec, FixtureArticle, FixtureAttachment

VIEWS_MARK = "@@VIEWS@@"
"""Replaced on every request by the article's view counter (noise for change detection)."""
GENERATED_MARK = "@@GENERATED@@"
"""Replaced on every request by the page-generation time (noise for change detection)."""

FULL_WIDTH_INDENT = "\u3000\u3000"
NBSP_INDENT = "&nbsp;&nbsp;&nbsp;&nbsp;"


def text(value: str) -> str:
    return escape(value, quote=False)


def attr(value: str) -> str:
    return escape(value, quote=True)


def href(from_path: str, to_path: str, relative: bool) -> str:
    """A link from one page to another: ``./…``-style relative (TRS) or an absolute path."""
    if not relative or "?" in to_path:
        return to_path
    base = posixpath.dirname(from_path) or "/"
    rel = posixpath.relpath(to_path, base)
    return rel if rel.startswith("../") else "./" + rel


def metas(pairs: list[tuple[str, str]]) -> str:
    return "\n".join(f'<meta name="{name}" content="{attr(value)}">' for name, value in pairs)


def site_metas(authority: Authority) -> list[tuple[str, str]]:
    return [
        ("SiteName", authority.name),
        ("SiteDomain", authority.domain),
        ("SiteIDCode", authority.site_code),
    ]


def column_metas(column: ColumnSpec) -> list[tuple[str, str]]:
    column_type = {"news": "工作动态", "notice": "通知公告", "policy": "政策文件"}[column.category]
    return [
        ("ColumnName", column.name),
        ("ColumnDescription", f"{column.name}栏目发布相关信息"),
        ("ColumnKeywords", column.name),
        ("ColumnType", column_type),
    ]


def article_metas(
    article: FixtureArticle, url: str, source_name: str = "ContentSource"
) -> list[tuple[str, str]]:
    return [
        ("ArticleTitle", article.title),
        ("PubDate", f"{article.date:%Y-%m-%d %H:%M}"),
        (source_name, article.source),
        ("Keywords", ""),
        ("Author", article.editor),
        ("Description", article.description or ""),
        ("Url", url),
    ]


def head(
    title: str, charset: str, meta_pairs: list[tuple[str, str]], *, generated: bool, extra: str = ""
) -> str:
    """``<head>``; article pages (``generated``) carry the page-generation-time meta."""
    others = f'<meta name="others" content="页面生成时间 {GENERATED_MARK}">\n' if generated else ""
    return (
        f'<!DOCTYPE html>\n<html>\n<head>\n<meta charset="{charset}">\n'
        '<meta http-equiv="X-UA-Compatible" content="IE=edge">\n'
        f"<title>{text(title)}</title>\n{metas(meta_pairs)}\n{others}{extra}</head>\n"
    )


def _indent(article: FixtureArticle, index: int) -> str:
    roll = (article.id + index) % 7
    return NBSP_INDENT if roll == 3 else "" if roll == 5 else FULL_WIDTH_INDENT


def table_html(table: tuple[tuple[str, ...], ...], cell_paragraphs: bool) -> str:
    rows = []
    for row in table:
        cells = "".join(
            f"<td><p>{text(cell)}</p></td>" if cell_paragraphs else f"<td>{text(cell)}</td>"
            for cell in row
        )
        rows.append(f"<tr>{cells}</tr>")
    return (
        '<table border="1" cellspacing="0" cellpadding="0" style="width:100%;">'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def block_html(article: FixtureArticle, index: int, block: Block, cell_paragraphs: bool) -> str:
    if isinstance(block, str):
        return f"<p>{_indent(article, index)}{text(block)}</p>"
    return table_html(block, cell_paragraphs)


def body_html(
    article: FixtureArticle, image_hrefs: list[str], cell_paragraphs: bool = False
) -> str:
    """The article body: images first (no caption), then paragraphs and tables."""
    parts = [
        f'<p style="text-align: center;"><img src="{attr(src)}" style="border-width: 0px;"'
        f' alt="" oldsrc="{attr(posixpath.basename(src))}"></p>'
        for src in image_hrefs
    ]
    parts += [
        block_html(article, index, block, cell_paragraphs)
        for index, block in enumerate(article.blocks)
    ]
    return "\n".join(parts)


def attachments_html(attachments: tuple[FixtureAttachment, ...], hrefs: list[str]) -> str:
    """The attachment links, outside the body container, one ``附件N：`` line each."""
    if not attachments:
        return ""
    lines = [
        f'<p>附件{number}：<a href="{attr(link)}" target="_blank">{text(item.name)}</a></p>'
        for number, (item, link) in enumerate(zip(attachments, hrefs, strict=True), start=1)
    ]
    return '<div class="fujian" id="fujian">\n' + "\n".join(lines) + "\n</div>\n"


def info_table(article: FixtureArticle, authority: Authority) -> str:
    """The 信息公开 block of a policy page (索引号, 发文字号, 成文日期); outside the body."""
    if not article.document_number:
        return ""
    return (
        '<table class="xxgk_table"><tbody>'
        f"<tr><th>索引号：</th><td>{authority.site_code}/{article.date:%Y}-{article.id:05d}</td>"
        f"<th>发布机构：</th><td>{text(authority.name)}</td></tr>"
        f"<tr><th>发文字号：</th><td>{text(article.document_number)}</td>"
        f"<th>成文日期：</th><td>{article.date:%Y年%m月%d日}</td></tr>"
        "</tbody></table>\n"
    )


def print_furniture() -> str:
    return (
        '<div class="print-close"><a href="javascript:window.print()">【打印本页】</a>'
        '<a href="javascript:window.close()">【关闭窗口】</a></div>\n'
    )


def footer(authority: Authority, *, generated: bool) -> str:
    """The site footer; on article pages it shows the page-generation time."""
    when = f"<p>页面生成时间：{GENERATED_MARK}</p>" if generated else ""
    return (
        f'<div class="footer"><p>主办单位：{text(authority.name)}　网站标识码：'
        f"{authority.site_code}</p>{when}</div>\n"
    )


def error_page(status: int, charset: str = "utf-8") -> str:
    message = {
        404: "您访问的页面不存在或已被删除",
        410: "该信息已撤销",
        503: "系统维护中，请稍后访问",
    }
    reason = message.get(status, "服务器内部错误")
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{status}</title></head>'
        f"<body><h1>{status}</h1><p>{reason}</p></body></html>"
    )


def truncate(title: str, limit: int = 26) -> str:
    """A list anchor's text: titles longer than ``limit`` are cut and end with ``...``."""
    return title if len(title) <= limit else title[:limit] + "..."


def header(authority: Authority, links: list[tuple[str, str]]) -> str:
    """The site banner and its navigation to every column."""
    nav = "".join(f'<li><a href="{attr(link)}">{text(name)}</a></li>' for name, link in links)
    return (
        f'<div class="header"><div class="logo"><a href="/">{text(authority.name)}</a></div>\n'
        f'<ul class="nav"><li><a href="/">首页</a></li>{nav}</ul></div>\n'
    )
