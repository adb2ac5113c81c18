"""Sites of no known family, read with the YAML's ``list`` selectors (``list.item`` required).

Next page: the ``list.next`` link; else ``options.page_url`` (``{page}`` = page number +
``page_offset``, resolved against the column URL) while the page had items and the page count
the page states (``共N页``, ``createPageHTML``) is not reached; else a ``下一页`` link.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from crawler.adapters.base import Listing, ListResponse, PageRequest
from crawler.adapters.common import ListAdapter, ListPageError, check_answer, decode, parse_html
from crawler.adapters.items import read_selected
from crawler.adapters.pager import from_template, next_link, page_count, selected_next
from crawler.siteconfig.options import PagedOptions


class CssOptions(PagedOptions):
    """Selectors from the YAML (`list.item` required); paging by `page_url` or `list.next`."""


def templated_next(
    tree: LexborHTMLParser,
    text: str,
    response: ListResponse,
    column_url: str,
    options: PagedOptions,
    had_items: bool,
) -> tuple[PageRequest | None, int | None]:
    """Page n+1 from ``options.page_url`` unless the page was empty or the last one."""
    count, _ = page_count(text, tree=tree)
    page = response.request.page
    if not options.page_url or not had_items or (count is not None and page >= count):
        return None, count
    url = from_template(options.page_url, page + 1 + options.page_offset, column_url)
    return (PageRequest(url=url, page=page + 1) if url else None), count


def linked_next(
    tree: LexborHTMLParser, response: ListResponse, next_selector: str | None
) -> PageRequest | None:
    """Page n+1 from the site's ``list.next`` selector, else from a ``下一页`` link."""
    if next_selector:
        url = selected_next(tree, next_selector, response.url, response.url)
    else:
        url = next_link(tree, response.url, response.url)
    return PageRequest(url=url, page=response.request.page + 1) if url else None


class CssAdapter(ListAdapter):
    kind = "css"
    summary = "no known family: the site's own `list:` selectors"
    Options = CssOptions

    def parse(self, response: ListResponse) -> Listing:
        selectors = self.column.list_selectors
        if not selectors.item:
            raise ListPageError("no_selectors", "adapter css needs list.item in the site YAML")
        check_answer(response)
        text = decode(response, self.column.site.encoding)
        tree = parse_html(text)
        items = read_selected(tree, selectors, response.url, self.today)
        options = self.options_of(PagedOptions)
        following: PageRequest | None = None
        count: int | None = None
        if selectors.next or not options.page_url:
            following = linked_next(tree, response, selectors.next)
        else:
            following, count = templated_next(
                tree, text, response, self.column.url, options, bool(items)
            )
        return Listing(
            items=items,
            rule=f"{self.kind}:css:{selectors.item}",
            next_requests=(following,) if following else (),
            page_count=count,
        )
