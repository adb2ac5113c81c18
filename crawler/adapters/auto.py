"""Any list page without a family: the site's ``list`` selectors when they match, else the
detected block of dated links (``detect.py``), so that a redesigned site keeps working.

It also recognizes what it is given: a Hanweb ``<datastore>`` page (records, and the dataproxy
POST for more), a dataproxy answer, a JSON answer (the largest list of records with a title and
a URL). Next page: the page's own ``下一页``/``>`` link or the link numbered n+1; else TRS-style
``index_N`` pages when a paging script or ``index_N`` links imply them; else ``options.page_url``.
No page after the last one the page states.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from crawler.adapters.base import Listing, ListResponse, PageRequest
from crawler.adapters.common import (
    ListAdapter,
    ListPageError,
    check_answer,
    decode,
    looks_like_json,
    parse_html,
)
from crawler.adapters.css import templated_next
from crawler.adapters.datastore import largest_datastore, referer_of, window_of
from crawler.adapters.hanweb import HanwebOptions, hanweb_page, proxy_answer
from crawler.adapters.json_search import JsonSearchOptions
from crawler.adapters.jsonlist import JsonPaging, find_records, load_json, parse_json_list
from crawler.adapters.pager import (
    LinkTexts,
    next_link,
    numbered_next,
    page_count,
    query_value,
    suffix_of,
)
from crawler.adapters.reading import page_items
from crawler.adapters.trs import TrsOptions, trs_paging
from crawler.siteconfig.options import PagedOptions


class AutoOptions(PagedOptions):
    """Find the repeated block of dated links; `page_url` and `list` selectors are hints."""


_JSON_DEFAULTS = JsonSearchOptions()
JSON_PAGING = JsonPaging(
    _JSON_DEFAULTS.page_param,
    _JSON_DEFAULTS.first_page,
    _JSON_DEFAULTS.page_size_param,
    _JSON_DEFAULTS.page_size,
)


def auto_paging(
    tree: LexborHTMLParser,
    text: str,
    response: ListResponse,
    column_url: str,
    options: AutoOptions,
    had_items: bool,
) -> tuple[tuple[PageRequest, ...], int | None, tuple[str, ...]]:
    """The next page: a next-page link, TRS ``index_N`` pages, or the ``page_url`` template."""
    page = response.request.page
    texts = LinkTexts()
    url = next_link(tree, response.url, response.url, texts) or numbered_next(
        tree, response.url, page, texts
    )
    count, _ = page_count(text, tree=tree)
    if count is not None and page >= count:
        return (), count, ("the last page",)
    if url is not None:
        return (PageRequest(url=url, page=page + 1),), count, ("next-page link",)
    trs_like = suffix_of(response.url, "index") or response.url.split("?", 1)[0].endswith("/")
    if count is not None and trs_like:
        return trs_paging(tree, text, response, column_url, TrsOptions(), texts)
    following, count = templated_next(tree, text, response, column_url, options, had_items)
    if following is not None:
        return (following,), count, ("page_url template",)
    return (), count, ("no next page found",)


class AutoAdapter(ListAdapter):
    kind = "auto"
    summary = "no fixed family: the list is detected on each page (survives redesigns)"
    Options = AutoOptions

    def parse(self, response: ListResponse) -> Listing:
        check_answer(response)
        text = decode(response, self.column.site.encoding)
        column, today = self.column, self.today
        if window_of(response.request.url) is not None:
            base = referer_of(response.request) or column.url
            return proxy_answer(response, text, column.list_selectors, base, today, self.kind)
        if looks_like_json(text):
            return self._json(text, response)
        if largest_datastore(text) is not None:
            return hanweb_page(
                response, text, column.url, column.site.name, HanwebOptions(),
                column.list_selectors, today, self.kind,
            )  # fmt: skip
        tree = parse_html(text)
        items, rule = page_items(
            tree, column.list_selectors, response.url, today, self.kind, detect_when_empty=True
        )
        options = self.options_of(AutoOptions)
        following, count, notes = auto_paging(
            tree, text, response, column.url, options, bool(items)
        )
        return Listing(
            items=items, rule=rule, next_requests=following, page_count=count, notes=notes
        )

    def _json(self, text: str, response: ListResponse) -> Listing:
        data = load_json(text)
        shape = find_records(data)
        if shape is None:
            raise ListPageError("json_error", "no list of records with a title and a URL")
        paged = query_value(response.request.url, JSON_PAGING.page_param) is not None
        if not paged:  # the whole column in one answer: a total alone invents no page 2
            listing = parse_json_list(data, response, shape, JSON_PAGING, self.today, self.kind)
            return Listing(listing.items, listing.rule, (), listing.page_count, listing.notes)
        return parse_json_list(data, response, shape, JSON_PAGING, self.today, self.kind, paged)
