"""A fixture site served on 127.0.0.1: the state, its HTTP answers, faults and a request log."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

from tests.fixture_site import files
from tests.fixture_site import pages as H
from tests.fixture_site.catalogue import Authority
from tests.fixture_site.model import SHANGHAI, ColumnSpec, FixtureArticle
from tests.fixture_site.responses import FixtureRequest, Response, answer_conditional, validated
from tests.fixture_site.server import FixtureHTTPServer
from tests.fixture_site.state import SiteOptions, SiteState, StoredFile

DATA = Path(__file__).resolve().parent / "data"
CHALLENGE_PAGES = {
    "nmpa": ("challenge_gov_nmpa_412.html", "4hP44ZykCTt5S"),
    "gansu": ("challenge_gov_gansu-scjg_412_home.html", "FSSBBIl1UgzbN7N80S"),
}
_TOKEN_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._"


def _path(target: str) -> str:
    return target.split("?", 1)[0]


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One request the site received: ``path`` is the target (path and query) as sent,
    ``status`` 0 when the connection was dropped, ``headers`` with lower-cased names."""

    method: str
    path: str
    status: int
    headers: dict[str, str]


class FixtureSite(SiteState):
    """A whole site of one CMS family on its own ``127.0.0.1`` port.

    Use as a context manager (or ``start()``/``stop()``). Every method is thread-safe.
    """

    host = "127.0.0.1"

    def __init__(
        self,
        layout: str,
        authority: Authority,
        columns: Sequence[ColumnSpec],
        seed: int = 0,
        options: SiteOptions | None = None,
        *,
        port: int = 0,
    ) -> None:
        super().__init__(layout, authority, columns, seed, options)
        self._port = port
        self._server: FixtureHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._down: str | None = None
        self._challenge = False
        self._challenge_page = "nmpa"
        self._noise = True
        self._delay = 0.0
        self._robots: tuple[str, ...] | None = ("/was5/",)
        self._failures: dict[str, list[int]] = {}
        self._redirects: dict[str, tuple[int, str]] = {}
        self._views: dict[int, int] = {}
        self._log: list[LoggedRequest] = []
        self._counts: Counter[str] = Counter()

    # -- life --------------------------------------------------------------------------------
    def start(self) -> FixtureSite:
        """Listen on 127.0.0.1 (an ephemeral port unless one was given) and serve in a thread."""
        if self._server is None:
            server = FixtureHTTPServer((self.host, self._port), self)
            self._port = server.server_address[1]
            self._thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"fixture-site-{self._port}",
                daemon=True,
            )
            self._server = server
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and cut open connections; the state stays."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
            server.cut_connections()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FixtureSite:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        self._down = None

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("the site has no port until it is started")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, target: str) -> str:
        """The absolute URL of a path (``/xwzx/gzdt/index.html``)."""
        return self.base_url + target

    def url_of(self, article: FixtureArticle) -> str:
        return self.url(article.path)

    def list_url(self, column: str, page: int = 1) -> str:
        """The URL of a column's list page (JSON API: ``page=N``; Hanweb: page 1 only is real)."""
        return self.url(self.layout.list_target(self.column(column), page))

    def expected(self, article: FixtureArticle) -> dict[str, Any]:
        return article.expected(self.base_url)

    # -- toggles -----------------------------------------------------------------------------
    def set_down(self, down: bool = True, refuse: bool = False) -> None:
        """Down: every request answers 503, or with ``refuse`` the port refuses connections."""
        if down and refuse:
            self._down = "refuse"
            if self._server is not None:
                self.stop()
                self._down = "refuse-stopped"
            return
        was_stopped = self._down == "refuse-stopped"
        self._down = "503" if down else None
        if was_stopped:
            self.start()

    def set_challenge(self, on: bool = True, page: str = "nmpa") -> None:
        """Every request answers HTTP 412 with a real 瑞数 challenge body (``nmpa``, ``gansu``)."""
        if page not in CHALLENGE_PAGES:
            raise ValueError(f"challenge page must be one of {sorted(CHALLENGE_PAGES)}")
        with self.lock:
            self._challenge, self._challenge_page = on, page

    def set_noise(self, on: bool) -> None:
        """View counter and 页面生成时间 change on every request (on) or stay fixed (off)."""
        with self.lock:
            self._noise = on

    def set_delay(self, seconds: float) -> None:
        """Wait this long before answering each request."""
        with self.lock:
            self._delay = max(0.0, seconds)

    def set_robots(self, disallow: Sequence[str] | None) -> None:
        """robots.txt disallows these path prefixes for every agent; None: robots.txt is 404."""
        with self.lock:
            self._robots = None if disallow is None else tuple(disallow)

    def fail_first(self, target: str, count: int = 1, status: int = 500) -> None:
        """The next ``count`` requests to ``target`` (path, or path and query) answer ``status``."""
        with self.lock:
            self._failures[target] = [count, status]

    def redirect(self, target: str, location: str | None, status: int = 302) -> None:
        """Requests to ``target`` (a path) answer ``status`` with this Location (absolute or
        relative; another host's too); None: answer normally again."""
        with self.lock:
            if location is None:
                self._redirects.pop(target, None)
            else:
                self._redirects[target] = (status, location)

    # -- log ---------------------------------------------------------------------------------
    @property
    def requests(self) -> list[LoggedRequest]:
        with self.lock:
            return list(self._log)

    @property
    def request_counts(self) -> Counter[str]:
        """Requests per target (path and query as sent)."""
        with self.lock:
            return Counter(self._counts)

    def count(self, target: str, method: str | None = None) -> int:
        """Requests to ``target``: a bare path counts every query on it, a target with ``?``
        only itself; ``method`` narrows to GET, HEAD or POST."""
        with self.lock:
            return sum(
                1
                for entry in self._log
                if (entry.path == target or ("?" not in target and _path(entry.path) == target))
                and (method is None or entry.method == method)
            )

    def reset_log(self) -> None:
        with self.lock:
            self._log.clear()
            self._counts.clear()

    # -- answering ---------------------------------------------------------------------------
    def handle(self, request: FixtureRequest) -> Response | None:
        """The answer to one request; None drops the connection (site refusing)."""
        with self.lock:
            delay, down = self._delay, self._down
        if down and down.startswith("refuse"):
            self._record(request, 0)
            return None
        if delay:
            time.sleep(delay)
        with self.lock:
            response = answer_conditional(request, self._respond(request))
            self._record(request, response.status)
            return response

    def _record(self, request: FixtureRequest, status: int) -> None:
        with self.lock:
            self._log.append(LoggedRequest(request.method, request.target, status, request.headers))
            self._counts[request.target] += 1

    def _respond(self, request: FixtureRequest) -> Response:
        if self._down == "503":
            return self._error(503, [("Retry-After", "120")])
        if self._challenge:
            return self._challenge_response()
        failure = self._failures.get(request.target) or self._failures.get(request.path)
        if failure and failure[0] > 0:
            failure[0] -= 1
            return self._error(failure[1])
        if request.path in self._redirects:
            status, location = self._redirects[request.path]
            return Response(status, b"", "text/html", headers=[("Location", location)])
        if request.path == "/robots.txt":
            return self._robots_response()
        routed = self.layout.route(request)
        if routed is not None:
            return routed
        if request.method not in ("GET", "HEAD"):
            return self._error(405, [("Allow", "GET, HEAD")])
        article = self.page_at(request.path)
        if article is not None:
            return self._article_response(article, request)
        key = self.layout.file_key(request)
        stored = self.file_at(key)
        if stored is not None:
            return self._file_response(key, stored)
        return self._error(self.gone_status(key) or 404)

    def _error(self, status: int, headers: list[tuple[str, str]] | None = None) -> Response:
        data, content_type = self.encode_html(H.error_page(status, self.charset_of()))
        return Response(status, data, content_type, headers=headers or [])

    def _robots_response(self) -> Response:
        if self._robots is None:
            return self._error(404)
        rules = "".join(f"Disallow: {path}\n" for path in self._robots) or "Disallow:\n"
        return Response(200, f"User-agent: *\n{rules}".encode(), "text/plain")

    def _challenge_response(self) -> Response:
        name, cookie = CHALLENGE_PAGES[self._challenge_page]
        body = (DATA / name).read_bytes()
        token = "".join(self.rng.choice(_TOKEN_ALPHABET) for _ in range(88))
        expires = format_datetime(datetime.now(UTC) + timedelta(days=365 * 10), usegmt=True)
        set_cookie = f"{cookie}={token}; Path=/; expires={expires}; HttpOnly"
        return Response(412, body, "text/html", headers=[("Set-Cookie", set_cookie)])

    def _article_response(self, article: FixtureArticle, request: FixtureRequest) -> Response:
        key = "article:" + article.path
        if key not in self._cache:
            self._cache[key] = self.layout.article_html(article)
        template: str = self._cache[key]
        views = self._views.get(article.id, 100 + article.id % 400)
        if request.method == "GET":
            self._views[article.id] = views = views + 1
        if self._noise:
            generated = datetime.now(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
            shown = str(views)
        else:
            generated, shown = f"{article.date:%Y-%m-%d %H:%M:%S}", "1"
        html = template.replace(H.VIEWS_MARK, shown).replace(H.GENERATED_MARK, generated)
        data, content_type = self.encode_html(html, article)
        # validators of the article's content (the view counter and clock are served apart, as
        # a static CMS page with a script counter is): a conditional re-check answers 304
        etag = '"a' + hashlib.md5(template.encode("utf-8")).hexdigest()[:20] + '"'
        modified = self.article_modified(article).astimezone(UTC)
        return Response(
            200, data, content_type, etag, modified, headers=[("Cache-Control", "no-cache")]
        )

    def _file_response(self, key: str, stored: StoredFile) -> Response:
        article = self._articles[stored.article_id]

        def make() -> Response:
            data = files.file_bytes(stored.extension, stored.title, f"{article.id}/{key}")
            content_type = files.CONTENT_TYPES.get(stored.extension, "application/octet-stream")
            headers = []
            if "downfile.jsp" in key:
                disposition = f"attachment; filename*=UTF-8''{quote(stored.title)}"
                headers.append(("Content-Disposition", disposition))
            return validated(data, content_type, article.date, headers)

        return self.cached("file:" + key, make)
