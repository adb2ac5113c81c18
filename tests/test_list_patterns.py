"""List patterns of real government sites (tests/list_patterns.py) fetched over real HTTP:
every item a reader counts and nothing else (navigation rows, sidebars, `<select>` menus and
footer link lists are never items), and the next page the page itself implies, or none."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest

from crawler.adapters.base import PageRequest
from tests.list_patterns import ListPage, all_patterns, json_record
from tests.pattern_site import PatternSite
from tests.test_adapters_support import adapter_of, answer, column_of, fetch

TODAY = date(2024, 6, 1)
NAMES = [page.name for page in all_patterns()]


@pytest.fixture(scope="module")
def served() -> Iterator[dict[str, ListPage]]:
    with PatternSite() as site:
        pages = {}
        for found in all_patterns(site.base_url):
            target = found.url[len(site.base_url) :]
            kind = "application/json" if found.name.startswith("json") else "text/html"
            site.add(target, found.body, kind)
            pages[found.name] = found
        yield pages


def _kinds(name: str) -> list[str]:
    return ["auto", "json_search"] if name.startswith("json") else ["auto", "trs"]


@pytest.mark.parametrize("name", NAMES)
def test_items_and_next_page_as_a_reader_sees_them(served: dict[str, ListPage], name: str) -> None:
    found = served[name]
    for kind in _kinds(name):
        adapter = adapter_of(column_of(found.url, kind), TODAY)
        request = PageRequest(found.url, found.page)
        listing = adapter.parse(fetch(request))
        assert tuple(item.title for item in listing.items) == found.titles, kind
        assert [item.date for item in listing.items][: len(found.dates)] == list(found.dates)
        assert [r.url for r in listing.next_requests] == ([found.next_url] * bool(found.next_url))


def test_numbered_pager_gives_the_link_after_the_current_page() -> None:
    pager = "".join(f'<a href="list-{n}.html">{n}</a> ' for n in range(1, 6))
    html = "<html><body><ul>" + "".join(
        f'<li><a href="/a/{n}.html">关于第{n}批项目评审结果的公示</a><span>2024-05-0{n}</span></li>'
        for n in range(1, 6)
    ) + f"</ul><div>{pager}</div></body></html>"  # fmt: skip
    url = "http://127.0.0.1:8/xxgk/list-3.html"
    for kind in ("auto", "trs"):
        listing = adapter_of(column_of(url, kind), TODAY).parse(answer(html, url, page=3))
        assert [r.url for r in listing.next_requests] == ["http://127.0.0.1:8/xxgk/list-4.html"]


@pytest.mark.parametrize("naming", ["disclosure", "trs", "camel", "plain"])
def test_json_keys_of_any_case_with_a_total_but_no_page_parameter(naming: str) -> None:
    records = [json_record(naming, n) for n in range(3)]
    body = json.dumps({"total": 300, "rows": records}, ensure_ascii=False)
    url = "http://127.0.0.1:8/api/list?channel=gfxwj"
    listing = adapter_of(column_of(url, "auto"), TODAY).parse(answer(body, url))
    assert listing.items[0].url.endswith("/xxgk/tzgg/202405/t20240528_1000.html")
    assert [item.date for item in listing.items] == ["2024-05-28", "2024-05-27", "2024-05-26"]
    assert listing.next_requests == ()  # one answer is the whole column: no page is invented


def test_json_search_without_keys_pages_only_a_paged_url() -> None:
    records = [json_record("disclosure", n) for n in range(15)]
    body = json.dumps({"data": records}, ensure_ascii=False)
    plain = "http://127.0.0.1:8/api/list?channel=gfxwj"
    adapter = adapter_of(column_of(plain, "json_search"), TODAY)
    assert adapter.first_requests() == [PageRequest(plain)]
    assert adapter.parse(answer(body, plain)).next_requests == ()
    paged = plain + "&page=1"
    listing = adapter_of(column_of(paged, "json_search"), TODAY).parse(answer(body, paged))
    assert listing.next_requests == (PageRequest(paged.replace("page=1", "page=2"), 2),)
    assert listing.rule == "json_search:json:data"
