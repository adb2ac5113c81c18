"""A farm of synthetic education-authority sites on 127.0.0.1, one server process per CMS family.

    python bench/farm.py trs 0 500 10      # family, first site, sites, articles per column

TRS sites serve ``/s<n>/c<c>/index.html`` (relative links ``./202406/t20240628_<id>.html``);
Hanweb sites ``/col/col<colid>/index.html`` with the records in a ``<datastore>`` and articles at
``/art/2024/6/28/art_<colid>_<id>.html``. Pages are padded with navigation, link lists, inline
script and style to sizes like the provincial portals' (list about 30 KB, article about 40 KB;
the figures of bench/scale.py print the sizes served). List pages carry ``Last-Modified`` and
answer ``If-Modified-Since`` with 304. Requests are counted; ``GET /_stats`` returns the counts
as JSON (and ``/_stats?reset=1`` zeroes them). Prints ``PORT <n>`` when it listens.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
from collections import Counter
from email.utils import formatdate
from functools import lru_cache

CHARS = (
    "的一是在不了有和人这中大为上个国以要时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
    "而方后多定行学法所民得经十三之进着等部度家力里如水化高自二理起小物现实加量都两体制机当使点从业本去"
    "教育厅局校师生课程招考试督导评估资助职业基础高等学位质量安全改革发展建设推进落实工作会议通知公告"
)
COLUMNS = (("工作动态", "news"), ("通知公告", "notice"))


def text(seed: int, length: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choices(CHARS, k=length))


def padding(seed: int, links: int, script_kb: int) -> str:
    """Page furniture: a link-heavy menu and footer, inline style and script (64 variants, made
    once: the farm must serve faster than the crawlers it measures)."""
    return _padding(seed % 64, links, script_kb)


@lru_cache(maxsize=512)
def _padding(seed: int, links: int, script_kb: int) -> str:
    items = "".join(
        f'<li><a href="/zt/{seed % 97}/{k}.html" target="_blank">{text(seed + k, 8)}</a></li>'
        for k in range(links)
    )
    script = "var cfg=" + json.dumps({"k": text(seed, script_kb * 300)}, ensure_ascii=False) + ";"
    style = ".nav li{float:left;margin:0 4px}" * 40
    return (
        f'<style>{style}</style><div class="links"><ul>{items}</ul></div><script>{script}</script>'
    )


def article_id(site: int, column: int, index: int) -> int:
    return 5_000_000 + site * 1000 + column * 100 + index


def hanweb_column(site: int, column: int) -> int:
    return 1_000_000 + site * 10 + column


def title(site: int, column: int, index: int) -> str:
    return f"关于{text(article_id(site, column, index), 10)}工作的通知（{site}-{column}-{index}）"


def trs_list(site: int, column: int, articles: int, first: int = 0) -> str:
    items = "".join(
        f'<li><a href="./202406/t20240628_{article_id(site, column, i)}.html" target="_blank" '
        f'title="{title(site, column, i)}">{title(site, column, i)}</a>'
        f"<span>2024-06-{28 - i % 27:02d}</span></li>\n"
        for i in range(first, first + articles)
    )
    name = COLUMNS[column][0]
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{name}_测试{site}教育厅</title>"
        f'<meta name="SiteName" content="测试{site}教育厅">'
        f'<meta name="ColumnName" content="{name}"></head><body>'
        f'<div class="header"><div class="logo">测试{site}教育厅</div></div>'
        f"{padding(site * 10 + column, 150, 12)}"
        f'<div class="list-main"><div class="list-title"><h2>{name}</h2></div>'
        f'<ul id="list" class="list">\n{items}</ul><div class="page" id="page">'
        '<script type="text/javascript">var countPage = 1\n'
        'createPageHTML(1, 0, "index", "html");</script></div></div>'
        f'<div class="footer"><p>主办单位：测试{site}教育厅</p></div></body></html>'
    )


def article_body(site: int, column: int, index: int) -> str:
    words = text(article_id(site, column, index), 8 * 180)
    return "".join(f"<p>　　{words[k * 180 : (k + 1) * 180]}。</p>\n" for k in range(8))


def trs_article(site: int, column: int, index: int) -> str:
    head = title(site, column, index)
    day = f"2024-06-{28 - index % 27:02d}"
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{head}_测试{site}教育厅</title>'
        f'<meta name="ArticleTitle" content="{head}"><meta name="PubDate" content="{day} 10:00">'
        f'<meta name="ContentSource" content="测试{site}教育厅"></head><body>'
        f'<div class="header"><div class="logo">测试{site}教育厅</div></div>'
        f"{padding(site * 10 + column, 200, 20)}"
        f'<div class="detail-box"><h1>{head}</h1><div class="detail-shuxing">'
        f"<span>发布时间：{day} 10:00</span><span>来源：测试{site}教育厅</span></div>"
        f'<div class="detail-content"><div class=TRS_Editor>{article_body(site, column, index)}'
        "</div></div></div>"
        f'<div class="footer"><p>主办单位：测试{site}教育厅</p></div></body></html>'
    )


def hanweb_list(site: int, column: int, articles: int, first: int = 0) -> str:
    colid = hanweb_column(site, column)
    records = "".join(
        "<record><![CDATA[\n"
        f'<li><a href="/art/2024/6/28/art_{colid}_{article_id(site, column, i)}.html" '
        f'target="_blank" title="{title(site, column, i)}">{title(site, column, i)}</a>'
        f"<span>2024-06-{28 - i % 27:02d}</span></li>\n]]></record>\n"
        for i in range(first, first + articles)
    )
    name = COLUMNS[column][0]
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{name}</title>'
        f'<meta name="SiteName" content="测试{site}教育厅"></head><body>'
        f"{padding(site * 10 + column, 170, 14)}"
        f'<div class="default_pgContainer"><div id="4729{site}"><script type="text/xml">'
        f"<datastore>\n<recordset>\n{records}</recordset>\n</datastore>\n</script></div></div>"
        '<script type="text/javascript">$(document).ready(function(){'
        f"$('#4729{site}').jpage({{dataStore: 'datastore', perPage: 20, "
        f"totalRecord: {articles}, groupSize: 3, proxyUrl: '/module/web/jpage/dataproxy.jsp', "
        f"ajaxParam: {{col: 1, appid: 1, webid: {site + 1}, path: '/', columnid: {colid}, "
        f"unitid: '4729{site}', webname: '测试{site}教育厅', permissiontype: 0}}}});}});</script>"
        f'<div class="footer"><p>主办单位：测试{site}教育厅</p></div></body></html>'
    )


def hanweb_article(site: int, column: int, index: int) -> str:
    head = title(site, column, index)
    day = f"2024-06-{28 - index % 27:02d}"
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{head}</title>'
        f'<meta name="ArticleTitle" content="{head}"><meta name="PubDate" content="{day} 10:00">'
        f'<meta name="contentSource" content="测试{site}教育厅"></head><body>'
        f"{padding(site * 10 + column, 180, 18)}"
        f'<div class="con"><p class="con-title">{head}</p><div class="small-title">'
        f"<span>发布日期：{day} 10:00</span><span>信息来源：测试{site}教育厅</span></div>"
        '<div class="main-txt article_zoom"><!--ZJEG_RSS.content.begin-->'
        f"{article_body(site, column, index)}<!--ZJEG_RSS.content.end--></div></div>"
        f'<div class="footer"><p>主办单位：测试{site}教育厅</p></div></body></html>'
    )


class Farm:
    def __init__(self, family: str, first: int, sites: int, articles: int) -> None:
        self.family, self.first, self.sites, self.articles = family, first, sites, articles
        self.hits: Counter[str] = Counter()
        self.bytes_out = 0
        self.round = 0  # list pages show articles round..round+articles-1 (bench/worker_memory.py)

    @property
    def last_modified(self) -> str:
        return formatdate(1_717_000_000 + 60 * self.round, usegmt=True)

    @lru_cache(maxsize=4096)  # noqa: B019 (one farm per process)
    def page(self, path: str) -> tuple[bytes, bool] | None:
        """The page at ``path`` and whether it is a list page; None: not found."""
        parts = path.strip("/").split("/")
        try:
            if self.family == "trs" and len(parts) >= 3 and parts[0].startswith("s"):
                site, column = int(parts[0][1:]), int(parts[1][1:])
                if not self._ours(site, column):
                    return None
                if parts[2] == "index.html":
                    return trs_list(site, column, self.articles, self.round).encode(), True
                index = int(parts[-1].split("_")[-1].split(".")[0]) % 100
                return trs_article(site, column, index).encode(), False
            if self.family == "hanweb" and parts[0] in ("col", "art"):
                colid = int(parts[1][3:]) if parts[0] == "col" else int(parts[-1].split("_")[1])
                site, column = divmod(colid - 1_000_000, 10)
                if not self._ours(site, column):
                    return None
                if parts[0] == "col":
                    return hanweb_list(site, column, self.articles, self.round).encode(), True
                index = int(parts[-1].split("_")[-1].split(".")[0]) % 100
                return hanweb_article(site, column, index).encode(), False
        except (ValueError, IndexError):
            return None
        return None

    def _ours(self, site: int, column: int) -> bool:
        return self.first <= site < self.first + self.sites and 0 <= column < len(COLUMNS)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {
                    k.strip().lower(): v.strip()
                    for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)
                }
                writer.write(self.answer(method, target, headers))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    def answer(self, method: str, target: str, headers: dict[str, str]) -> bytes:
        path = target.split("?", 1)[0]
        if path == "/_stats":
            body = json.dumps({"hits": dict(self.hits), "bytes": self.bytes_out}).encode()
            if "reset=1" in target:
                self.hits.clear()
                self.bytes_out = 0
            return _response(200, body, "application/json")
        if path == "/_round":  # each list gains an article and drops its oldest
            self.round = int(target.split("n=", 1)[1])
            self.page.cache_clear()
            return _response(200, b"ok", "text/plain")
        found = self.page(path)
        if found is None:
            self.hits["404"] += 1
            return _response(404, b"not found", "text/plain")
        body, is_list = found
        kind = "list" if is_list else "article"
        modified = f"Last-Modified: {self.last_modified}\r\n"
        if is_list and headers.get("if-modified-since") == self.last_modified:
            self.hits["list_304"] += 1
            return _response(304, b"", "text/html", extra=modified)
        self.hits[kind] += 1
        self.bytes_out += len(body)
        extra = modified if is_list else ""
        return _response(200, b"" if method == "HEAD" else body, "text/html; charset=utf-8", extra)


def _response(status: int, body: bytes, kind: str, extra: str = "") -> bytes:
    reason = {200: "OK", 304: "Not Modified", 404: "Not Found"}[status]
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
        f"{extra}Connection: keep-alive\r\n\r\n"
    )
    return head.encode("latin-1") + body


async def serve(farm: Farm) -> None:
    server = await asyncio.start_server(farm.handle, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    family, first, sites, articles = sys.argv[1], *map(int, sys.argv[2:5])
    asyncio.run(serve(Farm(family, first, sites, articles)))
