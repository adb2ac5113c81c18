"""What every family's adapter shares: the checks that tell a list answer from a non-list one,
decoding, parsing, and the typed options of the column."""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from selectolax.lexbor import LexborHTMLParser

from crawler.adapters.base import Adapter, ListError, ListResponse
from crawler.adapters.dates import shanghai_today
from crawler.normalize.challenge import CHALLENGE_STATUSES, is_challenge
from crawler.normalize.decode import canonical_codec, decode_html
from crawler.siteconfig.options import AdapterOptions
from crawler.sites import EffectiveColumn

_Options = TypeVar("_Options", bound=AdapterOptions)
MIN_LIST_BYTES = 32


class ListPageError(ListError):
    """A ListError with a machine-readable ``code``: ``challenge``, ``http_status``, ``empty``,
    ``not_html``, ``bad_json``, ``json_error``, ``not_datastore``, ``no_selectors``."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


class ListAdapter(Adapter):
    """An adapter with a fixed ``today`` (tests pin it; None means today in Asia/Shanghai)."""

    def __init__(self, column: EffectiveColumn, *, today: date | None = None) -> None:
        super().__init__(column)
        self._today = today

    @property
    def today(self) -> date:
        return self._today or shanghai_today()

    def options_of(self, kind: type[_Options]) -> _Options:
        """The column's options if they are of ``kind``, else that kind's defaults."""
        options = self.column.options
        return options if isinstance(options, kind) else kind()


def check_answer(response: ListResponse) -> None:
    """Raise ListPageError for an answer that cannot be a list: a challenge, an error status,
    an empty body, a PDF."""
    body = response.body
    if response.status in CHALLENGE_STATUSES or is_challenge(body, response.status):
        raise ListPageError(
            "challenge", f"an anti-bot challenge (HTTP {response.status}), not a list"
        )
    if not 200 <= response.status < 300:
        raise ListPageError("http_status", f"HTTP {response.status} is not a list page")
    stripped = body.strip()
    if not stripped or (len(stripped) < MIN_LIST_BYTES and stripped[:1] not in (b"{", b"[")):
        raise ListPageError("empty", f"the answer holds {len(body)} bytes")
    if body.lstrip()[:5] == b"%PDF-":
        raise ListPageError("not_html", "the list URL answers with a PDF document")


def decode(response: ListResponse, encoding: str | None = None) -> str:
    """The answer as text: the site's `encoding` override, else HTTP charset, BOM, UTF-8, meta."""
    codec = canonical_codec(encoding)
    if codec:
        try:
            return response.body.decode(codec)
        except UnicodeDecodeError:
            pass
    text, _ = decode_html(response.body, response.charset)
    return text


def parse_html(text: str) -> LexborHTMLParser:
    tree = LexborHTMLParser(text)
    if tree.body is None:
        raise ListPageError("not_html", "no HTML body could be parsed")
    return tree


def looks_like_json(text: str) -> bool:
    head = text.lstrip()[:1]
    return head in ("{", "[")
