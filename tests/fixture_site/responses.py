"""The request a fixture site receives and the response it gives, with conditional GET."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import parse_qsl, unquote, urlsplit


@dataclass(frozen=True, slots=True)
class FixtureRequest:
    """One HTTP request: ``target`` is the raw path and query, ``headers`` lower-cased."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes = b""

    @property
    def path(self) -> str:
        return unquote(urlsplit(self.target).path)

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.target).query, keep_blank_values=True))

    @property
    def form(self) -> dict[str, str]:
        """The urlencoded body of a POST (UTF-8)."""
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))

    @property
    def origin(self) -> str:
        """``http://host:port`` as the client addressed the site."""
        return "http://" + self.headers.get("host", "127.0.0.1")


@dataclass(slots=True)
class Response:
    """A response; ``etag``/``last_modified`` make it answer conditional GETs."""

    status: int
    body: bytes
    content_type: str
    etag: str | None = None
    last_modified: datetime | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header_lines(self) -> list[tuple[str, str]]:
        """Every header but Date/Server, Content-Length included except on 304."""
        lines = [("Content-Type", self.content_type)]
        if self.status != 304:
            lines.append(("Content-Length", str(len(self.body))))
        if self.etag:
            lines.append(("ETag", self.etag))
        if self.last_modified:
            lines.append(("Last-Modified", format_datetime(self.last_modified, usegmt=True)))
        return lines + self.headers


def validated(
    body: bytes, content_type: str, modified: datetime, headers: list[tuple[str, str]] | None = None
) -> Response:
    """A 200 with a strong ETag of its bytes and ``modified`` as Last-Modified."""
    etag = '"' + hashlib.md5(body).hexdigest()[:20] + '"'
    return Response(200, body, content_type, etag, modified.astimezone(UTC), headers or [])


def _tags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def answer_conditional(request: FixtureRequest, response: Response) -> Response:
    """A 304 instead of a 200 when If-None-Match (checked first) or If-Modified-Since says
    the client's copy is current."""
    if request.method not in ("GET", "HEAD") or response.status != 200:
        return response
    none_match = request.headers.get("if-none-match")
    if none_match is not None:
        tags = _tags(none_match)
        if response.etag and ("*" in tags or response.etag.removeprefix("W/") in tags):
            return _not_modified(response)
        return response
    since_header = request.headers.get("if-modified-since")
    if since_header and response.last_modified:
        try:
            since = parsedate_to_datetime(since_header)
        except (TypeError, ValueError):
            return response
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        if response.last_modified.replace(microsecond=0) <= since:
            return _not_modified(response)
    return response


def _not_modified(response: Response) -> Response:
    return Response(304, b"", response.content_type, response.etag, response.last_modified)
