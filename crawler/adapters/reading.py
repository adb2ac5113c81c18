"""The items of an HTML list page: the site's ``list`` selectors when it gives ``list.item``,
else the detection of ``detect.py``; and the rule that found them, for ``Listing.rule``.

Rules read ``<kind>:css:<list.item>`` (the site's selectors) or ``<kind>:<detected selector>``
(e.g. ``auto:div.news-list>dl>dd``), ``<kind>:none`` when nothing was found.
"""

from __future__ import annotations

from datetime import date

from selectolax.lexbor import LexborHTMLParser, LexborNode

from crawler.adapters.base import ListItem
from crawler.adapters.detect import detect_list
from crawler.adapters.items import read_selected
from crawler.siteconfig.models import ListSelectors

Found = tuple[tuple[ListItem, ...], str]


def page_items(
    scope: LexborHTMLParser | LexborNode,
    selectors: ListSelectors,
    base: str,
    today: date,
    kind: str,
    *,
    detect_when_empty: bool = False,
) -> Found:
    """Items by the selectors when ``list.item`` is set (and, with ``detect_when_empty``,
    by detection when they match nothing); by detection otherwise."""
    if selectors.item:
        items = read_selected(scope, selectors, base, today)
        if items or not detect_when_empty:
            return items, f"{kind}:css:{selectors.item}"
    found = detect_list(scope, base, today)
    if found is None:
        return (), f"{kind}:none"
    return found.items, f"{kind}:{found.rule}"
