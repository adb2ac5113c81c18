"""TRS WCM (research §3.1): static ``index.html``, ``index_N.html`` ... pages.

The page count comes from ``createPageHTML(N, …)`` / ``var countPage = N`` / ``createPage(N`` /
``共N页`` (or ``options.page_count_pattern``); the numbering of page 2 (``index_1`` on most
sites, ``index_2`` on some) from ``options.first_index`` when the YAML pins it, else from the
pager's links (the ``下一页`` link, the page's own URL, the smallest ``index_N`` linked), else
``index_1`` (what ``createPageHTML`` writes). Without a page count, a ``下一页`` link is followed.
Items: the site's ``list`` selectors when ``list.item`` is given, else the detected list.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from crawler.adapters.base import Listing, ListResponse, PageRequest
from crawler.adapters.common import ListAdapter, check_answer, decode, parse_html
from crawler.adapters.pager import (
    IndexScheme,
    derive_first_index,
    directory_of,
    next_link,
    page_count,
    suffix_of,
)
from crawler.adapters.reading import page_items
from crawler.siteconfig.options import TrsOptions

DEFAULT_SUFFIX = ".html"


def index_scheme(
    tree: LexborHTMLParser,
    response: ListResponse,
    column_url: str,
    options: TrsOptions,
) -> tuple[IndexScheme, str]:
    """The ``index_N`` scheme of this column and how its first index was found."""
    name = options.index_name
    suffix = (
        options.suffix
        or suffix_of(column_url, name)
        or suffix_of(response.url, name)
        or _linked_suffix(tree, name)
        or DEFAULT_SUFFIX
    )
    scheme = IndexScheme(directory_of(response.url), name, suffix)
    if options.first_index is not None:
        return _with_first(scheme, options.first_index), "first_index from the site's options"
    first, why = derive_first_index(tree, response.url, response.url, response.request.page, scheme)
    if first is None:
        return scheme, f"page 2 assumed at {name}_1 ({why})"
    return _with_first(scheme, first), f"page 2 at {name}_{first}, from {why}"


def _with_first(scheme: IndexScheme, first: int) -> IndexScheme:
    return IndexScheme(scheme.directory, scheme.name, scheme.suffix, first)


def _linked_suffix(tree: LexborHTMLParser, name: str) -> str | None:
    for link in tree.css("a[href]"):
        found = suffix_of("/" + (link.attributes.get("href") or "").split("?", 1)[0], name)
        if found:
            return found
    return None


def trs_paging(
    tree: LexborHTMLParser,
    text: str,
    response: ListResponse,
    column_url: str,
    options: TrsOptions,
) -> tuple[tuple[PageRequest, ...], int | None, tuple[str, ...]]:
    """The next page's request, the page count, and notes on how they were found."""
    page = response.request.page
    count, pattern = page_count(text, options.page_count_pattern, tree)
    if count is None:
        following = next_link(tree, response.url, response.url)
        if following is None:
            return (), None, ("no page count and no next-page link",)
        return (PageRequest(url=following, page=page + 1),), None, ("next-page link",)
    scheme, how = index_scheme(tree, response, column_url, options)
    notes = (f"{count} pages by {pattern}", how)
    if page >= count:
        return (), count, notes
    return (PageRequest(url=scheme.url(page + 1), page=page + 1),), count, notes


class TrsAdapter(ListAdapter):
    kind = "trs"

    def parse(self, response: ListResponse) -> Listing:
        check_answer(response)
        text = decode(response, self.column.site.encoding)
        tree = parse_html(text)
        items, rule = page_items(
            tree, self.column.list_selectors, response.url, self.today, self.kind
        )
        options = self.options_of(TrsOptions)
        following, count, notes = trs_paging(tree, text, response, self.column.url, options)
        return Listing(
            items=items, rule=rule, next_requests=following, page_count=count, notes=notes
        )
