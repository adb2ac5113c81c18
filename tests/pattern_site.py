"""A site of fixed pages over real HTTP on 127.0.0.1: the pattern pages of ``list_patterns``
and hand-built article pages, served byte for byte (with no HTTP charset, as many government
servers answer), for the tests of adapters, ``extract`` and ``probe``."""

from __future__ import annotations

import threading
from types import TracebackType

from tests.fixture_site.responses import FixtureRequest, Response
from tests.fixture_site.server import FixtureHTTPServer


class PatternSite:
    """Pages by request target (path and query): ``site.add("/a.html", body)``."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[bytes, str]] = {}
        self._server = FixtureHTTPServer(("127.0.0.1", 0), self)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def add(self, target: str, body: bytes, content_type: str = "text/html") -> str:
        """Serve ``body`` at ``target``; its absolute URL."""
        self.pages[target] = (body, content_type)
        return self.base_url + target

    def handle(self, request: FixtureRequest) -> Response | None:
        found = self.pages.get(request.target)
        if found is None:
            return Response(404, b"<html><body>404</body></html>", "text/html")
        return Response(200, found[0], found[1])

    def __enter__(self) -> PatternSite:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
