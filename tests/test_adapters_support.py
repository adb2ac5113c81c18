"""Helpers of the adapter tests: a column of a given kind, a real HTTP fetch of a PageRequest
(urllib on 127.0.0.1, POST body and headers as given) and a crawl that follows next_requests."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import date
from typing import Any

from crawler.adapters import adapter_for
from crawler.adapters.base import Adapter, Listing, ListItem, ListResponse, PageRequest
from crawler.adapters.common import ListAdapter
from crawler.sites import EffectiveColumn, SiteConfig
from tests.fixture_site import FixtureSite, fold

ItemTuple = tuple[str, str, str | None, bool]


def column_of(
    url: str,
    adapter: str,
    *,
    options: dict[str, Any] | None = None,
    selectors: dict[str, Any] | None = None,
    encoding: str | None = None,
    name: str = "测试站",
) -> EffectiveColumn:
    """A one-column site config of ``adapter`` kind, validated like a YAML file."""
    raw: dict[str, Any] = {
        "id": "fixture",
        "name": name,
        "authority": "测试",
        "adapter": adapter,
        "columns": [{"name": "栏目", "url": url, "category": "news"}],
    }
    if options:
        raw["options"] = options
    if selectors:
        raw["list"] = selectors
    if encoding:
        raw["encoding"] = encoding
    return SiteConfig.model_validate(raw).effective_columns()[0]


def adapter_of(column: EffectiveColumn, today: date | None = None) -> Adapter:
    adapter = adapter_for(column)
    if today is not None:
        assert isinstance(adapter, ListAdapter)
        adapter = type(adapter)(column, today=today)
    return adapter


def fetch(request: PageRequest, charset: bool = True) -> ListResponse:
    """The answer to a PageRequest over real HTTP; ``charset=False`` drops the HTTP charset."""
    http = urllib.request.Request(
        request.url,
        data=request.body or None,
        headers=dict(request.headers),
        method=request.method,
    )
    try:
        with urllib.request.urlopen(http, timeout=10) as answer:
            status, url, body = answer.status, answer.geturl(), answer.read()
            declared = answer.headers.get_content_charset()
    except urllib.error.HTTPError as error:
        status, url, body = error.code, error.geturl(), error.read()
        declared = error.headers.get_content_charset()
    return ListResponse(request, url, status, body, declared if charset else None)


def crawl(adapter: Adapter, limit: int = 20) -> list[tuple[PageRequest, Listing]]:
    """Page 1 and every next request the adapter asks for, in order."""
    pages: list[tuple[PageRequest, Listing]] = []
    queue = list(adapter.first_requests())
    while queue and len(pages) < limit:
        request = queue.pop(0)
        listing = adapter.parse(fetch(request))
        pages.append((request, listing))
        queue.extend(listing.next_requests)
    return pages


def tuples(items: tuple[ListItem, ...] | list[ListItem]) -> list[ItemTuple]:
    return [(item.title, item.url, item.date, item.is_file) for item in items]


def crawled_items(pages: list[tuple[PageRequest, Listing]]) -> list[ItemTuple]:
    return [entry for _, listing in pages for entry in tuples(listing.items)]


def expected(site: FixtureSite, column: str) -> list[ItemTuple]:
    """What a list of the column must give: full titles, absolute URLs, dates, file flags."""
    return [
        (
            fold(article.title),
            site.url_of(article),
            article.date.date().isoformat(),
            article.is_file,
        )
        for article in site.items(column)
    ]


def answer(
    body: str | bytes,
    url: str = "http://127.0.0.1:8/xwzx/gzdt/index.html",
    *,
    status: int = 200,
    page: int = 1,
    charset: str | None = "utf-8",
    request: PageRequest | None = None,
) -> ListResponse:
    """A hand-written answer, as the spider would hand it over."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    return ListResponse(request or PageRequest(url=url, page=page), url, status, data, charset)


def page(items_html: str, extra: str = "", title: str = "通知公告") -> str:
    """A small list page around some list markup."""
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        '<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/xwzx/">新闻中心</a></li>'
        f'<li><a href="/zwgk/">政务公开</a></li></ul></div><div class="main">{items_html}</div>'
        f"{extra}</body></html>"
    )
