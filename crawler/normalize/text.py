"""Text normalization and the rendering of the article text format (ARTICLE_FORMAT.md)."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence

SUMMARY_LENGTH = 200
INDENT = "  "

_COMMENT = re.compile(r"<!--.*?-->|<!--|-->", re.S)
# Markup printed as text by a broken template is dropped, text that only looks like it is kept
# (`<试行>`, `a<b`, `x<y且y>z`): a tag is a known HTML element name (or a Word `o:p`) with
# attributes written `name=value`, closed by `>`; or a declaration (`<!DOCTYPE html>`).
HTML_TAG_NAMES = (
    "a|abbr|address|area|article|aside|audio|b|base|bdi|bdo|big|blockquote|body|br|button|"
    "canvas|caption|center|cite|code|col|colgroup|dd|del|details|dfn|dialog|dir|div|dl|dt|em|"
    "embed|fieldset|figcaption|figure|font|footer|form|frame|frameset|h[1-6]|head|header|hr|"
    "html|i|iframe|img|input|ins|kbd|label|legend|li|link|main|map|mark|menu|meta|nav|nobr|"
    "noscript|object|ol|optgroup|option|p|param|pre|q|s|samp|script|section|select|small|"
    "source|span|strike|strong|style|sub|summary|sup|table|tbody|td|textarea|tfoot|th|thead|"
    "title|tr|tt|u|ul|var|video|wbr|xml|[a-z]+:[a-z][a-z0-9]*"
)
_ATTRIBUTES = r"""(?:\s+[a-zA-Z_:][-\w:.]*\s*=\s*(?:"[^"<>]*"|'[^'<>]*'|[^\s"'<>`]+))*"""


def tag_pattern(names: str) -> str:
    """A regular expression of a whole tag of these element names (``p|div``)."""
    return rf"</?(?:{names})(?![-\w:]){_ATTRIBUTES}\s*/?>"


_TAG = re.compile(tag_pattern(HTML_TAG_NAMES) + r"|<[!?][a-zA-Z][^<>]*>", re.I)
# A tag cut off at either end of a text node: `<p style=2jpg/` or `1jpg/>` or `<div class=`:
# a known element name with at least one `name=` attribute (its value ASCII, maybe unclosed).
_TAG_HEAD = re.compile(
    rf"</?(?:{HTML_TAG_NAMES})(?:\s+[a-zA-Z_:][-\w:.]*\s*=\s*"
    r"""(?:"[^"<>]*"?|'[^'<>]*'?|[!#-&(-;=?-_a-~]*))+""",
    re.I,
)
_TAG_TAIL = re.compile(r"[!-;=?-~]*/>|^[!-;=?-~]*[\"']\s*/?>")
# Bidirectional controls (LRM, RLM, embeddings, overrides, isolates): invisible, and a title
# with U+202E shows reversed in a mail client or a terminal. Dropped like the invisible ones.
BIDI_CONTROLS = "\u200e\u200f\u202a-\u202e\u2066-\u2069"
_INVISIBLE = re.compile(
    f"[\u200b\u200c\u200d\u2060\ufeff\u00ad\x00-\x08\x0e-\x1f\x7f-\x9f{BIDI_CONTROLS}]"
)
# A line break of the HTML source between two Chinese characters renders as nothing (CSS Text:
# segment breaks between East Asian wide characters are removed): `血\n管性` is `血管性`.
_CJK = "\u2e80-\u9fff\uf900-\ufaff“”‘’"
_CJK_LINE_BREAK = re.compile(f"(?<=[{_CJK}])[ \\t]*\\n\\s*(?=[{_CJK}])")


# The compatibility characters of Chinese text, each with its NFKD form: full-width
# `，：？！（）；`, ideographic and no-break spaces, `…`. A character and its NFKD form
# decompose alike, so replacing them first leaves NFKC's result as it was; and text without
# any other such character passes NFKC's quick check instead of being decomposed and composed
# again.
_COMMON_COMPATIBLE = tuple(
    (char, unicodedata.normalize("NFKD", char)) for char in "，：？！（）；\u3000\xa0…"
)


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, several times faster on Chinese text."""
    for char, plain in _COMMON_COMPATIBLE:
        if char in text:
            text = text.replace(char, plain)
    return unicodedata.normalize("NFKC", text)


def _clean_once(text: str) -> str:
    text = nfkc(html.unescape(text))
    if "<" in text or ">" in text:  # every markup pattern needs one of them
        text = _COMMENT.sub(" ", text)
        text = _TAG.sub(" ", text)
        text = _TAG_HEAD.sub(" ", text)
        text = _TAG_TAIL.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    if "\n" in text:
        text = _CJK_LINE_BREAK.sub("", text)
    return " ".join(text.split())


def _is_fixed_point(cleaned: str) -> bool:
    """Whether ``_clean_once`` would leave its own output unchanged: it has no entity, no
    markup and no text NFKC changes (its whitespace is already folded, its invisibles gone)."""
    return (
        "&" not in cleaned
        and "<" not in cleaned
        and ">" not in cleaned
        and unicodedata.is_normalized("NFKC", cleaned)
    )


def clean_text(text: str) -> str:
    """NFKC, entities decoded, markup fragments dropped, whitespace folded to single spaces.

    Repeated until it no longer changes anything, so that it is idempotent.
    """
    for _ in range(8):
        cleaned = _clean_once(text)
        if cleaned == text or _is_fixed_point(cleaned):
            return cleaned
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
