"""The JSON search API family (集约化 platform ``/common/search/<channel>``, Fujian ``fjdzapp``):
records at ``options.results_path`` read with ``title_key``/``url_key``/``date_key`` (each one
left out is found in the answer, as ``auto`` does), the total from the JSON, the next page by
``page=N`` in the query. A column URL without the page parameter (and no ``page_param`` in the
options) is one answer: with no total there is no page 2. A JSON error answer (no records
list, ``{"ok": false, "msg": …}``) or a non-JSON answer is a ListError.

When the column's ``list.item`` is given and the answer is HTML (``_isJson=false`` templates),
the HTML is read with the selectors instead.
"""

from __future__ import annotations

from pydantic import Field

from crawler.adapters.base import Listing, ListResponse, PageRequest
from crawler.adapters.common import (
    ListAdapter,
    ListPageError,
    check_answer,
    decode,
    looks_like_json,
    parse_html,
)
from crawler.adapters.items import read_selected
from crawler.adapters.jsonlist import (
    JsonPaging,
    RecordShape,
    empty_list_path,
    error_message,
    find_records,
    load_json,
    parse_json_list,
    records_at,
)
from crawler.adapters.pager import query_value, with_query_param
from crawler.siteconfig.fields import Text
from crawler.siteconfig.options import AdapterOptions


class JsonSearchOptions(AdapterOptions):
    """A JSON list API (`/common/search/<channel>?_isJson=true&page=N`, Fujian's `fjdzapp`)."""

    page_param: Text = "page"
    first_page: int = Field(default=1, ge=0)
    page_size_param: Text = "_pageSize"
    page_size: int = Field(default=15, ge=1, le=100)
    # Left out: found in the answer (the largest list of records with a title and a URL; keys
    # recognised in any case: title/FILENAME/DOCTITLE, url/URL/DOCPUBURL, PUBDATE/DOCRELTIME).
    results_path: Text | None = None  # dotted path to the list of records, e.g. data.results
    title_key: Text | None = None
    url_key: Text | None = None
    date_key: Text | None = None


def paging_of(options: JsonSearchOptions) -> JsonPaging:
    return JsonPaging(
        options.page_param, options.first_page, options.page_size_param, options.page_size
    )


class JsonSearchAdapter(ListAdapter):
    kind = "json_search"
    summary = "a JSON list API"
    Options = JsonSearchOptions

    @property
    def options(self) -> JsonSearchOptions:
        return self.options_of(JsonSearchOptions)

    @property
    def paged(self) -> bool:
        """Whether the column pages by a URL parameter (its URL or its options name one)."""
        options = self.options
        named = "page_param" in options.model_fields_set
        return named or query_value(self.column.url, options.page_param) is not None

    def first_requests(self) -> list[PageRequest]:
        """The column URL with ``page`` set to the first page (and the page size, if pinned);
        the URL as it is when the column does not page by a parameter."""
        options = self.options
        if not self.paged:
            return [PageRequest(url=self.column.url, page=1)]
        url = paging_of(options).url_of(self.column.url, 1)
        if "page_size" in options.model_fields_set:
            url = with_query_param(url, options.page_size_param, str(options.page_size))
        return [PageRequest(url=url, page=1)]

    def parse(self, response: ListResponse) -> Listing:
        check_answer(response)
        text = decode(response, self.column.site.encoding)
        selectors = self.column.list_selectors
        if selectors.item and not looks_like_json(text):
            tree = parse_html(text)
            items = read_selected(tree, selectors, response.url, self.today)
            return Listing(items=items, rule=f"json_search:css:{selectors.item}")
        data = load_json(text)
        shape = self.shape_of(data)
        return parse_json_list(
            data, response, shape, paging_of(self.options), self.today, self.kind, self.paged
        )

    def shape_of(self, data: object) -> RecordShape:
        """The options' path and keys; those left out as found in the answer."""
        options = self.options
        found = find_records(
            records_at(data, options.results_path) if options.results_path else data
        )
        path = options.results_path or (found.path if found else empty_list_path(data))
        if path is None or (found is None and None in (options.title_key, options.url_key)):
            if path is not None:  # an empty list of results: zero items, not an error
                return RecordShape(path, "title", "url", "publishedTimeStr")
            raise ListPageError(
                "json_error", f"no list of records in the JSON answer ({error_message(data)})"
            )
        return RecordShape(
            path,
            options.title_key or (found.title_key if found else ""),
            options.url_key or (found.url_key if found else ""),
            options.date_key or (found.date_key if found else "publishedTimeStr"),
        )
