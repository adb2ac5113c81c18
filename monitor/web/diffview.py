"""The side-by-side diff of two versions for the screen: rows of an old and a new cell, each
cell a list of (kind, text) pieces that the template escapes. A changed clause shows what was
deleted on the left and what was inserted on the right, character by character."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from monitor.changes import VersionChange, summary
from monitor.diff import DiffOp, segments, shown_ops

Piece = tuple[Literal["same", "del", "ins"], str]
RowKind = Literal["equal", "added", "removed", "changed", "gap"]
ALL_CONTEXT = 1_000_000


@dataclass(frozen=True, slots=True)
class Cell:
    paragraph: int | None  # 1-based, in its own version
    pieces: list[Piece]


@dataclass(frozen=True, slots=True)
class Row:
    kind: RowKind
    old: Cell | None
    new: Cell | None


@dataclass(frozen=True, slots=True)
class SideBySide:
    rows: list[Row]
    title: Row | None
    files_added: list[tuple[str, str]] = field(default_factory=list)
    files_removed: list[tuple[str, str]] = field(default_factory=list)
    summary: str = ""
    counts: dict[str, int] = field(default_factory=dict)


def side_by_side(change: VersionChange, context: int = 2) -> SideBySide:
    """The rows to show: every change, ``context`` unchanged clauses around each (a gap row
    stands for those left out); ``context`` < 0 shows them all."""
    rows = [_row(op) for op in shown_ops(change.diff, ALL_CONTEXT if context < 0 else context)]
    title = _row(change.title_op()) if change.title_changed else None
    return SideBySide(
        rows=rows,
        title=title,
        files_added=list(change.added_attachments),
        files_removed=list(change.removed_attachments),
        summary=summary(change),
        counts=change.diff.counts,
    )


def _row(op: DiffOp | None) -> Row:
    if op is None:
        return Row("gap", None, None)
    old = Cell(op.old.paragraph + 1, [("same", op.old.text)]) if op.old else None
    new = Cell(op.new.paragraph + 1, [("same", op.new.text)]) if op.new else None
    if op.kind == "changed" and old is not None and new is not None:
        pieces = list(segments(op))
        old = Cell(old.paragraph, [p for p in pieces if p[0] != "ins"])
        new = Cell(new.paragraph, [p for p in pieces if p[0] != "del"])
    return Row(op.kind, old, new)
