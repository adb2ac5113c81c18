"""A real webhook receiver on 127.0.0.1: records every POST, answers as scripted.

receiver = Receiver().start()
receiver.answers.extend([500, 500, 500])   # then `default` (200)
receiver.delay = 2.0                       # hang this long before answering
receiver.stop(); receiver.start()          # down, then up again on the same port
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True, slots=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int  # what the receiver answered

    @property
    def key(self) -> str:
        return self.headers.get("Idempotency-Key", "")

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


class Receiver:
    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.answers: deque[int] = deque()
        self.default = 200
        self.delay = 0.0
        self.requests: list[Received] = []
        self._changed = threading.Condition()
        self._server: ThreadingHTTPServer | None = None

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> Receiver:
        server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def delivered(self) -> list[Received]:
        """The requests answered 2xx."""
        with self._changed:
            return [r for r in self.requests if 200 <= r.status < 300]

    def wait_for(self, count: int, timeout: float = 30.0, *, ok_only: bool = True) -> bool:
        """Wait until ``count`` requests (answered 2xx, unless told) came; False at timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                have = [r for r in self.requests if not ok_only or 200 <= r.status < 300]
                if len(have) >= count:
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)

    def _record(self, received: Received) -> None:
        with self._changed:
            self.requests.append(received)
            self._changed.notify_all()

    def _next_status(self) -> int:
        with self._changed:
            return self.answers.popleft() if self.answers else self.default

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status = receiver._next_status()
                if receiver.delay:
                    time.sleep(receiver.delay)
                headers = {name: value for name, value in self.headers.items()}
                receiver._record(Received(self.path, headers, body, status))
                answer = b'{"ok":true}' if status < 300 else b'{"error":"scripted"}'
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the sender gave up (timeout, killed): it was received all the same

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler
