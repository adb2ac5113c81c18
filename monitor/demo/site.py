"""The demo site on 127.0.0.1: a threading HTTP server over a mutable set of articles.

    with DemoSite(today) as site:      # serves the baseline on 127.0.0.1, an ephemeral port
        site.list_url(NOTICE)
        site.publish(next_edition(today)); site.revise(serial, revised); site.withdraw(serial)

A withdrawn article answers 404 and leaves its list. Every page carries an ``ETag`` (a
conditional request that still matches gets a 304).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from monitor.demo import pages
from monitor.demo.content import COLUMNS, DemoArticle, baseline
from monitor.demo.receivers import LoopbackServer

ROBOTS = b"User-agent: *\nDisallow: /admin/\n"


class DemoSite(LoopbackServer):
    def __init__(self, today: datetime) -> None:
        super().__init__("demo-site")
        self.articles: dict[int, DemoArticle] = {a.serial: a for a in baseline(today)}
        self.withdrawn: set[int] = set()
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status)
        self._guard = threading.Lock()
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        server.daemon_threads = True
        server.request_queue_size = 64  # Scrapy opens many connections at once
        self.server = server

    # -- changes between crawls ---------------------------------------------------------------
    def publish(self, article: DemoArticle) -> None:
        with self._guard:
            self.articles[article.serial] = article

    def revise(self, serial: int, change: Callable[[DemoArticle], DemoArticle]) -> None:
        with self._guard:
            self.articles[serial] = change(self.articles[serial])

    def withdraw(self, serial: int) -> None:
        with self._guard:
            self.withdrawn.add(serial)

    def live(self, column: str) -> list[DemoArticle]:
        """The column's listed articles, newest first."""
        found = [
            a
            for a in self.articles.values()
            if a.column == column and a.serial not in self.withdrawn
        ]
        return sorted(found, key=lambda a: a.published, reverse=True)

    def record(self, method: str, path: str, status: int) -> None:
        with self._guard:
            self.requests.append((method, path, status))

    # -- serving --------------------------------------------------------------------------------
    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def list_url(self, column: str) -> str:
        return self.origin + COLUMNS[column][0]

    def url_of(self, article: DemoArticle) -> str:
        return self.origin + article.path

    def answer(self, path: str) -> tuple[int, bytes, str]:
        """(status, body, content type) of a GET of ``path``."""
        with self._guard:
            if path == "/robots.txt":
                return 200, ROBOTS, "text/plain"
            if path in ("/", "/index.html"):
                return 200, pages.home_page().encode("utf-8"), "text/html; charset=utf-8"
            for column, (folder, _, charset) in COLUMNS.items():
                if path in (folder, folder + "index.html"):
                    html = pages.list_page(column, self.live(column))
                    return 200, html.encode(charset), _html_type(charset)
            for article in self.articles.values():
                if article.serial in self.withdrawn:
                    continue
                charset = COLUMNS[article.column][2]
                if path == article.path and article.is_file:
                    return 200, pages.pdf(article.title), "application/pdf"
                if path == article.path:
                    return 200, pages.article_page(article).encode(charset), _html_type(charset)
                for index, name in enumerate(article.attachments, start=1):
                    if path == article.attachment_path(index):
                        return 200, pages.pdf(name), "application/pdf"
        return 404, pages.not_found_page().encode("utf-8"), "text/html; charset=utf-8"


def _html_type(charset: str) -> str:
    # the GB column says no charset in its header (its pages' <meta> says gb2312), as many do
    return "text/html" if charset == "gb18030" else f"text/html; charset={charset}"


def _handler(site: DemoSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "nginx"
        sys_version = ""

        def version_string(self) -> str:
            return self.server_version

        def do_GET(self) -> None:
            self._serve(body=True)

        def do_HEAD(self) -> None:
            self._serve(body=False)

        def _serve(self, body: bool) -> None:
            path = self.path.split("?", 1)[0].split("#", 1)[0]
            status, data, content_type = site.answer(path)
            etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
            if status == 200 and self.headers.get("If-None-Match") == etag:
                status, data = 304, b""
            site.record(self.command, path, status)
            self.send_response(status)
            if status != 304:
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
            if status in (200, 304):
                self.send_header("ETag", etag)
            self.end_headers()
            if body and status != 304:
                self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the site keeps its own request log."""

    return Handler
