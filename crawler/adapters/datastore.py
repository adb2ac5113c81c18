"""Hanweb JCMS lists (research §3.2): the ``<datastore>`` XML whose ``<record><![CDATA[<li>…]]>``
records hold the items (inside the column page's ``<script type="text/xml">``, or the whole
answer of ``dataproxy.jsp``), the ids of the page script, and the POST that fetches more records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from crawler.adapters.base import PageRequest

DATASTORE = re.compile(r"<datastore\b[^>]*>(.*?)</datastore>", re.S | re.I)
RECORD = re.compile(r"<record\b[^>]*>\s*(?:<!\[CDATA\[(.*?)\]\]>|(.*?))\s*</record>", re.S | re.I)
TOTAL_RECORD = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>", re.S | re.I)
TABLE_ROW = re.compile(r"^\s*<(?:tr|td)\b", re.I)
# `key: value` / `key=value` pairs of the page script (jpage options, ajaxParam, globals).
SCRIPT_NUMBER = re.compile(
    r"""\b(columnid|unitid|webid|totalRecord|perPage|groupSize|sourceContentType|permissiontype"""
    r"""|appid|col)\s*[:=]\s*['"]?(\d+)""",
    re.I,
)
SCRIPT_TEXT = re.compile(r"""\b(webname|proxyUrl|path)\s*:\s*['"]([^'"]*)['"]""", re.I)
SCRIPT_BLOCK = re.compile(r"<script\b[^>]*>(.*?)</script>", re.S | re.I)
FORM_ORDER = (
    "col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid", "webname",
    "permissiontype",
)  # fmt: skip
FORM_DEFAULTS = {
    "col": "1",
    "appid": "1",
    "path": "/",
    "sourceContentType": "1",
    "permissiontype": "0",
}
RECORD_CLASS = "hanweb-record"
DEFAULT_GROUP_SIZE = 3  # jpage fetches perPage x groupSize records per proxy call


@dataclass(frozen=True, slots=True)
class Datastore:
    records: tuple[str, ...]
    total: int | None


def find_datastores(text: str) -> list[Datastore]:
    """Every ``<datastore>`` in a page or answer, with its records' HTML."""
    found = []
    for block in DATASTORE.finditer(text):
        inner = block.group(1)
        records = tuple(
            (match.group(1) if match.group(1) is not None else match.group(2) or "").strip()
            for match in RECORD.finditer(inner)
        )
        total = TOTAL_RECORD.search(inner)
        found.append(Datastore(records, int(total.group(1)) if total else None))
    return found


def largest_datastore(text: str) -> Datastore | None:
    stores = find_datastores(text)
    return max(stores, key=lambda store: len(store.records)) if stores else None


def records_tree(records: tuple[str, ...]) -> tuple[LexborHTMLParser, list[LexborNode]]:
    """One parsed document holding every record in its own wrapper (table rows in a table)."""
    parts = []
    for html in records:
        if TABLE_ROW.match(html):
            html = f"<table><tbody>{html}</tbody></table>"
        parts.append(f'<div class="{RECORD_CLASS}">{html}</div>')
    tree = LexborHTMLParser("<html><body>" + "".join(parts) + "</body></html>")
    return tree, tree.css(f"div.{RECORD_CLASS}")


@dataclass(frozen=True, slots=True)
class PageScript:
    """What the column page's scripts say about its list."""

    numbers: dict[str, int]
    texts: dict[str, str]
    nextgroup: dict[str, str]


def read_script(text: str) -> PageScript:
    """The ids, counts and names the page's scripts give (the first of each), and the query of
    the datastore's ``<nextgroup>`` link."""
    scripts = " ".join(
        block for block in SCRIPT_BLOCK.findall(text) if "<datastore" not in block[:200]
    )
    numbers: dict[str, int] = {}
    for name, value in SCRIPT_NUMBER.findall(scripts):
        numbers.setdefault(name.lower(), int(value))
    texts: dict[str, str] = {}
    for name, value in SCRIPT_TEXT.findall(scripts):
        texts.setdefault(name.lower(), value)
    nextgroup: dict[str, str] = {}
    group = NEXTGROUP.search(text)
    href = re.search(r"""href=['"]([^'"]+)""", group.group(1)) if group else None
    if href:
        nextgroup = dict(parse_qsl(urlsplit(href.group(1).replace("&amp;", "&")).query))
    return PageScript(numbers, texts, nextgroup)


def proxy_request(
    proxy_url: str, form: list[tuple[str, str]], start: int, end: int, perpage: int,
    page: int, referer: str,
) -> PageRequest:  # fmt: skip
    """The POST for records ``start``..``end`` as a browser's jpage sends it."""
    query = urlencode({"startrecord": start, "endrecord": end, "perpage": perpage})
    return PageRequest(
        url=f"{proxy_url}?{query}",
        page=page,
        method="POST",
        body=urlencode(form, safe="/").encode("ascii"),
        headers=(
            ("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8"),
            ("Referer", referer),
            ("X-Requested-With", "XMLHttpRequest"),
        ),
    )


def window_of(url: str) -> tuple[int, int, int] | None:
    """``startrecord``, ``endrecord``, ``perpage`` of a dataproxy URL."""
    query = dict(parse_qsl(urlsplit(url).query))
    try:
        return int(query["startrecord"]), int(query["endrecord"]), int(query.get("perpage", 15))
    except (KeyError, ValueError):
        return None


def referer_of(request: PageRequest) -> str | None:
    return next((value for name, value in request.headers if name.lower() == "referer"), None)


def form_pairs(values: dict[str, str]) -> list[tuple[str, str]]:
    """The dataproxy form in the browser's order, defaults filled in."""
    merged = {**FORM_DEFAULTS, **values}
    return [(name, merged[name]) for name in FORM_ORDER if name in merged]


def proxy_url_of(page_url: str, path: str) -> str:
    return urljoin(page_url, path)
