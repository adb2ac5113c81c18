"""Text normalization and the rendering of the article text format (ARTICLE_FORMAT.md)."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence

SUMMARY_LENGTH = 200
INDENT = "  "

_COMMENT = re.compile(r"<!--.*?-->|<!--|-->", re.S)
_TAG = re.compile(r"</?[a-zA-Z!?][^<>]*>")
# A tag cut off at either end of a text node: `<p style=2jpg/` or `1jpg/>` or `<div class=`.
_TAG_HEAD_AT_END = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:[\s/][^>]*)?$")
_TAG_TAIL = re.compile(r"[!-;=?-~]*/>|^[!-;=?-~]*[\"']\s*/?>")
# What is left of a tag once the rest was taken: a `<` before a tag name, `</`, `/>`.
_TAG_DEBRIS = re.compile(r"<(?=[a-zA-Z/!?])|</|/>")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\x00-\x08\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")
# A line break of the HTML source between two Chinese characters renders as nothing (CSS Text:
# segment breaks between East Asian wide characters are removed): `血\n管性` is `血管性`.
_CJK = "\u2e80-\u9fff\uf900-\ufaff“”‘’"
_CJK_LINE_BREAK = re.compile(f"(?<=[{_CJK}])[ \\t]*\\n\\s*(?=[{_CJK}])")


def _clean_once(text: str) -> str:
    text = unicodedata.normalize("NFKC", html.unescape(text))
    text = _COMMENT.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = _TAG_HEAD_AT_END.sub(" ", text)
    text = _TAG_TAIL.sub(" ", text)
    text = _TAG_DEBRIS.sub("", text)
    text = _INVISIBLE.sub("", text)
    text = _CJK_LINE_BREAK.sub("", text)
    return _SPACES.sub(" ", text).strip()


def clean_text(text: str) -> str:
    """NFKC, entities decoded, markup fragments dropped, whitespace folded to single spaces.

    Repeated until it no longer changes anything, so that it is idempotent.
    """
    for _ in range(8):
        cleaned = _clean_once(text)
        if cleaned == text:
            break
        text = cleaned
    return text


def summarize(paragraphs: Sequence[str]) -> str:
    """Line 3: the body text (paragraphs joined) cut to 200 code points, then `...`."""
    body = "".join(paragraphs)
    if len(body) > SUMMARY_LENGTH:
        return body[:SUMMARY_LENGTH] + "..."
    return body


def lead_to_show(description: str | None, paragraphs: Sequence[str]) -> str | None:
    """The page's description, unless it is empty or the start of the first paragraph."""
    if not description:
        return None
    lead = clean_text(description)
    if not lead or (paragraphs and paragraphs[0].startswith(lead)):
        return None
    return lead


def render_text(paragraphs: Sequence[str], lead: str | None = None) -> str:
    """The whole article text: `摘要`, the summary, the lead if any, indented paragraphs."""
    blocks = ["摘要", summarize(paragraphs)]
    if lead:
        blocks.append(lead)
    blocks.extend(INDENT + paragraph for paragraph in paragraphs)
    return "\n\n".join(blocks) + "\n"
