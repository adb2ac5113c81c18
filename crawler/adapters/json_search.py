"""The JSON search API family (集约化 platform ``/common/search/<channel>``, Fujian ``fjdzapp``):
records at ``options.results_path`` read with ``title_key``/``url_key``/``date_key``, the total
from the JSON, the next page by ``page=N`` in the query. A JSON error answer (no records list,
``{"ok": false, "msg": …}``) or a non-JSON answer is a ListError.

When the column's ``list.item`` is given and the answer is HTML (``_isJson=false`` templates),
the HTML is read with the selectors instead.
"""

from __future__ import annotations

from crawler.adapters.base import Listing, ListResponse, PageRequest
from crawler.adapters.common import ListAdapter, check_answer, decode, looks_like_json, parse_html
from crawler.adapters.items import read_selected
from crawler.adapters.jsonlist import JsonPaging, RecordShape, load_json, parse_json_list
from crawler.adapters.pager import with_query_param
from crawler.siteconfig.options import JsonSearchOptions


def paging_of(options: JsonSearchOptions) -> JsonPaging:
    return JsonPaging(
        options.page_param, options.first_page, options.page_size_param, options.page_size
    )


class JsonSearchAdapter(ListAdapter):
    kind = "json_search"

    @property
    def options(self) -> JsonSearchOptions:
        return self.options_of(JsonSearchOptions)

    def first_requests(self) -> list[PageRequest]:
        """The column URL with ``page`` set to the first page (and the page size, if pinned)."""
        options = self.options
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
        options = self.options
        shape = RecordShape(
            options.results_path, options.title_key, options.url_key, options.date_key
        )
        data = load_json(text)
        return parse_json_list(data, response, shape, paging_of(options), self.today, self.kind)
