"""A decoded, parsed page: the input every extraction step reads."""

from __future__ import annotations

from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from crawler.normalize.challenge import is_challenge
from crawler.normalize.decode import decode_html
from crawler.normalize.model import ExtractionError
from crawler.normalize.nearby import window

_MIN_HTML_BYTES = 32


@dataclass
class Page:
    """One article page. ``tree`` is parsed by Lexbor, an HTML5 parser as robust as a browser's:
    stray ``</html>``/``</body>`` from server-side includes do not lose the body."""

    url: str
    html: str
    encoding: str
    tree: LexborHTMLParser
    _meta_tags: list[dict[str, str | None]] | None = field(default=None, repr=False)
    _metas: dict[str, str] | None = field(default=None, repr=False)
    _after: dict[tuple[int, int], str] = field(default_factory=dict, repr=False)

    @property
    def meta_tags(self) -> list[dict[str, str | None]]:
        """The attributes of every `<meta>`, in page order (read once)."""
        if self._meta_tags is None:
            self._meta_tags = [node.attributes for node in self.tree.css("meta")]
        return self._meta_tags

    @property
    def metas(self) -> dict[str, str]:
        """`<meta name|property|itemprop=... content=...>`, names lower-cased, empty values skipped.

        The first non-empty value of a name wins.
        """
        if self._metas is None:
            metas: dict[str, str] = {}
            for attrs in self.meta_tags:
                name = attrs.get("name") or attrs.get("property") or attrs.get("itemprop")
                content = (attrs.get("content") or "").strip()
                if name and content and content.lower() != "null":
                    metas.setdefault(name.strip().lower(), content)
            self._metas = metas
        return self._metas

    def meta(self, *names: str) -> str | None:
        """The first of ``names`` (case-insensitive) the page has a non-empty meta for."""
        for name in names:
            value = self.metas.get(name.lower())
            if value:
                return value
        return None

    def text_after(self, node: LexborNode, max_chars: int) -> str:
        """``nearby.window`` just after ``node``, read once per node and length: the date and
        the source both read the text under the headline. For the metadata steps, which run
        before any step edits the tree."""
        key = (node.mem_id, max_chars)
        text = self._after.get(key)
        if text is None:
            text = self._after[key] = window(node, include_start=False, max_chars=max_chars)
        return text

    @property
    def body(self) -> LexborNode | None:
        return self.tree.body


def parse_page(data: bytes, url: str, http_charset: str | None = None) -> Page:
    """Decode and parse page bytes; a challenge, empty or non-HTML answer is an ExtractionError."""
    if len(data.strip()) < _MIN_HTML_BYTES:
        raise ExtractionError("empty", f"the page holds {len(data)} bytes")
    if is_challenge(data):
        raise ExtractionError("challenge", "an anti-bot challenge page, not content")
    if data.lstrip()[:5] == b"%PDF-":
        raise ExtractionError("not_html", "the URL answers with a PDF document, not a page")
    text, encoding = decode_html(data, http_charset)
    tree = LexborHTMLParser(text)
    if tree.body is None:
        raise ExtractionError("not_html", "no HTML body could be parsed")
    return Page(url=url, html=text, encoding=encoding, tree=tree)
