"""Whether a list page that yielded no items builds its list with scripts (inline data written
into the page, or an XHR/fetch whose answer fills it): such a page is worth a browser render."""

from __future__ import annotations

import re

_SCRIPT = re.compile(rb"<script\b[^>]*>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_BUILDS = re.compile(
    rb"innerHTML|insertAdjacentHTML|appendChild|createElement|document\.write"
    rb"|\.append\(|\.html\(|\.prepend\(|v-for|\brender\w*\("
)
_FETCHES = re.compile(rb"XMLHttpRequest|\bfetch\(|\$\.(?:ajax|get|post|getJSON)\(|axios\.|\.load\(")


def scripts_build_list(body: bytes) -> bool:
    """An inline script that writes into the document or fetches data to show."""
    for match in _SCRIPT.finditer(body):
        code = match.group(1)
        if _BUILDS.search(code) or _FETCHES.search(code):
            return True
    return False
