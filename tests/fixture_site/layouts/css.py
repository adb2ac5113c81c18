"""A layout of no known family, for the ``css`` and ``auto`` adapters: ``div.news-list > dl > dd``
items with dates in ``<em>``, a ``下一页`` link pager; article pages carry no 政府网站 article meta
tags (ArticleTitle, PubDate, ContentSource), only a plain ``description``."""

from __future__ import annotations

import re
from datetime import datetime

from tests.fixture_site import pages as H
from tests.fixture_site.layouts.base import Layout
from tests.fixture_site.model import ColumnSpec, FixtureArticle
from tests.fixture_site.responses import FixtureRequest, Response

_PAGE_NAME = re.compile(r"list_(\d+)\.html")


class CssLayout(Layout):
    name = "css"

    def list_target(self, column: ColumnSpec, page: int = 1) -> str:
        return column.path + ("list.html" if page <= 1 else f"list_{page}.html")

    def article_path(self, column: ColumnSpec, article_id: int, date: datetime) -> str:
        return f"{column.path}{date:%Y}/{date:%m%d}/{article_id}.html"

    def file_path(
        self, column: ColumnSpec, article_id: int, date: datetime, index: int, extension: str
    ) -> str:
        return f"/uploads/{date:%Y%m}/{article_id}_{index}.{extension}"

    def route(self, request: FixtureRequest) -> Response | None:
        if request.method not in ("GET", "HEAD"):
            return None
        for column in self.site.specs.values():
            if request.path.startswith(column.path):
                return self._list_page(request, column)
        return None

    def _list_page(self, request: FixtureRequest, column: ColumnSpec) -> Response | None:
        name = request.path[len(column.path) :]
        match = _PAGE_NAME.fullmatch(name)
        page = 1 if name in ("", "list.html") else int(match.group(1)) if match else 0
        count = self.page_count(len(self.site.items(column.key)), self.site.options.per_page)
        if not 1 <= page <= count or (match and page == 1):
            return None
        return self.site.cached(
            request.path, lambda: self.html_response(self._list_html(column, page, count), column)
        )

    def _list_html(self, column: ColumnSpec, page: int, count: int) -> str:
        per_page = self.site.options.per_page
        shown = self.site.items(column.key)[(page - 1) * per_page : page * per_page]
        items = "\n".join(
            f'<dd><a href="{H.attr(a.path)}" target="_blank" title="{H.attr(a.title)}">'
            f"{H.text(a.title)}</a><em>{a.date.strftime(column.date_format)}</em></dd>"
            for a in shown
        )
        authority = self.site.authority
        return (
            H.head(
                f"{column.name}-{authority.name}",
                self.site.charset_of(),
                H.site_metas(authority),
                generated=False,
            )
            + "<body>\n"
            + H.header(authority, self.nav_links())
            + '<div class="crumbs">您的位置：<a href="/">首页</a> &gt; '
            + f"{H.text(column.name)}</div>\n"
            + f'<div class="news-list">\n<dl>\n<dt>{H.text(column.name)}</dt>\n{items}\n</dl>\n'
            + f"{self._pager(column, page, count)}</div>\n"
            + H.footer(authority, generated=False)
            + "</body>\n</html>\n"
        )

    def _pager(self, column: ColumnSpec, page: int, count: int) -> str:
        def name(number: int) -> str:
            return self.list_target(column, number).rsplit("/", 1)[-1]

        parts = [f'<a href="{name(1)}">首页</a>']
        if page > 1:
            parts.append(f'<a class="prev" href="{name(page - 1)}">上一页</a>')
        parts.append(f'<span class="current">{page}/{count}</span>')
        if page < count:
            parts.append(f'<a class="next" href="{name(page + 1)}">下一页</a>')
        parts.append(f'<a href="{name(count)}">尾页</a>')
        return '<div class="pager">' + "".join(parts) + "</div>\n"

    def article_html(self, article: FixtureArticle) -> str:
        column = self.site.column(article.column)
        authority = self.site.authority
        files = [item.path for item in article.attachments]
        return (
            H.head(
                f"{article.title}-{authority.name}",
                self.site.charset_of(article),
                [*H.site_metas(authority), ("description", article.description or "")],
                generated=True,
            )
            + "<body>\n"
            + H.header(authority, self.nav_links())
            + '<div class="crumbs">您的位置：<a href="/">首页</a> &gt; '
            + f'<a href="{self.list_target(column)}">{H.text(column.name)}</a> &gt; 正文</div>\n'
            + f'<div class="article">\n<h2 class="article-title">{H.text(article.title)}</h2>\n'
            + f'<div class="article-meta">发布日期：{article.date:%Y年%m月%d日 %H:%M}　'
            + f"来源：{H.text(article.source)}　阅读次数：{H.VIEWS_MARK}</div>\n"
            + H.info_table(article, authority)
            + '<div class="article-content">\n'
            + H.body_html(article, list(article.images))
            + '\n<p style="text-align: right;">'
            + f"（责任编辑：{H.text(article.editor)}）</p>\n</div>\n"
            + H.attachments_html(article.attachments, files)
            + H.print_furniture()
            + "</div>\n"
            + H.footer(authority, generated=True)
            + "</body>\n</html>\n"
        )
