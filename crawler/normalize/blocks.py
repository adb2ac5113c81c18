"""A body container's DOM flattened into paragraphs, in reading order.

Block elements, ``<br>`` and leaked block markup (``</p><p>`` printed as text) end a paragraph;
inline elements flow into the current one. A table row is one paragraph of ``" | "``-joined
cells; layout tables (nested tables, one-cell rows, page-sized cells) are read as plain blocks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from selectolax.lexbor import LexborNode

from crawler.normalize.links import is_attachment_href
from crawler.normalize.text import clean_text, tag_pattern

BLOCK_TAGS = frozenset(
    (  # noqa: SIM905 (a word list reads better than 47 quoted strings)
        "address article aside blockquote body caption center dd details dialog dir div dl dt "
        "fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend li "
        "main menu nav ol p pre section summary table tbody td tfoot th thead tr ul"
    ).split()
)
TABLE_SECTIONS = frozenset({"tbody", "thead", "tfoot"})
CELL_TAGS = frozenset({"td", "th"})
CELL_SEPARATOR = " | "
# A cell longer than this holds a page region, not a datum: its table is a layout table.
MAX_DATA_CELL_CHARS = 500
# Block markup printed as text by a broken template: `</p><p>`, `<br/>`, `</div><div class=`.
_LEAKED_BLOCK = re.compile(tag_pattern("p|div|br|li|tr|td|h[1-6]|article|section"), re.I)


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One cleaned paragraph and what the furniture rules need to know about it."""

    text: str
    after_image: bool = False  # an image came before it, with no text in between
    link_only: bool = False  # all its text is the text of navigation links
    table_row: bool = False
    files_only: bool = False  # all its text is the text of links to files (an attachment run)


@dataclass(frozen=True, slots=True)
class HeadlineMark:
    """The headline by identity: its memory id and those of its ancestors.

    Taken before any element is removed, so that no removed node is ever touched again.
    """

    node: int
    ancestors: frozenset[int]

    @property
    def path(self) -> frozenset[int]:
        return self.ancestors | {self.node}

    @classmethod
    def of(cls, headline: LexborNode) -> HeadlineMark:
        ancestors: set[int] = set()
        parent = headline.parent
        while parent is not None:
            ancestors.add(parent.mem_id)
            parent = parent.parent
        return cls(headline.mem_id, frozenset(ancestors))


_Step = tuple[LexborNode | None, str | None, str]  # node, link kind, closing tag (or "")


class _Flattener:
    """Walks a subtree once, emitting a Paragraph at every block boundary.

    An explicit stack, not recursion: broken pages nest thousands of unclosed elements.
    """

    def __init__(self, skip_to: HeadlineMark | None = None) -> None:
        self.paragraphs: list[Paragraph] = []
        self._parts: list[str] = []
        self._chars = 0
        self._link_chars = 0
        self._file_chars = 0
        self._image_seen = False
        self._pre = 0
        # Content up to and including the headline is the title block, not body.
        self._skip_id = skip_to.node if skip_to is not None else None
        self._skip_path = skip_to.ancestors if skip_to is not None else frozenset()

    def run(self, nodes: Iterable[LexborNode]) -> list[Paragraph]:
        stack: list[_Step] = [(node, None, "") for node in reversed(list(nodes))]
        while stack:
            node, link, closing = stack.pop()
            if node is None:
                self._pre -= closing == "pre"
                self._flush()
            else:
                self._step(node, link, stack)
        self._flush()
        return self.paragraphs

    def _step(self, node: LexborNode, link: str | None, stack: list[_Step]) -> None:
        tag = node.tag
        if tag == "-text":
            if self._skip_id is None:
                self._add_text(node.text_content or "", link)
            return
        if tag is None or tag.startswith("-") or self._skipped(node):
            return
        children: list[LexborNode] = []
        if tag == "br":
            self._flush()
        elif tag == "img":
            self._image_seen = True
        elif tag == "table":
            self._flush()
            children = self._table(node)
            stack.append((None, None, tag))
        elif tag in BLOCK_TAGS:
            self._flush()
            self._pre += tag == "pre"
            stack.append((None, None, tag))
            children = list(node.iter(include_text=True))
        else:
            if tag == "a" and link is None:
                href = node.attributes.get("href") or ""
                link = "file" if is_attachment_href(href) else "nav" if href else None
            children = list(node.iter(include_text=True))
        stack.extend((child, link, "") for child in reversed(children))

    def _skipped(self, node: LexborNode) -> bool:
        """While looking for the headline: skip what does not lead to it; drop the headline."""
        if self._skip_id is None:
            return False
        node_id = node.mem_id
        if node_id == self._skip_id:
            self._skip_id = None
            self._parts, self._chars, self._link_chars, self._file_chars = [], 0, 0, 0
            self._image_seen = False
            return True
        return node_id not in self._skip_path

    def _add_text(self, text: str, link: str | None) -> None:
        if self._pre and "\n" in text:
            lines = text.split("\n")
            for line in lines[:-1]:
                self._add_text(line, link)
                self._flush()
            text = lines[-1]
        self._parts.append(text)
        visible = len("".join(text.split()))
        self._chars += visible
        if link == "nav":
            self._link_chars += visible
        elif link == "file":
            self._file_chars += visible

    def _flush(self) -> None:
        if not self._parts:
            return
        raw = "".join(self._parts)
        link_only = self._chars > 0 and self._link_chars >= self._chars
        files_only = self._chars > 0 and self._file_chars >= self._chars
        self._parts, self._chars, self._link_chars, self._file_chars = [], 0, 0, 0
        pieces = _LEAKED_BLOCK.split(raw) if "<" in raw else [raw]
        for piece in pieces:
            text = clean_text(piece)
            if text:
                self.paragraphs.append(
                    Paragraph(text, self._image_seen, link_only, files_only=files_only)
                )
                self._image_seen = False

    def _table(self, table: LexborNode) -> list[LexborNode]:
        """Emit a data table's rows; a layout table's caption and rows are returned to walk."""
        captions = [child for child in table.iter() if child.tag == "caption"]
        rows = list(_table_rows(table))
        if self._skip_id is not None or _is_layout_table([cells for _, cells in rows]):
            return captions + [row for row, _ in rows]
        for caption in captions:
            self.paragraphs.extend(_Flattener().run([caption]))
        for _, cells in rows:
            texts = [cell_text(cell) for cell in cells]
            if any(texts):
                row_text = clean_text(CELL_SEPARATOR.join(texts))
                self.paragraphs.append(Paragraph(row_text, table_row=True))
        return []


def _table_rows(table: LexborNode) -> Iterable[tuple[LexborNode, list[LexborNode]]]:
    """The table's own rows (not those of nested tables), each with its cells."""
    for child in table.iter():
        sections = [child] if child.tag == "tr" else []
        if child.tag in TABLE_SECTIONS:
            sections = [row for row in child.iter() if row.tag == "tr"]
        for row in sections:
            yield row, [cell for cell in row.iter() if cell.tag in CELL_TAGS]


def _is_layout_table(rows: list[list[LexborNode]]) -> bool:
    """Rows of single cells, nested tables or page-sized cells: the table only lays out blocks."""
    if all(len(cells) < 2 for cells in rows):
        return True
    return any(
        cell.css_first("table") is not None or len(cell.text()) > MAX_DATA_CELL_CHARS
        for cells in rows
        for cell in cells
    )


def cell_text(cell: LexborNode) -> str:
    """A table cell's paragraphs joined by spaces."""
    return " ".join(p.text for p in _Flattener().run(cell.iter(include_text=True)))


def flatten(nodes: Iterable[LexborNode], skip_to: HeadlineMark | None = None) -> list[Paragraph]:
    """The paragraphs of ``nodes`` in document order; with ``skip_to``, only those after it."""
    return _Flattener(skip_to).run(nodes)
