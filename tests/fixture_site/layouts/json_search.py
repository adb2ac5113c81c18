"""The 集约化 platform (likely 开普云): ``/common/search/<channelId>?…&_isJson=true&page=N``
answers JSON, ``_isJson=false`` a rendered list; articles ``/<site>/cNNNNNN/YYYYMM/<hex>.shtml``
with a ``#UCAP-CONTENT`` body (research §3.3)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from functools import partial

from tests.fixture_site import pages as H
from tests.fixture_site.layouts.base import Layout
from tests.fixture_site.model import ColumnSpec, FixtureArticle
from tests.fixture_site.responses import FixtureRequest, Response, validated

SEARCH = "/common/search/"
DEFAULT_PAGE_SIZE = 15
MAX_PAGE_SIZE = 100


def _hex(*parts: object) -> str:
    return hashlib.md5("-".join(map(str, parts)).encode()).hexdigest()


class JsonSearchLayout(Layout):
    name = "json_search"

    # -- URLs --------------------------------------------------------------------------------
    def list_target(self, column: ColumnSpec, page: int = 1) -> str:
        return (
            f"{SEARCH}{column.channel}?_isAgg=true&_isJson=true&_pageSize={DEFAULT_PAGE_SIZE}"
            f"&_template=index&_rangeTimeGte=&_channelName=&page={page}"
        )

    def article_path(self, column: ColumnSpec, article_id: int, date: datetime) -> str:
        return f"{column.path}{date:%Y%m}/{_hex('article', article_id)}.shtml"

    def file_path(
        self, column: ColumnSpec, article_id: int, date: datetime, index: int, extension: str
    ) -> str:
        folder = _hex("article", article_id)
        return f"{column.path}{date:%Y%m}/{folder}/files/{_hex(article_id, index)}.{extension}"

    # -- lists -------------------------------------------------------------------------------
    def route(self, request: FixtureRequest) -> Response | None:
        if request.method not in ("GET", "HEAD"):
            return None
        for column in self.site.specs.values():
            if request.path == column.path + "public_list.shtml":
                return self.site.cached(request.path, partial(self._shell, column))
        if not request.path.startswith(SEARCH):
            return None
        channel = request.path[len(SEARCH) :]
        found = next((c for c in self.site.specs.values() if c.channel == channel), None)
        if found is None:
            return _json(404, {"ok": False, "code": 404, "msg": "栏目不存在", "data": None})
        try:
            page = max(int(request.query.get("page") or 1), 1)
            size = min(max(int(request.query.get("_pageSize") or DEFAULT_PAGE_SIZE), 1), 100)
        except ValueError:
            return _json(400, {"ok": False, "code": 400, "msg": "参数错误", "data": None})
        as_json = request.query.get("_isJson", "false").lower() == "true"
        return self.site.cached(
            request.origin + request.target,
            partial(self._search, found, page, size, as_json),
        )

    def _search(self, column: ColumnSpec, page: int, size: int, as_json: bool) -> Response:
        items = self.site.items(column.key)
        shown = items[(page - 1) * size : page * size]
        modified = self.site.column_modified(column.key)
        if not as_json:
            return self.html_response(self._rendered(column, shown), column)
        data = {
            "page": page,
            "rows": size,
            "total": len(items),
            "totalPage": self.page_count(len(items), size),
            "channelId": column.channel,
            "results": [self._result(column, article) for article in shown],
        }
        body = json.dumps(
            {"ok": True, "code": 200, "msg": "success", "data": data}, ensure_ascii=False
        )
        return validated(body.encode("utf-8"), "application/json;charset=UTF-8", modified)

    def _result(self, column: ColumnSpec, article: FixtureArticle) -> dict[str, object]:
        return {
            "id": _hex("article", article.id),
            "title": article.title,
            "url": article.path,
            "publishedTime": int(article.date.timestamp() * 1000),
            "publishedTimeStr": f"{article.date:%Y-%m-%d %H:%M:%S}",
            "channelName": column.name,
            "channelId": column.channel,
        }

    def _rendered(self, column: ColumnSpec, shown: list[FixtureArticle]) -> str:
        """The ``_isJson=false`` answer: the list rendered by a page template (海南 style)."""
        rows = "\n".join(
            f'<div class="cen-div-1"><div class="list-right_title"><a href="{H.attr(a.path)}" '
            f'target="_blank" title="{H.attr(a.title)}">{H.text(a.title)}</a></div>'
            f"<table><tr><td>{a.date.strftime(column.date_format)}</td></tr></table></div>"
            for a in shown
        )
        return (
            f'<!DOCTYPE html><html><head><meta charset="{self.site.charset_of()}"></head><body>'
            f"\n{rows}\n</body></html>\n"
        )

    def _shell(self, column: ColumnSpec) -> Response:
        """The column's HTML page: its list is filled by a script from the search API."""
        authority = self.site.authority
        html = (
            H.head(
                f"{column.name}_{authority.name}",
                self.site.charset_of(),
                H.site_metas(authority) + H.column_metas(column),
                generated=False,
            )
            + "<body>\n"
            + H.header(authority, [])
            + f'<div class="list-box"><h2>{H.text(column.name)}</h2><ul id="list"></ul></div>\n'
            + f'<script type="text/javascript">var channelId = "{column.channel}";\n'
            + f"$.getJSON('{self.list_target(column)}', renderList);</script>\n"
            + H.footer(authority, generated=False)
            + "</body>\n</html>\n"
        )
        return self.html_response(html, column)

    # -- articles ----------------------------------------------------------------------------
    def article_html(self, article: FixtureArticle) -> str:
        column = self.site.column(article.column)
        authority = self.site.authority
        url = f"https://{authority.domain}{article.path}"
        files = [item.path for item in article.attachments]
        return (
            H.head(
                f"{article.title}_{authority.name}",
                self.site.charset_of(article),
                H.site_metas(authority) + H.column_metas(column) + H.article_metas(article, url),
                generated=True,
            )
            + "<body>\n"
            + H.header(authority, [])
            + '<div class="BreadcrumbNav"><a href="/">首页</a>&nbsp;&gt;&nbsp;'
            + f'<a href="{column.path}public_list.shtml">{H.text(column.name)}</a></div>\n'
            + f'<div class="article oneColumn pub_border">\n<h1>{H.text(article.title)}</h1>\n'
            + f'<div class="pages-date">{article.date:%Y-%m-%d %H:%M}'
            + f'<span class="font">来源：{H.text(article.source)}</span>'
            + f'<span class="font">浏览量：{H.VIEWS_MARK}</span>'
            + '<span class="font printIco">打印</span></div>\n'
            + H.info_table(article, authority)
            + '<div class="pages_content" id="UCAP-CONTENT">\n'
            + H.body_html(article, list(article.images))
            + "\n</div>\n"
            + H.attachments_html(article.attachments, files)
            + f'<div class="editor">【责任编辑：{H.text(article.editor)}】</div>\n'
            + '<div id="qr_container">扫一扫在手机打开当前页</div>\n'
            + H.print_furniture()
            + "</div>\n"
            + H.footer(authority, generated=True)
            + "</body>\n</html>\n"
        )


def _json(status: int, payload: dict[str, object]) -> Response:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Response(status, body, "application/json;charset=UTF-8")
