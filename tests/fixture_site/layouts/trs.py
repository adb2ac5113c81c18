"""TRS WCM (拓尔思): static ``index_N.html`` lists paged by ``createPageHTML``, ``t…_id.html``
articles in ``<div class=TRS_Editor>``, ``./W0….pdf`` attachments (research §3.1)."""

from __future__ import annotations

import re
from datetime import datetime

from tests.fixture_site import pages as H
from tests.fixture_site.layouts.base import Layout
from tests.fixture_site.model import ColumnSpec, FixtureArticle
from tests.fixture_site.responses import FixtureRequest, Response

_PAGE_NAME = re.compile(r"index_(\d+)\.html")
_EDITOR_STYLE = (
    '<style type="text/css">.TRS_Editor P{margin-top:0;margin-bottom:12px;line-height:1.8;'
    "font-family:宋体;font-size:12pt;}.TRS_Editor{font-family:宋体;font-size:12pt;}</style>"
)


class TrsLayout(Layout):
    name = "trs"
    relative_links = True

    # -- URLs --------------------------------------------------------------------------------
    def list_target(self, column: ColumnSpec, page: int = 1) -> str:
        return column.path + self._page_name(page)

    def _page_name(self, page: int) -> str:
        if page <= 1:
            return "index.html"
        return f"index_{page - 1 if self.site.options.first_index == 1 else page}.html"

    def _page_number(self, name: str) -> int | None:
        if name in ("", "index.html"):
            return 1
        match = _PAGE_NAME.fullmatch(name)
        if not match:
            return None
        number = int(match.group(1))
        if self.site.options.first_index == 1:
            return number + 1 if number >= 1 else None
        return number if number >= 2 else None

    def article_path(self, column: ColumnSpec, article_id: int, date: datetime) -> str:
        return f"{column.path}{date:%Y%m}/t{date:%Y%m%d}_{article_id}.html"

    def file_path(
        self, column: ColumnSpec, article_id: int, date: datetime, index: int, extension: str
    ) -> str:
        serial = (article_id * 1000 + index) % 10**12
        return f"{column.path}{date:%Y%m}/W0{date:%Y%m%d}{serial:012d}.{extension}"

    def item_file_path(self, column: ColumnSpec, article_id: int, date: datetime) -> str:
        return f"{column.path}{date:%Y%m}/P0{date:%Y%m%d}{article_id % 10**12:012d}.pdf"

    # -- lists -------------------------------------------------------------------------------
    def route(self, request: FixtureRequest) -> Response | None:
        if request.method not in ("GET", "HEAD"):
            return None
        for column in self.site.specs.values():
            if request.path == column.path.rstrip("/"):
                return Response(301, b"", "text/html", headers=[("Location", column.path)])
            if request.path.startswith(column.path):
                return self._list_page(request, column)
        return None

    def _list_page(self, request: FixtureRequest, column: ColumnSpec) -> Response | None:
        page = self._page_number(request.path[len(column.path) :])
        count = self.page_count(len(self.site.items(column.key)), self.site.options.per_page)
        if page is None or page > count:
            return None
        return self.site.cached(
            request.origin + request.path,
            lambda: self.html_response(self._list_html(column, page, request.origin), column),
        )

    def _list_html(self, column: ColumnSpec, page: int, origin: str) -> str:
        per_page = self.site.options.per_page
        items = self.site.items(column.key)
        count = self.page_count(len(items), per_page)
        shown = items[(page - 1) * per_page : page * per_page]
        here = self.list_target(column, page)
        lines = "\n".join(self._item(column, here, article, origin) for article in shown)
        authority = self.site.authority
        if column.style == "onclick":
            listing = f'<ul class="common-list-right-list">\n{lines}\n</ul>'
        elif column.style == "shanxi":
            listing = f'<div class="xwzx_ggtz"><ul class="fl">\n{lines}\n</ul></div>'
        else:
            listing = f'<ul id="list" class="list">\n{lines}\n</ul>'
        return (
            H.head(
                f"{column.name}_{authority.name}",
                self.site.charset_of(),
                H.site_metas(authority) + H.column_metas(column),
                generated=False,
                extra='<script type="text/javascript" src="/js/common.js"></script>\n',
            )
            + "<body>\n"
            + H.header(authority, self.nav_links())
            + '<div class="location">当前位置：<a href="/" class="CurrChnlCls">首页</a>'
            + f'&nbsp;&gt;&nbsp;<a href="./" class="CurrChnlCls">{H.text(column.name)}</a></div>\n'
            + f'<div class="list-main">\n<div class="list-title"><h2>{H.text(column.name)}</h2>'
            + f"</div>\n{listing}\n{self._pager(column, page, count)}</div>\n"
            + H.footer(authority, generated=False)
            + "</body>\n</html>\n"
        )

    def _item(self, column: ColumnSpec, here: str, article: FixtureArticle, origin: str) -> str:
        date = article.date.strftime(column.date_format)
        title = H.attr(article.title)
        if column.style == "onclick":
            return (
                f'<li><a href="javascript:void(0)" onclick="isDownLoad(this,\'{origin}'
                f'{H.attr(article.path)}\')" title="{title}"><p class="list-content">'
                f'{H.text(article.title)}</p><p class="list-date">{date}</p></a></li>'
            )
        link = H.attr(self.link(here, article.path))
        return (
            f'<li><a href="{link}" target="_blank" title="{title}">'
            f"{H.text(H.truncate(article.title))}</a><span>{date}</span></li>"
        )

    def _pager(self, column: ColumnSpec, page: int, count: int) -> str:
        def name(number: int) -> str:
            return self._page_name(min(max(number, 1), count))

        links = (
            f'<a href="{name(1)}">首页</a>&nbsp;<a href="{name(page - 1)}">上一页</a>&nbsp;'
            f'<a href="{name(page + 1)}">下一页</a>&nbsp;<a href="{name(count)}">尾页</a>'
        )
        if self.site.options.first_index == 2:
            return f'<div class="whj_padding whj_color">共{count}页&nbsp;{links}</div>\n'
        script = (
            '<div class="page" id="page"><script type="text/javascript">\n'
            f"var countPage = {count}//共多少页\n"
            f'createPageHTML({count}, {page - 1}, "index", "html");\n</script></div>\n'
        )
        if column.style == "shanxi":
            return script + f'<div class="ye">{links}</div>\n'
        if column.style == "onclick":
            spans = f"<span>当前第{page}页</span><span>共{count}页</span>"
            return script + f'<div class="page-list">{spans}</div>\n'
        return script

    # -- articles ----------------------------------------------------------------------------
    def article_html(self, article: FixtureArticle) -> str:
        column = self.site.column(article.column)
        authority = self.site.authority
        page = article.path
        self_url = "./" + page.rsplit("/", 1)[-1]
        files = [self.link(page, item.path) for item in article.attachments]
        images = [self.link(page, path) for path in article.images]
        return (
            H.head(
                f"{article.title}_{authority.name}",
                self.site.charset_of(article),
                H.site_metas(authority)
                + H.column_metas(column)
                + H.article_metas(article, self_url),
                generated=True,
            )
            + "<body>\n"
            + H.header(authority, self.nav_links())
            + '<div class="location">当前位置：<a href="/" class="CurrChnlCls">首页</a>&nbsp;&gt;'
            + f'&nbsp;<a href="../" class="CurrChnlCls">{H.text(column.name)}</a></div>\n'
            + f'<div class="detail-box">\n<h1>{H.text(article.title)}</h1>\n'
            + f'<div class="detail-shuxing"><span>发布时间：{article.date:%Y-%m-%d %H:%M}</span>'
            + f"<span>来源：{H.text(article.source)}</span>"
            + f'<span>浏览次数：<em id="views">{H.VIEWS_MARK}</em></span></div>\n'
            + H.info_table(article, authority)
            + '<div class="detail-content" id="downloadContent">\n'
            + f"<div class=TRS_Editor>{_EDITOR_STYLE}\n"
            + H.body_html(article, images, cell_paragraphs=True)
            + "\n</div>\n</div>\n"
            + H.attachments_html(article.attachments, files)
            + f'<div id="detail-editor">（责任编辑：{H.text(article.editor)}）</div>\n'
            + H.print_furniture()
            + "</div>\n"
            + H.footer(authority, generated=True)
            + "</body>\n</html>\n"
        )
