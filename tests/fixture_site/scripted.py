"""A fixture site that needs a browser: list pages built by scripts and a 瑞数-style challenge.

``build_scripted_site(lists={"zxdt": "inline"}, challenge="cookie")`` is a ``css`` fixture site
(the same articles, paths and pager) whose chosen list pages carry no items in their HTML:

- ``inline``: the items are a JSON array in the page, written into the list by a script;
- ``xhr``: a script fetches ``/api/list?path=<list path>`` and writes the items it answers.

``challenge`` puts every page (robots.txt aside) behind a challenge, like 瑞数: without valid
cookies the answer is HTTP 412 with a small page holding ``$_ts`` and a script that computes a
cookie (``tok``, from the nonce of the HttpOnly ``sid`` cookie the 412 sets) and reloads.
``cookie``: any client sending both cookies gets the page (earned cookies work over plain
HTTP); ``bound``: only the client that earned them (same User-Agent), as real challenges bind
their cookies to the browser. ``site.gate_answers`` counts the 412 answers.
``site.hang`` holds paths whose page loads a script (``/slow.js``) that is answered only after
``HANG_SECONDS``: a browser waits for it (the page's load never comes), plain HTTP does not.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import time
from typing import Any, Literal

from tests.fixture_site.builder import build_site
from tests.fixture_site.responses import FixtureRequest, Response
from tests.fixture_site.site import FixtureSite

ListMode = Literal["static", "inline", "xhr"]
Gate = Literal["cookie", "bound"]
_ITEM = re.compile(
    r'<dd><a href="([^"]*)" target="_blank" title="([^"]*)">(.*?)</a><em>(.*?)</em></dd>\n?'
)
_BUILD = """<script>
function eduwatchFill(items) {
  var list = document.getElementById("news-list");
  items.forEach(function (item) {
    var dd = document.createElement("dd"), a = document.createElement("a");
    var em = document.createElement("em");
    a.setAttribute("href", item.href); a.setAttribute("target", "_blank");
    a.setAttribute("title", item.title); a.textContent = item.text; em.textContent = item.date;
    dd.appendChild(a); dd.appendChild(em); list.appendChild(dd);
  });
}
</script>
"""
_INLINE = "<script>var listData = {data};\neduwatchFill(listData);</script>\n"
_XHR = """<script>
var xhr = new XMLHttpRequest();
xhr.open("GET", "/api/list?path=" + encodeURIComponent(location.pathname));
xhr.onload = function () { eduwatchFill(JSON.parse(xhr.responseText)); };
xhr.send();
</script>
"""
HANG_SECONDS = 60.0
_HANG = '<script src="/slow.js"></script>\n'
_CHALLENGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta http-equiv="Pragma" content="no-cache"></head>
<body><script>var $_ts=window['$_ts'];if(!$_ts)$_ts=window['$_ts']={};$_ts.nsd=48917;
$_ts.cd="qEmrqrAlrGqxcqAqEq9";</script>
<script>(function(){var s="{nonce}".split("").reverse().join("");
document.cookie="tok="+s+"; path=/";location.reload();})();</script>
</body></html>
"""


class ScriptedSite(FixtureSite):
    """A css fixture site with scripted lists and an optional challenge gate."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.list_modes: dict[str, ListMode] = {}
        self.gate: Gate | None = None
        self.issued: dict[str, str] = {}  # sid -> the User-Agent it was issued to
        self.gate_answers = 0
        self.hang: set[str] = set()

    def set_lists(self, modes: dict[str, ListMode]) -> None:
        with self.lock:
            self.list_modes = dict(modes)

    def set_gate(self, gate: Gate | None) -> None:
        with self.lock:
            self.gate = gate

    # -- answering ---------------------------------------------------------------------------
    def handle(self, request: FixtureRequest) -> Response | None:
        if request.path == "/slow.js":  # outside the site's lock: the rest of the site answers
            time.sleep(HANG_SECONDS)
            return Response(200, b"var slow = 1;", "application/javascript")
        return super().handle(request)

    def _respond(self, request: FixtureRequest) -> Response:
        if self.gate is not None and request.path != "/robots.txt" and not self._passes(request):
            return self._challenge_answer(request)
        if request.path == "/api/list":
            return self._api(request.query.get("path", ""))
        response = super()._respond(request)
        if request.path in self.hang and response.status == 200:
            text = response.body.decode("utf-8").replace("</head>", _HANG + "</head>", 1)
            return Response(200, text.encode("utf-8"), response.content_type)
        mode = self._mode_of(request.path)
        if mode in ("inline", "xhr") and response.status == 200:
            text = _scripted(response.body.decode("utf-8"), mode)
            return Response(200, text.encode("utf-8"), response.content_type)
        return response

    def _mode_of(self, path: str) -> ListMode:
        for key, mode in self.list_modes.items():
            spec = self.specs[key]
            if path.startswith(spec.path) and self.page_at(path) is None:
                return mode
        return "static"

    def _api(self, path: str) -> Response:
        page = super()._respond(FixtureRequest("GET", path, {}))
        if page.status != 200:
            return Response(404, b"[]", "application/json")
        items = _items(page.body.decode("utf-8"))
        body = json.dumps(items, ensure_ascii=False).encode("utf-8")
        return Response(200, body, "application/json; charset=UTF-8")

    # -- the challenge -----------------------------------------------------------------------
    def _passes(self, request: FixtureRequest) -> bool:
        cookies = _cookies(request.headers.get("cookie", ""))
        sid, tok = cookies.get("sid"), cookies.get("tok")
        # any issued pair: a browser rendering two challenged pages at once mixes them
        if sid not in self.issued or tok is None or tok[::-1] not in self.issued:
            return False
        return self.gate == "cookie" or self.issued[sid] == request.headers.get("user-agent")

    def _challenge_answer(self, request: FixtureRequest) -> Response:
        sid = secrets.token_hex(8)
        self.issued[sid] = request.headers.get("user-agent", "")
        self.gate_answers += 1
        body = _CHALLENGE.replace("{nonce}", sid).encode("utf-8")
        cookie = ("Set-Cookie", f"sid={sid}; Path=/; HttpOnly")
        return Response(412, body, "text/html", headers=[cookie, ("Cache-Control", "no-store")])


def build_scripted_site(
    lists: dict[str, ListMode] | None = None, challenge: Gate | None = None, **kwargs: Any
) -> ScriptedSite:
    """A ``css`` site (see ``build_site``) with these list modes and challenge, not started."""
    site = build_site("css", site_class=ScriptedSite, **kwargs)
    assert isinstance(site, ScriptedSite)
    site.set_lists(lists or {})
    site.set_gate(challenge)
    return site


def _items(page: str) -> list[dict[str, str]]:
    return [
        {
            "href": html.unescape(href),
            "title": html.unescape(title),
            "text": html.unescape(text),
            "date": html.unescape(date),
        }
        for href, title, text, date in _ITEM.findall(page)
    ]


def _scripted(page: str, mode: ListMode) -> str:
    """The list page with its items taken out and a script that writes them back."""
    items = _items(page)
    bare = _ITEM.sub("", page).replace("<dl>", '<dl id="news-list">', 1)
    if mode == "inline":
        data = json.dumps(items, ensure_ascii=False).replace("</", "<\\/")
        script = _BUILD + _INLINE.replace("{data}", data)
    else:
        script = _BUILD + _XHR
    return bare.replace("</body>", script + "</body>", 1)


def _cookies(header: str) -> dict[str, str]:
    pairs = (part.strip().partition("=") for part in header.split(";") if "=" in part)
    return {name: value for name, _, value in pairs}
