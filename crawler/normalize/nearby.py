"""Visible text near a node: the bounded window after a headline or around a field label.

A window is one string: ``\\n`` between blocks (``div``, ``p``, ``td``, ``br`` ...), ``\\t`` where
the page puts a gap of two or more spaces (``&nbsp;&nbsp;`` between fields), ``NODE_JOIN``
(U+001F, whitespace to ``\\s`` and ``str.strip``) between two text nodes of one line, so that
``<span>作者:张三</span><span>来源:新华社</span>`` keeps its field boundary. It is
NFKC-normalized, so ``：`` reads ``:``. Walking stops after ``max_chars`` characters or a fixed
number of nodes, so a window never costs more than a small page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from selectolax.lexbor import LexborHTMLParser, LexborNode

from crawler.normalize.text import nfkc

BLOCK_TAGS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "br", "center", "dd", "div", "dl", "dt"),
        *("figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header"),
        *("hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot"),
        *("th", "thead", "tr", "ul"),
    }
)
SKIP_TAGS = frozenset(
    {
        *("script", "style", "noscript", "template", "select", "option", "textarea", "iframe"),
        *("svg", "head", "title", "object"),
    }
)
HIDDEN_CLASSES = frozenset({"hide", "hidden", "sr-only"})
MAX_NODES = 600
NODE_JOIN = "\x1f"

_LINE_BREAK = re.compile(r"\s*\n\s*")
_GAP = re.compile(r"[ \t\f\v\r]{2,}")
_MANY_BREAKS = re.compile(r"[ \t\x1f]*\n\s*")
_MANY_GAPS = re.compile(r"[ \x1f]*\t[ \t\x1f]*")
_MANY_JOINS = re.compile(r" *\x1f[ \x1f]*")
_MANY_SPACES = re.compile(r" {2,}")


def is_hidden(node: LexborNode) -> bool:
    """Whether an element hides itself (inline ``display:none``, ``hidden``, class ``hide``)."""
    attrs = node.attributes
    if not attrs:
        return False
    if "hidden" in attrs:
        return True
    style = (attrs.get("style") or "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    classes = attrs.get("class")
    return classes is not None and not HIDDEN_CLASSES.isdisjoint(classes.split())


def _normalize_text_node(text: str) -> str:
    text = nfkc(text)
    if "\n" in text:
        text = _LINE_BREAK.sub(" ", text)
    return _GAP.sub("\t", text)


def _leave(node: LexborNode, parts: list[str], boundary: int | None = None) -> LexborNode | None:
    """The node after ``node``'s subtree in document order, noting the blocks it closes;
    None past the end of the page or of the ``boundary`` node (a ``mem_id``)."""
    current: LexborNode | None = node
    tag = node.tag
    while current is not None:
        if tag in BLOCK_TAGS:
            parts.append("\n")
        if boundary is not None and current.mem_id == boundary:
            return None
        following = current.next
        if following is not None:
            return following
        current = current.parent
        tag = current.tag if current is not None else None
        if tag in ("body", "html"):
            return None
    return None


def window(start: LexborNode, *, include_start: bool, max_chars: int, within: bool = False) -> str:
    """The visible text from ``start`` (or just after it) on, up to about ``max_chars``;
    with ``within``, only the text inside ``start``."""
    parts: list[str] = []
    size = 0
    boundary = start.mem_id if within else None
    node: LexborNode | None = start if include_start else _leave(start, parts)
    for _ in range(MAX_NODES):
        if node is None or size >= max_chars:
            break
        if node.is_text_node:
            text = _normalize_text_node(node.text_content or "")
            parts.append(text)
            parts.append(NODE_JOIN)
            size += len(text.strip())
            node = _leave(node, parts, boundary)
        elif node.is_element_node:
            tag = node.tag
            if tag in SKIP_TAGS or is_hidden(node):
                node = _leave(node, parts, boundary)
                continue
            if tag in BLOCK_TAGS:
                parts.append("\n")
            child = node.child
            node = child if child is not None else _leave(node, parts, boundary)
        else:
            node = _leave(node, parts, boundary)
    return tidy("".join(parts))


def previous_element(node: LexborNode, levels: int = 2) -> LexborNode | None:
    """The element just before ``node``, or before its parent (up to ``levels`` up)."""
    current: LexborNode | None = node
    for _ in range(levels + 1):
        if current is None:
            return None
        sibling = current.prev
        while sibling is not None and not sibling.is_element_node:
            sibling = sibling.prev
        while sibling is not None and (sibling.tag in SKIP_TAGS or is_hidden(sibling)):
            sibling = sibling.prev
            while sibling is not None and not sibling.is_element_node:
                sibling = sibling.prev
        if sibling is not None:
            return sibling
        current = current.parent
        if current is None or current.tag in ("body", "html"):
            return None
    return None


def tidy(text: str) -> str:
    """Fold the separators of a window: one ``\\n`` per block break, one ``\\t`` per gap."""
    text = _MANY_BREAKS.sub("\n", text)
    text = _MANY_GAPS.sub("\t", text)
    text = _MANY_JOINS.sub(NODE_JOIN, text)
    return _MANY_SPACES.sub(" ", text).strip()


def labelled_windows(tree: LexborHTMLParser, keyword: str, max_chars: int) -> Iterator[str]:
    """Windows starting at each visible element whose own text holds ``keyword`` (a word).

    Only the body is searched: outside it are ``<head>`` (skipped, and its scripts and styles
    are often most of a page's text) and the whitespace between ``<head>`` and ``<body>``.
    """
    body = tree.body
    if not keyword or '"' in keyword or "\\" in keyword or body is None:
        return
    for node in body.css(f':lexbor-contains("{keyword}")'):
        if node.tag in SKIP_TAGS or _in_skipped(node):
            continue
        yield window(node, include_start=True, max_chars=max_chars)


def _in_skipped(node: LexborNode) -> bool:
    current = node.parent
    for _ in range(12):
        if current is None:
            return False
        if current.tag in SKIP_TAGS or (current.is_element_node and is_hidden(current)):
            return True
        current = current.parent
    return False
