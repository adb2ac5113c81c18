"""Hanweb JCMS (research §3.2): page 1 from the ``<datastore>`` XML inside the column page's
``<script type="text/xml">``, the next records by POST to ``dataproxy.jsp?startrecord=A&
endrecord=B&perpage=P`` with the jpage form (``col, appid, webid, path, columnid,
sourceContentType, unitid, webname, permissiontype``), whose answer is a datastore again.

Ids come from the page's scripts (``columnid``/``unitid``/``webid``/``totalRecord``/
``perPage``/``groupSize``, the ``<nextgroup>`` link); options the YAML sets override them. Each
POST asks for ``perPage × groupSize`` records (45 by default), as a browser does; the request
carries its form, so the answer is parsed without any state. A page without a datastore is read
like any HTML list.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import date

from pydantic import Field

from crawler.adapters.base import Listing, ListItem, ListResponse, PageRequest
from crawler.adapters.common import ListAdapter, ListPageError, check_answer, decode, parse_html
from crawler.adapters.datastore import (
    DEFAULT_GROUP_SIZE,
    FORM_ORDER,
    Datastore,
    form_pairs,
    largest_datastore,
    proxy_request,
    proxy_url_of,
    read_script,
    records_tree,
    referer_of,
    window_of,
)
from crawler.adapters.items import read_item, read_selected, read_selected_item, unique
from crawler.adapters.pager import next_link, with_query_param
from crawler.adapters.reading import page_items
from crawler.siteconfig.fields import UrlPath
from crawler.siteconfig.models import ListSelectors
from crawler.siteconfig.options import AdapterOptions

_HANWEB_COLUMN = re.compile(r"/col/col(\d+)(?:/|$)")


class HanwebOptions(AdapterOptions):
    """Hanweb JCMS: first page from the `<datastore>` block, next ones by POST to the data proxy.

    Ids left out are read from the column page (`columnid:…; unitid:'…'` in its scripts).
    """

    webid: int | None = Field(default=None, ge=1)
    unitid: int | None = Field(default=None, ge=1)
    columnid: int | None = Field(default=None, ge=1)
    perpage: int = Field(default=15, ge=1, le=100)
    proxy_path: UrlPath = "/module/web/jpage/dataproxy.jsp"

    def column_id(self, column_url: str) -> int | None:
        """`columnid`, else the number of a `/col/colNNN/` column URL."""
        if self.columnid is not None:
            return self.columnid
        match = _HANWEB_COLUMN.search(column_url)
        return int(match.group(1)) if match else None


def record_items(
    store: Datastore, selectors: ListSelectors, base: str, today: date
) -> tuple[tuple[ListItem, ...], str]:
    """The items of a datastore's records: each record is an item (``list.item`` picks items
    inside the records when it matches there), read with the site's selectors if any."""
    tree, records = records_tree(store.records)
    if selectors.item:
        items = read_selected(tree, selectors, base, today)
        if items:
            return items, f"datastore:css:{selectors.item}"
    if selectors.item or selectors.link or selectors.title or selectors.date:
        found = (read_selected_item(record, selectors, base, today) for record in records)
        return unique(item for item in found if item is not None), "datastore:css:record"
    readings = (read_item(record, base, today) for record in records)
    return unique(r.item for r in readings if r is not None), "datastore"


def proxy_answer(
    response: ListResponse, text: str, selectors: ListSelectors, base: str, today: date, kind: str
) -> Listing:
    """A dataproxy answer: its records, and the POST for the next window of records."""
    store = largest_datastore(text)
    if store is None:
        raise ListPageError("not_datastore", "the dataproxy answer holds no <datastore>")
    items, rule = record_items(store, selectors, base, today)
    request = response.request
    window = window_of(request.url)
    following: tuple[PageRequest, ...] = ()
    count = None
    if window is not None:
        start, end, _ = window
        size = end - start + 1
        if store.total is not None:
            count = request.page + max(0, math.ceil((store.total - end) / size))
        more = end < store.total if store.total is not None else len(store.records) >= size
        if more and store.records:
            url = with_query_param(request.url, "startrecord", str(end + 1))
            url = with_query_param(url, "endrecord", str(end + size))
            following = (replace(request, url=url, page=request.page + 1),)
    return Listing(items=items, rule=f"{kind}:{rule}", next_requests=following, page_count=count)


def first_page(
    response: ListResponse,
    text: str,
    store: Datastore,
    options: HanwebOptions,
    column_url: str,
    site_name: str,
) -> tuple[tuple[PageRequest, ...], int | None, tuple[str, ...]]:
    """The POST for the records after those embedded in page 1, and the page count."""
    script = read_script(text)
    numbers, group = script.numbers, script.nextgroup
    pinned = options.model_fields_set

    def pick(name: str, option: int | None) -> str | None:
        value = option if option is not None else numbers.get(name)
        return str(value) if value is not None else group.get(name)

    ids = {
        "columnid": pick("columnid", options.columnid) or _str(options.column_id(column_url)),
        "unitid": pick("unitid", options.unitid),
        "webid": pick("webid", options.webid),
    }
    missing = [name for name, value in ids.items() if not value]
    if missing:
        return (), 1, (f"no {', '.join(missing)} on the page: set them in options",)
    perpage = options.perpage if "perpage" in pinned else numbers.get("perpage", options.perpage)
    size = perpage * numbers.get("groupsize", DEFAULT_GROUP_SIZE)
    embedded = len(store.records)
    total = numbers.get("totalrecord", store.total)
    count = 1 + max(0, math.ceil((total - embedded) / size)) if total is not None else None
    complete = embedded >= total if total is not None else embedded < size
    if complete or embedded == 0:
        return (), count, ()  # everything is on the page (no total: less than a window was)
    values = {name: str(numbers[name.lower()]) for name in FORM_ORDER if name.lower() in numbers}
    values.update({key: value for key, value in ids.items() if value})
    values["webname"] = script.texts.get("webname") or group.get("webname") or site_name
    values["path"] = script.texts.get("path") or "/"
    path = options.proxy_path if "proxy_path" in pinned else script.texts.get("proxyurl")
    url = proxy_url_of(response.url, path or options.proxy_path)
    request = proxy_request(
        url, form_pairs(values), embedded + 1, embedded + size, perpage, 2, column_url
    )
    return (request,), count, (f"{embedded} records embedded, {size} per request",)


def _str(value: int | None) -> str | None:
    return None if value is None else str(value)


class HanwebAdapter(ListAdapter):
    kind = "hanweb"
    summary = "Hanweb JCMS (list in a <datastore> script, more by the dataproxy)"
    Options = HanwebOptions

    def parse(self, response: ListResponse) -> Listing:
        check_answer(response)
        text = decode(response, self.column.site.encoding)
        selectors = self.column.list_selectors
        base = referer_of(response.request) or self.column.url
        if window_of(response.request.url) is not None:
            return proxy_answer(response, text, selectors, base, self.today, self.kind)
        options = self.options_of(HanwebOptions)
        column, today = self.column, self.today
        return hanweb_page(
            response, text, column.url, column.site.name, options, selectors, today, self.kind
        )


def hanweb_page(
    response: ListResponse,
    text: str,
    column_url: str,
    site_name: str,
    options: HanwebOptions,
    selectors: ListSelectors,
    today: date,
    kind: str,
) -> Listing:
    """A column page: its datastore and the POST for more; without one, an HTML list."""
    store = largest_datastore(text)
    if store is None:
        tree = parse_html(text)
        items, rule = page_items(tree, selectors, response.url, today, kind)
        url = next_link(tree, response.url, response.url)
        linked = (PageRequest(url=url, page=response.request.page + 1),) if url else ()
        return Listing(items=items, rule=rule, next_requests=linked)
    items, rule = record_items(store, selectors, response.url, today)
    following, count, notes = first_page(response, text, store, options, column_url, site_name)
    return Listing(
        items=items,
        rule=f"{kind}:{rule}",
        next_requests=following,
        page_count=count,
        notes=notes,
    )
