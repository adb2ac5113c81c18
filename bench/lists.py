"""Benchmark: list items found against the items a reader counts, and the next page found
against the one the page implies, on the list patterns of tests/list_patterns.py and the list
pages of tests/corpus.

    .venv/bin/python bench/lists.py

Each pattern page is parsed (no HTTP) by ``auto`` and by its family adapter (``trs`` for HTML,
``json_search`` for JSON). ``right`` counts the reader's items found with the right title,
``extra`` items the reader does not count (navigation rows, menus, footers), ``next`` whether
the next page is the one the page implies (or none). Corpus list pages show several lists: a
reader's count is given where the page has one main list, else ``-``. Prints figures only.
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.adapters import adapter_for  # noqa: E402
from crawler.adapters.base import ListResponse, PageRequest  # noqa: E402
from crawler.adapters.common import ListAdapter  # noqa: E402
from crawler.sites import SiteConfig  # noqa: E402
from tests.list_patterns import all_patterns  # noqa: E402

TODAY = date(2024, 6, 1)
CORPUS = ROOT / "tests" / "corpus"
# Corpus list pages: URL, and the items a reader counts (None: a home page of several lists).
CORPUS_LISTS = {
    "list_news_163_rolling_gb2312.html": ("https://news.163.com/latest/", 40),
    "list_news_qq_important.html": ("https://news.qq.com/", None),
    "list_gov_govcn_home_20230927.html": ("https://www.gov.cn/", None),
}


def adapter(url: str, kind: str, today: date = TODAY) -> ListAdapter:
    """The ``kind`` adapter of a one-column site listing ``url``, reading dates as of ``today``."""
    raw = {
        "id": "bench",
        "name": "基准站",
        "authority": "基准",
        "adapter": kind,
        "columns": [{"name": "栏目", "url": url, "category": "notice"}],
    }
    column = SiteConfig.model_validate(raw).effective_columns()[0]
    found = adapter_for(column)
    assert isinstance(found, ListAdapter)
    return type(found)(column, today=today)


def run(url: str, kind: str, body: bytes, page: int = 1) -> tuple[list[str], str | None, str]:
    try:
        listing = adapter(url, kind).parse(
            ListResponse(PageRequest(url, page), url, 200, body, None)
        )
    except Exception as error:  # a figure, not a test: an adapter error is zero items
        return [], None, f"error: {error}"[:40]
    following = listing.next_requests[0].url if listing.next_requests else None
    return [item.title for item in listing.items], following, listing.rule


def main() -> None:
    header = f"{'page':<30}{'adapter':<13}{'reader':>7}{'right':>7}{'extra':>7}  next"
    print(header)
    print("-" * len(header))
    totals = {"reader": 0, "right": 0, "extra": 0, "next": 0, "pages": 0}
    for found in all_patterns():
        family = "json_search" if found.name.startswith("json") else "trs"
        for kind in ("auto", family):
            titles, following, _ = run(found.url, kind, found.body, found.page)
            wanted = list(found.titles)
            right = sum((Counter(titles) & Counter(wanted)).values())
            extra = len(titles) - right
            next_ok = following == found.next_url
            totals["reader"] += len(wanted)
            totals["right"] += right
            totals["extra"] += extra
            totals["next"] += next_ok
            totals["pages"] += 1
            shown = "ok" if next_ok else f"WRONG ({following})"
            print(f"{found.name:<30}{kind:<13}{len(wanted):>7}{right:>7}{extra:>7}  {shown}")
    print("-" * len(header))
    print(
        f"{'all patterns':<43}{totals['reader']:>7}{totals['right']:>7}{totals['extra']:>7}"
        f"  {totals['next']}/{totals['pages']} right"
    )
    print()
    print(f"{'corpus list page':<40}{'reader':>7}{'found':>7}  rule")
    for name, (url, reader) in CORPUS_LISTS.items():
        titles, _, rule = run(url, "auto", (CORPUS / name).read_bytes())
        print(f"{name:<40}{reader if reader is not None else '-':>7}{len(titles):>7}  {rule}")


if __name__ == "__main__":
    main()
