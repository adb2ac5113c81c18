"""Every column of the 32 shipped site files, read by its own adapter, selectors and options
from a list page of its CMS family built from its YAML (tests/shipped_pages.py): all items
with full titles, absolute URLs and dates, and a next page where the family pager says so."""

from __future__ import annotations

from datetime import date

import pytest

from crawler.adapters import ListResponse, PageRequest
from crawler.sites import EffectiveColumn, load_sites
from tests.paths import ROOT
from tests.shipped_pages import shipped_page
from tests.test_adapters_support import adapter_of

SITES = load_sites(ROOT / "config").sites
COLUMNS = [(site.id, column) for site in SITES for column in site.effective_columns()]


@pytest.mark.parametrize(
    ("site_id", "column"), COLUMNS, ids=[f"{sid}-{c.name}" for sid, c in COLUMNS]
)
def test_column_reads_a_page_of_its_family(site_id: str, column: EffectiveColumn) -> None:
    encoding = "gb18030" if len(column.name) % 2 else "utf-8"  # both, spread over the columns
    page = shipped_page(column, encoding)
    adapter = adapter_of(column, date(2024, 6, 1))
    listing = adapter.parse(ListResponse(PageRequest(column.url), column.url, 200, page.body, None))
    assert [item.url for item in listing.items] == list(page.urls), listing.rule
    assert [item.title for item in listing.items] == [
        title.replace("：", ":").replace("（", "(").replace("）", ")") for title in page.titles
    ]
    assert [item.date for item in listing.items] == list(page.dates)
    if column.adapter == "trs":
        assert len(listing.next_requests) == 1 and listing.page_count == 5
