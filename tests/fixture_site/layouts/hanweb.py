"""Hanweb 大汉 JCMS: ``/col/col<id>/index.html`` whose first records sit in a
``<script type="text/xml"><datastore>`` block, the next ones only by POST to
``/module/web/jpage/dataproxy.jsp``; ``/art/Y/M/D/art_<col>_<id>.html`` articles (research §3.2)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import partial
from urllib.parse import quote

from tests.fixture_site import pages as H
from tests.fixture_site.layouts.base import Layout
from tests.fixture_site.model import ColumnSpec, FixtureArticle
from tests.fixture_site.responses import FixtureRequest, Response

WEBID = 75
DATAPROXY = "/module/web/jpage/dataproxy.jsp"
DOWNLOAD = "/module/download/downfile.jsp"
GROUP_SIZE = 3


class HanwebLayout(Layout):
    name = "hanweb"

    # -- URLs --------------------------------------------------------------------------------
    def list_target(self, column: ColumnSpec, page: int = 1) -> str:
        """Page 1; later pages have only a client-side address (the server ignores the query)."""
        if page <= 1:
            return column.path + "index.html"
        return f"{column.path}index.html?uid={column.unit}&pageNum={page}"

    def article_path(self, column: ColumnSpec, article_id: int, date: datetime) -> str:
        return f"/art/{date.year}/{date.month}/{date.day}/art_{column.number}_{article_id}.html"

    def file_path(
        self, column: ColumnSpec, article_id: int, date: datetime, index: int, extension: str
    ) -> str:
        if extension == "png":
            return f"/picture/0/{date:%y%m%d%H%M}{article_id % 10**6:06d}{index:03d}.png"
        digest = hashlib.md5(f"{article_id}-{index}".encode()).hexdigest()[:24]
        return f"{DOWNLOAD}?classid=0&filename={digest}.{extension}"

    def file_key(self, request: FixtureRequest) -> str:
        """Downloads are found by their ``filename`` parameter, whatever the query order."""
        if request.path == DOWNLOAD:
            return f"{DOWNLOAD}?classid=0&filename={request.query.get('filename', '')}"
        return request.path

    def ajax_params(self, column: ColumnSpec) -> dict[str, str]:
        """The form body dataproxy.jsp expects (as a browser sends it)."""
        return {
            "col": "1",
            "appid": "1",
            "webid": str(WEBID),
            "path": "/",
            "columnid": str(column.number),
            "sourceContentType": "1",
            "unitid": str(column.unit),
            "webname": self.site.authority.name,
            "permissiontype": "0",
        }

    # -- lists -------------------------------------------------------------------------------
    def route(self, request: FixtureRequest) -> Response | None:
        if request.path == DATAPROXY:
            if request.method != "POST":
                return Response(405, b"", "text/plain", headers=[("Allow", "POST")])
            return self._dataproxy(request)
        if request.method not in ("GET", "HEAD"):
            return None
        for column in self.site.specs.values():
            if request.path == column.path.rstrip("/"):
                return Response(301, b"", "text/html", headers=[("Location", column.path)])
            if request.path in (column.path, column.path + "index.html"):
                return self.site.cached(request.path, partial(self._list_page, column))
        return None

    def _list_page(self, column: ColumnSpec) -> Response:
        return self.html_response(self._list_html(column), column)

    def _record(self, article: FixtureArticle, column: ColumnSpec) -> str:
        return (
            f'<record><![CDATA[\n<li><a href="{H.attr(article.path)}" target="_blank" '
            f'title="{H.attr(article.title)}">{H.text(H.truncate(article.title))}</a>'
            f"<span>{article.date.strftime(column.date_format)}</span></li>\n]]></record>"
        )

    def _nextgroup(self, column: ColumnSpec) -> str:
        webname = quote(self.site.authority.name)
        return (
            f'<nextgroup><![CDATA[<a href="{DATAPROXY}?page=1&webid={WEBID}&path=/&columnid='
            f"{column.number}&unitid={column.unit}&webname={webname}&permissiontype=0"
            '"></a>]]></nextgroup>'
        )

    def _list_html(self, column: ColumnSpec) -> str:
        items = self.site.items(column.key)
        embedded = items[: self.site.options.hanweb_embedded]
        records = "\n".join(self._record(article, column) for article in embedded)
        authority = self.site.authority
        per_page = self.site.options.hanweb_per_page
        return (
            H.head(
                f"{column.name} {authority.name}",
                self.site.charset_of(),
                H.site_metas(authority) + H.column_metas(column),
                generated=False,
                extra='<script type="text/javascript" src="/module/jslib/jquery/jquery.js">'
                "</script>\n",
            )
            + "<body>\n"
            + H.header(authority, self.nav_links())
            + '<div class="bt-position">您当前的位置：<a href="/">首页</a>&nbsp;&gt;&nbsp;'
            + f'<a href="{column.path}index.html">{H.text(column.name)}</a></div>\n'
            + '<div class="bt-rig-cen-01"><div class="default_pgContainer">\n'
            + f'<div id="{column.unit}"><script type="text/xml"><datastore>\n'
            + f"{self._nextgroup(column)}\n<recordset>\n{records}\n</recordset>\n</datastore>\n"
            + "</script></div>\n</div></div>\n"
            + '<script type="text/javascript" src="/module/web/jpage/jquery.jpage.js"></script>\n'
            + '<script type="text/javascript">\n$(document).ready(function(){\n'
            + f"  $('#{column.unit}').jpage({{\n"
            + "    dataStore: 'datastore', dataBefore: '<ul class=\"list\">', dataAfter: '</ul>',\n"
            + f"    perPage: {per_page}, totalRecord: {len(items)}, groupSize: {GROUP_SIZE},"
            + f" barPosition: 'bottom',\n    proxyUrl: '{DATAPROXY}',\n"
            + f"    ajaxParam: {{col: 1, appid: 1, webid: {WEBID}, path: '/', columnid: "
            + f"{column.number}, sourceContentType: 1, unitid: '{column.unit}', webname: "
            + f"'{authority.name}', permissiontype: 0}}\n  }});\n}});\n</script>\n"
            + H.footer(authority, generated=False)
            + "</body>\n</html>\n"
        )

    def _dataproxy(self, request: FixtureRequest) -> Response:
        try:
            start = int(request.query["startrecord"])
            end = int(request.query["endrecord"])
            int(request.query.get("perpage", "15"))
        except (KeyError, ValueError):
            return Response(400, "参数错误".encode(), "text/plain; charset=UTF-8")
        content_type = request.headers.get("content-type", "")
        form = request.form if "application/x-www-form-urlencoded" in content_type else {}
        if "columnid" not in form:
            return Response(400, "缺少columnid参数".encode(), "text/plain; charset=UTF-8")
        column = self._form_column(form)
        items = self.site.items(column.key) if column else []
        shown = items[max(start, 1) - 1 : max(end, 0)]
        records = "\n".join(self._record(article, column) for article in shown) if column else ""
        per_page = self.site.options.hanweb_per_page
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n'
            + (self._nextgroup(column) + "\n" if column else "")
            + f"<recordset>\n{records}\n</recordset>\n"
            + f"<totalrecord>{len(items)}</totalrecord>\n"
            + f"<totalpage>{self.page_count(len(items), per_page)}</totalpage>\n</datastore>\n"
        )
        return Response(200, body.encode("utf-8"), "text/xml;charset=UTF-8")

    def _form_column(self, form: dict[str, str]) -> ColumnSpec | None:
        """The column a dataproxy form names; None (an empty answer) when the ids do not match."""
        for column in self.site.specs.values():
            if form.get("columnid") != str(column.number):
                continue
            if form.get("unitid", str(column.unit)) != str(column.unit):
                return None
            if form.get("webid", str(WEBID)) != str(WEBID):
                return None
            return column
        return None

    # -- articles ----------------------------------------------------------------------------
    def article_html(self, article: FixtureArticle) -> str:
        column = self.site.column(article.column)
        authority = self.site.authority
        url = f"http://{authority.domain}{article.path}"
        meta_pairs = (
            H.site_metas(authority)
            + H.column_metas(column)
            + H.article_metas(article, url, source_name="contentSource")
            + [("i_columnid", str(column.number)), ("i_articleid", str(article.id))]
        )
        images = list(article.images)
        files = [item.path for item in article.attachments]
        body = H.body_html(article, images)
        editor = f'\n<p style="text-align: right;">（责任编辑：{H.text(article.editor)}）</p>'
        if column.style == "zjeg":
            content = (
                '<div class="main-txt article_zoom"><!--<$[信息内容]>begin-->'
                '<!--ZJEG_RSS.content.begin--><meta name="ContentStart">'
                f'{body}\n<p>&nbsp;</p><meta name="ContentEnd"><!--ZJEG_RSS.content.end-->'
                f"<!--<$[信息内容]>end-->{editor}</div>\n"
            )
        else:
            content = f'<div id="zoom">\n{body}\n<p>&nbsp;</p>{editor}\n</div>\n'
        return (
            H.head(article.title, self.site.charset_of(article), meta_pairs, generated=True)
            + "<body>\n"
            + H.header(authority, self.nav_links())
            + '<div class="bt-position">您当前的位置：<a href="/">首页</a>&nbsp;&gt;&nbsp;'
            + f'<a href="{column.path}index.html">{H.text(column.name)}</a></div>\n'
            + '<div class="con">\n<p class="con-title"><!--<$[标题]>begin-->'
            + f"{H.text(article.title)}<!--<$[标题]>end--></p>\n"
            + f'<div class="small-title clearfix"><span>发布日期：{article.date:%Y-%m-%d %H:%M}'
            + f"</span><span>浏览次数：{H.VIEWS_MARK}</span>"
            + "<span>信息来源：<!--<$[信息来源]>begin-->"
            + f"{H.text(article.source)}<!--<$[信息来源]>end--></span></div>\n"
            + H.info_table(article, authority)
            + content
            + H.attachments_html(article.attachments, files)
            + f'<div class="main-word">{H.print_furniture()}</div>\n</div>\n'
            + H.footer(authority, generated=True)
            + "</body>\n</html>\n"
        )
