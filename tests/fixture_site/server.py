"""The HTTP plumbing: a threading HTTP/1.1 server on 127.0.0.1 that hands requests to a site."""

from __future__ import annotations

import contextlib
import socket
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from tests.fixture_site.responses import FixtureRequest, Response


class RequestHandlerSite(Protocol):
    def handle(self, request: FixtureRequest) -> Response | None: ...


class FixtureHTTPServer(ThreadingHTTPServer):
    """One site's server; keeps its open connections so that they can be cut."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    # socketserver's default backlog (5) overflows when Scrapy opens a new connection for most
    # requests: dropped SYNs come back after a 1 s retransmit and a crawl slows tenfold.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], site: RequestHandlerSite) -> None:
        self.site = site
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, FixtureHandler)

    def cut_connections(self) -> None:
        """Shut every open keep-alive connection (the site went down)."""
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class FixtureHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive: every answer carries Content-Length (except 304)."""

    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    timeout = 30
    disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms delayed-ACK stall
    server: FixtureHTTPServer

    def version_string(self) -> str:
        return self.server_version

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = FixtureRequest(self.command, self.path, headers, body)
        try:
            response = self.server.site.handle(request)
        except Exception:  # the boundary of one request: a site bug answers 500, never hangs
            detail = traceback.format_exc().encode("utf-8")
            response = Response(500, detail, "text/plain; charset=UTF-8")
        if response is None:
            self.close_connection = True
            return
        self.send_response(response.status)
        for name, value in response.header_lines():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and response.status != 304:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the site keeps its own request log."""
