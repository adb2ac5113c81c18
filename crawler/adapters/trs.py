"""TRS WCM (research §3.1): static ``index.html``, ``index_N.html`` ... pages.

The page count comes from ``createPageHTML(N, …)`` / ``var countPage = N`` / ``createPage(N`` /
``共N页`` (or ``options.page_count_pattern``); the numbering of page 2 (``index_1`` on most
sites, ``index_2`` on some) from ``options.first_index`` when the YAML pins it, else from the
pager's links (the ``下一页`` link, the page's own URL, the smallest ``index_N`` linked), else
``index_1`` (what ``createPageHTML`` writes).

The page's own next link comes first (``下一页``, ``>``, the link numbered n+1); ``index_N`` is
built only when the page implies it: a TRS paging script (``createPageHTML``, ``countPage``,
``createPage``), links to ``index_N`` pages, or the site's pinned options. A page count read
from text alone (``共595条记录 1/30页``) never invents a URL; the last page asks for none.
Items: the site's ``list`` selectors when ``list.item`` is given, else the detected list.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from selectolax.lexbor import LexborHTMLParser

from crawler.adapters.base import Listing, ListResponse, PageRequest
from crawler.adapters.common import ListAdapter, check_answer, decode, parse_html
from crawler.adapters.pager import (
    IndexScheme,
    LinkTexts,
    derive_first_index,
    directory_of,
    is_script_count,
    may_name,
    next_link,
    numbered_next,
    page_count,
    page_links,
    suffix_of,
)
from crawler.adapters.reading import page_items
from crawler.siteconfig.fields import GroupRegex, Text
from crawler.siteconfig.options import AdapterOptions

DEFAULT_SUFFIX = ".html"


class TrsOptions(AdapterOptions):
    """TRS WCM: static pages index.html, index_N.html, page count from `createPageHTML(...)`."""

    first_index: int | None = Field(default=None, ge=1, le=2)  # N of page 2; None: from the pager
    index_name: Text = "index"
    suffix: Literal[".html", ".htm", ".shtml"] | None = (
        None  # None: from the column URL, else .html
    )
    page_count_pattern: GroupRegex | None = None  # e.g. 'createPage\((\d+)' (Chongqing)


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
        href = link.attributes.get("href") or ""
        found = may_name(href, name) and suffix_of("/" + href.split("?", 1)[0], name)
        if found:
            return found
    return None


def trs_paging(
    tree: LexborHTMLParser,
    text: str,
    response: ListResponse,
    column_url: str,
    options: TrsOptions,
    texts: LinkTexts | None = None,
) -> tuple[tuple[PageRequest, ...], int | None, tuple[str, ...]]:
    """The next page's request, the page count, and notes on how they were found (``texts``:
    the links' texts as far as the caller read them)."""
    page = response.request.page
    count, pattern = page_count(text, options.page_count_pattern, tree)
    counted = (f"{count} pages by {pattern}",) if count is not None else ()
    if count is not None and page >= count:
        return (), count, (*counted, "the last page")
    texts = LinkTexts() if texts is None else texts
    following = next_link(tree, response.url, response.url, texts) or numbered_next(
        tree, response.url, page, texts
    )
    if following is not None:
        return (PageRequest(url=following, page=page + 1),), count, (*counted, "next-page link")
    if count is None:
        return (), None, ("no page count and no next-page link",)
    if not index_implied(tree, response, pattern, options):
        return (), count, (*counted, "no link or paging script gives the URL of the next page")
    scheme, how = index_scheme(tree, response, column_url, options)
    return (PageRequest(url=scheme.url(page + 1), page=page + 1),), count, (*counted, how)


def index_implied(
    tree: LexborHTMLParser, response: ListResponse, pattern: str | None, options: TrsOptions
) -> bool:
    """Whether the page implies ``index_N`` pages: a TRS paging script, the site's pinned
    numbering or count pattern, or links to ``index_N`` pages of this folder."""
    if is_script_count(pattern) or options.first_index is not None:
        return True
    if options.page_count_pattern is not None:
        return True
    scheme = IndexScheme(directory_of(response.url), options.index_name)
    return bool(page_links(tree, response.url, scheme))


class TrsAdapter(ListAdapter):
    kind = "trs"
    summary = "TRS WCM (static index.html, index_N.html pages)"
    Options = TrsOptions

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
