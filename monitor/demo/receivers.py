"""Where the demo's alerts land: a loopback SMTP sink and a webhook receiver, both stdlib.

The SMTP sink speaks just enough SMTP (RFC 5321: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT)
for a client such as smtplib to hand it a message; it keeps each message's raw bytes. The
webhook receiver answers every POST with 200 and keeps its headers and raw body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socketserver
import threading
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

MAX_MESSAGE = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Mail:
    sender: str
    recipients: tuple[str, ...]
    data: bytes  # as received, dot-stuffing undone

    def message(self) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.data)

    def text(self) -> str:
        """The plain-text part, decoded, with its lines ended by ``\\n`` (CRLF on the wire)."""
        part = self.message().get_body(preferencelist=("plain",))
        return str(part.get_content()).replace("\r\n", "\n") if part is not None else ""


@dataclass(frozen=True, slots=True)
class Post:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def signature_ok(self, secret: str) -> bool:
        """Whether ``X-Eduwatch-Signature`` is the HMAC-SHA256 of the raw body with ``secret``."""
        expected = "sha256=" + hmac.new(secret.encode(), self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, self.headers.get("X-Eduwatch-Signature", ""))


class LoopbackServer(threading.Thread):
    """A socketserver on 127.0.0.1 (an ephemeral port) served by a daemon thread;
    ``with server:`` starts and stops it."""

    server: socketserver.TCPServer

    def __init__(self, name: str) -> None:
        super().__init__(name=name, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def run(self) -> None:
        self.server.serve_forever(poll_interval=0.1)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class SmtpSink(LoopbackServer):
    def __init__(self) -> None:
        super().__init__("demo-smtp")
        self.mails: list[Mail] = []
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True

    def _handler(self) -> type[socketserver.StreamRequestHandler]:
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = 30

            def reply(self, line: str) -> None:
                self.wfile.write(line.encode("ascii") + b"\r\n")

            def handle(self) -> None:
                self.reply("220 demo.invalid ESMTP eduwatch demo sink")
                sender, recipients = "", []  # type: str, list[str]
                while line := self.rfile.readline(4096):
                    verb, _, argument = line.decode("utf-8", "replace").strip().partition(" ")
                    verb = verb.upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250-demo.invalid" if verb == "EHLO" else "250 demo.invalid")
                        if verb == "EHLO":
                            self.reply("250-8BITMIME")
                            self.reply(f"250 SIZE {MAX_MESSAGE}")
                    elif verb == "MAIL":
                        sender, recipients = _address(argument), []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        recipients.append(_address(argument))
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 end data with <CR><LF>.<CR><LF>")
                        sink.mails.append(Mail(sender, tuple(recipients), self._data()))
                        self.reply("250 OK: queued")
                    elif verb in ("RSET", "NOOP"):
                        self.reply("250 OK")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("502 command not implemented")

            def _data(self) -> bytes:
                lines: list[bytes] = []
                while line := self.rfile.readline(MAX_MESSAGE):
                    if line in (b".\r\n", b".\n"):
                        break
                    lines.append(line[1:] if line.startswith(b".") else line)
                return b"".join(lines)

        return Handler


def _address(argument: str) -> str:
    """``FROM:<a@b> SIZE=1`` -> ``a@b``."""
    _, _, rest = argument.partition(":")
    return rest.strip().split(" ", 1)[0].strip("<>")


class WebhookReceiver(LoopbackServer):
    def __init__(self) -> None:
        super().__init__("demo-webhook")
        self.posts: list[Post] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True

    def url(self, path: str = "/eduwatch") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {name: value for name, value in self.headers.items()}
                receiver.posts.append(Post(self.path, headers, body))
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the demo prints what it received."""

        return Handler
