"""What a fixture site holds: columns and articles, with the values a crawler should extract."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

Row = tuple[str, ...]
Table = tuple[Row, ...]
Block = str | Table
"""A body block: a paragraph, or a table given as rows of cells (the first row is the header)."""

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """NFKC, every kind of space folded to one ASCII space, trimmed: how expected text compares."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).replace("\xa0", " ")).strip()


def block_paragraphs(block: Block) -> list[str]:
    """The paragraphs a block becomes: itself, or one per table row with cells joined by ` | `."""
    if isinstance(block, str):
        text = fold(block)
        return [text] if text else []
    return [" | ".join(fold(cell) for cell in row) for row in block]


def as_blocks(paragraphs: object) -> tuple[Block, ...]:
    """Check and freeze a body given as strings and tables (sequences of sequences of str)."""
    if isinstance(paragraphs, str) or not isinstance(paragraphs, list | tuple):
        raise TypeError("paragraphs must be a list of strings and tables (lists of rows)")
    blocks: list[Block] = []
    for item in paragraphs:
        if isinstance(item, str):
            blocks.append(item)
        elif isinstance(item, list | tuple) and all(isinstance(row, list | tuple) for row in item):
            blocks.append(tuple(tuple(str(cell) for cell in row) for row in item))
        else:
            raise TypeError(f"a body block must be a str or a table of rows, not {item!r}")
    if not any(block_paragraphs(block) for block in blocks):
        raise ValueError("an article needs at least one non-empty paragraph")
    return tuple(blocks)


@dataclass(frozen=True, slots=True)
class FixtureAttachment:
    """A linked file: ``name`` is the link text, ``path`` the site-relative URL path."""

    name: str
    path: str


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One column (栏目) of a site, as data. ``number`` is the CMS's id of the column
    (Hanweb ``col<number>``, JSON platform ``c<number>``), ``unit`` Hanweb's unitid,
    ``channel`` the JSON platform's 32-hex channelId, ``style`` the list markup variant."""

    key: str
    name: str
    category: str
    path: str
    style: str = "default"
    number: int = 0
    unit: int = 0
    channel: str = ""
    date_format: str = "%Y-%m-%d"
    file_ratio: float = 0.0


@dataclass(frozen=True, slots=True)
class FixtureArticle:
    """One article as published (immutable: ``revise`` makes a new version).

    ``is_file`` articles are list items linking straight to a PDF at ``path``; they have no page.
    ``encoding``/``declared_charset`` override the site's for one page (a page that lies).
    """

    id: int
    column: str
    title: str
    date: datetime
    blocks: tuple[Block, ...]
    source: str
    path: str
    document_number: str | None = None
    description: str | None = None
    attachments: tuple[FixtureAttachment, ...] = ()
    images: tuple[str, ...] = ()
    is_file: bool = False
    encoding: str | None = None
    declared_charset: str | None = None
    editor: str = ""
    version: int = 1
    extras: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def paragraphs(self) -> list[str]:
        """The body paragraphs a normalizer should extract (folded; table rows as ` | ` rows)."""
        if self.is_file:
            return [f"附件: {fold(self.title)}"]
        return [text for block in self.blocks for text in block_paragraphs(block)]

    @property
    def published_at(self) -> str:
        """ISO 8601 with the +08:00 offset as the page shows it; a file item's list shows a date."""
        return self.date.date().isoformat() if self.is_file else self.date.isoformat()

    @property
    def lead(self) -> str | None:
        """The description, unless empty or the start of the first paragraph (format rule 3)."""
        if not self.description:
            return None
        lead = fold(self.description)
        paragraphs = self.paragraphs
        if not lead or (paragraphs and paragraphs[0].startswith(lead)):
            return None
        return lead

    def expected(self, base_url: str) -> dict[str, Any]:
        """The fields an extractor should produce for this article, URLs made absolute."""
        base = base_url.rstrip("/")
        attachments = [{"name": fold(a.name), "url": base + a.path} for a in self.attachments]
        if self.is_file:
            attachments = [{"name": fold(self.title), "url": base + self.path}]
        return {
            "url": base + self.path,
            "title": fold(self.title),
            "published_at": self.published_at,
            "source": None if self.is_file else fold(self.source),
            "document_number": self.document_number,
            "lead": self.lead,
            "paragraphs": self.paragraphs,
            "attachments": attachments,
            "images": [base + path for path in self.images],
        }
