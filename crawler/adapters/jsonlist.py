"""JSON list APIs (research §3.3: ``/common/search/<channel>?_isJson=true&page=N``, Fujian's
``fjdzapp/search``, disclosure platforms' ``{"data": [{"URL", "FILENAME", "PUBDATE"}]}``): the
records at a dotted path, their title/URL/date keys, the page count, and ``page=N`` paging.

``find_records`` finds the records of an API nobody described (``auto``, and ``json_search``
without keys). Keys are recognised whatever their case or separators: ``title``, ``FILENAME``,
``DOCTITLE``; ``url``, ``URL``, ``DOCPUBURL``; ``pubdate``, ``PUBDATE``, ``DOCRELTIME`` ...
An answer with no total whose URL carries no page parameter is the whole column: no page 2."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from crawler.adapters.base import Listing, ListItem, ListResponse, PageRequest
from crawler.adapters.common import ListPageError
from crawler.adapters.dates import list_date
from crawler.adapters.items import absolute, make_item, unique
from crawler.adapters.pager import query_value, with_query_param
from crawler.normalize.datetext import SHANGHAI
from crawler.normalize.text import clean_text

# Key names in folded form (lower case, no `_`/`-`), most telling first.
TITLE_KEYS = (
    "title", "doctitle", "articletitle", "filename", "maintitle", "name", "subject", "biaoti",
    "wjmc", "filetitle", "infotitle",
)  # fmt: skip
URL_KEYS = (
    "url", "docpuburl", "chnldocurl", "docurl", "puburl", "linkurl", "pageurl", "link", "href",
    "articleurl", "fileurl", "infourl", "detailurl",
)  # fmt: skip
DATE_KEYS = (
    "publishedtimestr", "pubdate", "docreltime", "publishdate", "publishtime", "publishedtime",
    "docpubtime", "releasetime", "releasedate", "pubtime", "fbrq", "fwrq", "createtime",
    "createdate", "date", "time",
)  # fmt: skip
PAGE_COUNT_KEYS = ("totalpage", "totalpages", "pagecount", "pages", "pagetotal")
RECORD_COUNT_KEYS = (
    "total", "totalcount", "totalrecord", "totalrecords", "recordcount", "totalnum",
    "totalelements", "count",
)  # fmt: skip
ERROR_MESSAGE_KEYS = ("msg", "message", "error", "errmsg")
MAX_DEPTH = 4
EPOCH_MILLISECONDS = 10**11  # a larger epoch number counts milliseconds


def fold_key(key: str) -> str:
    """A JSON key in the form the key lists use: ``DOC_PUB_URL`` -> ``docpuburl``."""
    return key.lower().replace("_", "").replace("-", "")


def value_of(record: dict[str, Any], key: str) -> Any:
    """``record[key]``, else the value of a key spelled the same in another case."""
    if key in record:
        return record[key]
    folded = fold_key(key)
    for name, value in record.items():
        if fold_key(name) == folded:
            return value
    return None


@dataclass(frozen=True, slots=True)
class RecordShape:
    """Where the records are and which keys hold their title, URL and date."""

    path: str
    title_key: str
    url_key: str
    date_key: str


def load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        raise ListPageError("bad_json", f"the answer is not JSON ({error})") from None


def at_path(data: Any, path: str) -> Any:
    """The value at a dotted path (``data.results``; list indexes as numbers); None if absent."""
    value = data
    for part in path.split(".") if path else []:
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def error_message(data: Any) -> str:
    if isinstance(data, dict):
        for key in ERROR_MESSAGE_KEYS:
            if isinstance(data.get(key), str) and data[key]:
                return str(data[key])
    return "no message"


def records_at(data: Any, path: str) -> list[Any]:
    """The list at ``path``; an answer without it is an error answer, not an empty list."""
    records = at_path(data, path)
    if not isinstance(records, list):
        raise ListPageError(
            "json_error", f"no list at {path!r} in the JSON answer ({error_message(data)})"
        )
    return records


def json_date(value: Any, today: date) -> str | None:
    """A record's date: a date text, or an epoch in seconds or milliseconds."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > EPOCH_MILLISECONDS else value
        try:
            day = datetime.fromtimestamp(seconds, SHANGHAI).date()
        except (OverflowError, OSError, ValueError):
            return None
        return day.isoformat() if day <= today else None
    return list_date(str(value), today)


def read_records(
    records: list[Any], shape: RecordShape, base: str, today: date
) -> tuple[ListItem, ...]:
    items = []
    for record in records:
        if not isinstance(record, dict):
            continue
        title = clean_text(str(value_of(record, shape.title_key) or ""))
        link = value_of(record, shape.url_key)
        url = absolute(base, str(link)) if isinstance(link, str) and link else None
        if title and url:
            day = json_date(value_of(record, shape.date_key), today)
            items.append(make_item(title, url, day))
    return unique(items)


def _number(container: Any, keys: tuple[str, ...]) -> int | None:
    if not isinstance(container, dict):
        return None
    folded = {fold_key(name): value for name, value in container.items()}
    for key in keys:
        value = folded.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        if isinstance(value, str) and value.isdigit():
            return int(value)
    return None


def page_total(data: Any, path: str, page_size: int) -> int | None:
    """The page count the answer states (beside its records or at its root)."""
    parent = at_path(data, path.rsplit(".", 1)[0]) if "." in path else data
    for container in (parent, data):
        pages = _number(container, PAGE_COUNT_KEYS)
        if pages is not None:
            return pages
        total = _number(container, RECORD_COUNT_KEYS)
        if total is not None:
            return max(1, math.ceil(total / page_size))
    return None


@dataclass(frozen=True, slots=True)
class JsonPaging:
    page_param: str
    first_page: int  # the value of page_param on page 1
    page_size_param: str
    page_size: int  # when the URL does not say

    def size_of(self, url: str) -> int:
        value = query_value(url, self.page_size_param)
        return int(value) if value and value.isdigit() and int(value) > 0 else self.page_size

    def url_of(self, url: str, page: int) -> str:
        return with_query_param(url, self.page_param, str(self.first_page + page - 1))

    def next_request(
        self, request: PageRequest, records: int, count: int | None, paged: bool = True
    ) -> PageRequest | None:
        """Page n+1 while the count says there is one (or, with no count, the page was full and
        the URL is ``paged``: it carries the page parameter)."""
        page = request.page
        if records == 0 or (count is not None and page >= count):
            return None
        if count is None and (not paged or records < self.size_of(request.url)):
            return None
        return PageRequest(url=self.url_of(request.url, page + 1), page=page + 1)


def _first_key(record: dict[str, Any], keys: tuple[str, ...], kinds: tuple[type, ...]) -> str:
    """The record's own spelling of the first of ``keys`` (folded) holding a value of ``kinds``."""
    spelled = {fold_key(name): name for name, value in record.items() if isinstance(value, kinds)}
    return next((spelled[key] for key in keys if key in spelled), "")


def _shape_of(records: list[Any], path: str) -> tuple[int, RecordShape] | None:
    dicts = [record for record in records if isinstance(record, dict)]
    if not dicts:
        return None
    title = _first_key(dicts[0], TITLE_KEYS, (str,))
    url = _first_key(dicts[0], URL_KEYS, (str,))
    if not title or not url:
        return None
    day = _first_key(dicts[0], DATE_KEYS, (str, int, float))
    return len(dicts), RecordShape(path, title, url, day or "publishedTimeStr")


def _candidates(data: Any, path: str, depth: int) -> list[tuple[int, RecordShape]]:
    if isinstance(data, list):
        found = _shape_of(data, path)
        return [found] if found else []
    if not isinstance(data, dict) or depth >= MAX_DEPTH:
        return []
    shapes = []
    for key, value in data.items():
        if isinstance(value, dict | list):
            shapes += _candidates(value, f"{path}.{key}" if path else str(key), depth + 1)
    return shapes


def empty_list_path(data: Any, path: str = "", depth: int = 0) -> str | None:
    """The dotted path of the first empty list in the answer (a column with no records yet)."""
    if isinstance(data, list):
        return path if not data else None
    if not isinstance(data, dict) or depth >= MAX_DEPTH:
        return None
    for key, value in data.items():
        found = empty_list_path(value, f"{path}.{key}" if path else str(key), depth + 1)
        if found is not None:
            return found
    return None


def find_records(data: Any) -> RecordShape | None:
    """The largest list of records with a title and a URL anywhere in the answer."""
    shapes = _candidates(data, "", 0)
    return max(shapes, key=lambda found: found[0])[1] if shapes else None


def parse_json_list(
    data: Any,
    response: ListResponse,
    shape: RecordShape,
    paging: JsonPaging,
    today: date,
    kind: str,
    paged: bool = True,
) -> Listing:
    """The listing of a JSON answer: its records as items, the page count, the next page
    (with no total, only when ``paged``: the column pages by a URL parameter)."""
    records = records_at(data, shape.path)
    items = read_records(records, shape, response.url, today)
    count = page_total(data, shape.path, paging.size_of(response.request.url))
    following = paging.next_request(response.request, len(records), count, paged)
    notes: tuple[str, ...] = ()
    if count is None:
        notes = ("the answer states no total",) if paged else ("one answer holds the column",)
    return Listing(
        items=items,
        rule=f"{kind}:json:{shape.path or '$'}",
        next_requests=(following,) if following else (),
        page_count=count,
        notes=notes,
    )
