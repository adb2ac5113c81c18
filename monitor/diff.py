"""Clause diffs between two versions of a directive's text: pure functions, no I/O.

The texts are lists of paragraphs, NFKC-normalized as in ARTICLE_FORMAT.md. Each paragraph is
split into clauses at Chinese sentence ends (``。`` and ``!?;``, which is what NFKC makes of
``！？；``) and at line ends; a clause keeps its delimiter, and a closing quote or bracket right
after it (``。”``). Clauses are aligned with ``difflib.SequenceMatcher``; a removed clause and an
added clause that are similar enough become one *changed* clause, whose changed characters are
marked by character spans. Renderings: plain text, inline-styled HTML, and JSON.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from html import escape
from typing import Any, Literal

OpKind = Literal["equal", "added", "removed", "changed"]

CHANGE_RATIO = 0.5
"""A removed and an added clause whose character ratio reaches this are one changed clause."""

# A run of sentence ends, then closing quotes/brackets and spaces; or a bare line end. ASCII
# `!?;` inside an ASCII token (`a.html?id=3`) are not sentence ends.
_CLAUSE_END = re.compile(
    r"(?:[。！？；]|(?<![A-Za-z0-9])[!?;]|[!?;](?![A-Za-z0-9=&]))+[”’」』)）】〕 ]*\n?|\n"
)
# Pairing clauses inside a differing block costs |old| x |new| ratios; above this, pair greedily.
_FULL_PAIRING_LIMIT = 400
_GREEDY_WINDOW = 8
# An unchanged run this short between two edits is folded into them (cleaner marks).
_SHORT_EQUAL_RUN = 2
_WORD_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True, slots=True)
class Clause:
    """A clause and the index of the paragraph it belongs to, in its own version."""

    text: str
    paragraph: int


@dataclass(frozen=True, slots=True)
class CharSpan:
    """Inside a changed clause: ``old[old_start:old_end]`` became ``new[new_start:new_end]``."""

    old_start: int
    old_end: int
    new_start: int
    new_end: int


@dataclass(frozen=True, slots=True)
class DiffOp:
    """One clause of the diff; ``old`` is None for an added clause, ``new`` for a removed one."""

    kind: OpKind
    old: Clause | None
    new: Clause | None
    spans: tuple[CharSpan, ...] = ()


@dataclass(frozen=True, slots=True)
class TextDiff:
    """The ordered clause operations that turn the old text into the new one.

    Clauses compare by their text; a paragraph break that only moved is not a change (each
    clause still carries its paragraph index in both versions)."""

    ops: tuple[DiffOp, ...]

    def count(self, kind: OpKind) -> int:
        return sum(1 for op in self.ops if op.kind == kind)

    @property
    def counts(self) -> dict[str, int]:
        kinds: tuple[OpKind, ...] = ("added", "removed", "changed", "equal")
        return {("unchanged" if kind == "equal" else kind): self.count(kind) for kind in kinds}

    @property
    def is_empty(self) -> bool:
        return all(op.kind == "equal" for op in self.ops)

    def to_text(self, context: int = 1) -> str:
        return render_text(self, context)

    def to_html(self, context: int = 1) -> str:
        return render_html(self, context)

    def to_json(self, include_unchanged: bool = False) -> dict[str, Any]:
        return diff_to_json(self, include_unchanged)


# --- splitting -----------------------------------------------------------------------------


def split_clauses(paragraphs: Sequence[str]) -> list[Clause]:
    """Clauses of the paragraphs, in order; their texts concatenate back to each paragraph."""
    if isinstance(paragraphs, str):
        raise TypeError("expected a list of paragraphs, got one string (use diff_text)")
    clauses: list[Clause] = []
    for index, paragraph in enumerate(paragraphs):
        if not isinstance(paragraph, str):
            raise TypeError(f"paragraph {index} is {type(paragraph).__name__}, expected str")
        start = 0
        for end_match in _CLAUSE_END.finditer(paragraph):
            clauses.append(Clause(paragraph[start : end_match.end()], index))
            start = end_match.end()
        if start < len(paragraph):
            clauses.append(Clause(paragraph[start:], index))
    return clauses


# --- alignment -----------------------------------------------------------------------------


def diff_paragraphs(
    old: Sequence[str], new: Sequence[str], change_ratio: float = CHANGE_RATIO
) -> TextDiff:
    """The clause diff from the old paragraphs to the new ones."""
    old_clauses, new_clauses = split_clauses(old), split_clauses(new)
    old_texts = [clause.text for clause in old_clauses]
    new_texts = [clause.text for clause in new_clauses]
    head = _common_prefix(old_texts, new_texts)
    tail = _common_prefix(old_texts[head:][::-1], new_texts[head:][::-1])
    ops = [DiffOp("equal", old_clauses[i], new_clauses[i]) for i in range(head)]
    old_end, new_end = len(old_clauses) - tail, len(new_clauses) - tail
    matcher = SequenceMatcher(None, old_texts[head:old_end], new_texts[head:new_end], False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        olds = old_clauses[head + i1 : head + i2]
        news = new_clauses[head + j1 : head + j2]
        if tag == "equal":
            ops.extend(DiffOp("equal", a, b) for a, b in zip(olds, news, strict=True))
        else:
            ops.extend(_pair_block(olds, news, change_ratio))
    ops.extend(
        DiffOp("equal", old_clauses[old_end + k], new_clauses[new_end + k]) for k in range(tail)
    )
    return TextDiff(tuple(ops))


def diff_text(old: str, new: str, change_ratio: float = CHANGE_RATIO) -> TextDiff:
    """The clause diff of two whole texts, one paragraph per line."""
    return diff_paragraphs(old.split("\n"), new.split("\n"), change_ratio)


def _common_prefix(a: Sequence[str], b: Sequence[str]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _pair_block(olds: list[Clause], news: list[Clause], cutoff: float) -> list[DiffOp]:
    """Removed and added clauses of one differing block, similar pairs made changed clauses."""
    if not olds or not news:
        return _unpaired(olds, news)
    if len(olds) * len(news) <= _FULL_PAIRING_LIMIT:
        return _pair_best_first(olds, news, cutoff)
    return _pair_greedy(olds, news, cutoff)


def _unpaired(olds: Sequence[Clause], news: Sequence[Clause]) -> list[DiffOp]:
    return [DiffOp("removed", c, None) for c in olds] + [DiffOp("added", None, c) for c in news]


def _pair_best_first(olds: list[Clause], news: list[Clause], cutoff: float) -> list[DiffOp]:
    """Pair the most similar clauses first, then recurse on both sides (as difflib.Differ)."""
    best = _most_similar(olds, news, cutoff)
    if best is None:
        return _unpaired(olds, news)
    i, j = best
    return [
        *_pair_block(olds[:i], news[:j], cutoff),
        _changed(olds[i], news[j]),
        *_pair_block(olds[i + 1 :], news[j + 1 :], cutoff),
    ]


def _most_similar(olds: list[Clause], news: list[Clause], cutoff: float) -> tuple[int, int] | None:
    best_ratio, best_pair = cutoff, None
    matcher = SequenceMatcher(None, autojunk=False)
    for j, new in enumerate(news):
        matcher.set_seq2(new.text)
        for i, old in enumerate(olds):
            matcher.set_seq1(old.text)
            bar = best_ratio if best_pair is None else best_ratio + 1e-9
            if matcher.real_quick_ratio() < bar or matcher.quick_ratio() < bar:
                continue
            ratio = matcher.ratio()
            if ratio >= bar:
                best_ratio, best_pair = ratio, (i, j)
    return best_pair


def _pair_greedy(olds: list[Clause], news: list[Clause], cutoff: float) -> list[DiffOp]:
    """Linear pairing for large blocks: each old clause looks a few new clauses ahead."""
    ops: list[DiffOp] = []
    next_new = 0
    for old in olds:
        window = range(next_new, min(len(news), next_new + _GREEDY_WINDOW))
        found = next((j for j in window if _similar(old.text, news[j].text, cutoff)), None)
        if found is None:
            ops.append(DiffOp("removed", old, None))
            continue
        ops.extend(DiffOp("added", None, c) for c in news[next_new:found])
        ops.append(_changed(old, news[found]))
        next_new = found + 1
    ops.extend(DiffOp("added", None, c) for c in news[next_new:])
    return ops


def _similar(a: str, b: str, cutoff: float) -> bool:
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return (
        matcher.real_quick_ratio() >= cutoff
        and matcher.quick_ratio() >= cutoff
        and matcher.ratio() >= cutoff
    )


def _changed(old: Clause, new: Clause) -> DiffOp:
    return DiffOp("changed", old, new, char_spans(old.text, new.text))


def char_spans(old: str, new: str) -> tuple[CharSpan, ...]:
    """The changed character spans from ``old`` to ``new``.

    Short unchanged gaps between edits are folded in, and a span that cuts through a number or
    a Latin word is widened to the whole of it (``[-2023-]{+2024+}``, not ``202[-3-]{+4+}``).
    """
    codes = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    spans: list[CharSpan] = []
    for index, (tag, i1, i2, j1, j2) in enumerate(codes):
        if tag != "equal" or _absorbed(codes, index):
            _append_merged(spans, CharSpan(i1, i2, j1, j2))
    widened: list[CharSpan] = []
    for index, span in enumerate(spans):
        low = widened[-1].old_end if widened else 0
        high = spans[index + 1].old_start if index + 1 < len(spans) else len(old)
        _append_merged(widened, _widen(span, old, new, low, high))
    return tuple(widened)


def _append_merged(spans: list[CharSpan], span: CharSpan) -> None:
    if spans and spans[-1].old_end == span.old_start and spans[-1].new_end == span.new_start:
        last = spans.pop()
        span = CharSpan(last.old_start, span.old_end, last.new_start, span.new_end)
    spans.append(span)


def _widen(span: CharSpan, old: str, new: str, low: int, high: int) -> CharSpan:
    """Grow the span over the unchanged word characters it touches, between low and high."""
    o1, o2, n1, n2 = span.old_start, span.old_end, span.new_start, span.new_end
    starts_in_word = (o2 > o1 and _word_at(old, o1)) or (n2 > n1 and _word_at(new, n1))
    ends_in_word = (o2 > o1 and _word_at(old, o2 - 1)) or (n2 > n1 and _word_at(new, n2 - 1))
    if starts_in_word:
        while o1 > low and _word_at(old, o1 - 1):
            o1, n1 = o1 - 1, n1 - 1
    if ends_in_word:
        while o2 < high and _word_at(old, o2):
            o2, n2 = o2 + 1, n2 + 1
    return CharSpan(o1, o2, n1, n2)


def _word_at(text: str, index: int) -> bool:
    return 0 <= index < len(text) and text[index] in _WORD_CHARS


def _absorbed(codes: Sequence[tuple[str, int, int, int, int]], index: int) -> bool:
    """An equal run of at most 2 characters between two longer edits is marked with them."""
    if index == 0 or index == len(codes) - 1:
        return False
    _, i1, i2, _, _ = codes[index]
    if i2 - i1 > _SHORT_EQUAL_RUN:
        return False
    before, after = codes[index - 1], codes[index + 1]
    edit_size = min(
        max(before[2] - before[1], before[4] - before[3]),
        max(after[2] - after[1], after[4] - after[3]),
    )
    return i2 - i1 < edit_size


# --- renderings ----------------------------------------------------------------------------


def segments(op: DiffOp) -> Iterator[tuple[Literal["same", "del", "ins"], str]]:
    """The pieces of a changed clause, in reading order: unchanged, deleted, inserted text."""
    assert op.old is not None and op.new is not None
    old, new = op.old.text, op.new.text
    position = 0
    for span in op.spans:
        if span.old_start > position:
            yield "same", old[position : span.old_start]
        if span.old_end > span.old_start:
            yield "del", old[span.old_start : span.old_end]
        if span.new_end > span.new_start:
            yield "ins", new[span.new_start : span.new_end]
        position = span.old_end
    if position < len(old):
        yield "same", old[position:]


def shown_ops(diff: TextDiff, context: int) -> Iterator[DiffOp | None]:
    """The ops to show: every change and ``context`` unchanged clauses around it; None = a gap."""
    return _shown(diff, context)


def _shown(diff: TextDiff, context: int) -> Iterator[DiffOp | None]:
    """The ops to show: every change and ``context`` unchanged clauses around it; None = a gap."""
    changes = [i for i, op in enumerate(diff.ops) if op.kind != "equal"]
    if not changes:
        return
    keep = {k for i in changes for k in range(i - context, i + context + 1)}
    skipping = False
    for index, op in enumerate(diff.ops):
        if index in keep:
            skipping = False
            yield op
        elif not skipping:
            skipping = True
            yield None


def _line(text: str) -> str:
    return text.rstrip("\n").replace("\n", " ")


def render_text(diff: TextDiff, context: int = 1) -> str:
    """Unified-like text: ``- `` removed, ``+ `` added, ``~ `` changed (``[-old-]{+new+}``)."""
    lines: list[str] = []
    for op in _shown(diff, context):
        if op is None:
            lines.append("  …")
        elif op.kind == "equal":
            lines.append("  " + _line(_text_of(op.new)))
        elif op.kind == "removed":
            lines.append("- " + _line(_text_of(op.old)))
        elif op.kind == "added":
            lines.append("+ " + _line(_text_of(op.new)))
        else:
            marks = {"same": "{}", "del": "[-{}-]", "ins": "{{+{}+}}"}
            lines.append("~ " + _line("".join(marks[k].format(t) for k, t in segments(op))))
    return "".join(line + "\n" for line in lines)


def _text_of(clause: Clause | None) -> str:
    assert clause is not None
    return clause.text


_STYLE = {
    "box": "font-family:sans-serif;font-size:14px;line-height:1.7;color:#222;",
    "equal": "margin:0;padding:1px 6px;color:#666;",
    "gap": "margin:0;padding:1px 6px;color:#999;",
    "removed": "margin:0;padding:1px 6px;background:#fff0f0;",
    "added": "margin:0;padding:1px 6px;background:#f0fff0;",
    "changed": "margin:0;padding:1px 6px;background:#fffbe6;",
    "del": "background:#fdd;color:#a00;text-decoration:line-through;",
    "ins": "background:#dfd;color:#060;text-decoration:none;",
}


def render_html(diff: TextDiff, context: int = 1) -> str:
    """An HTML fragment with inline styles only; every piece of page text is escaped."""
    rows: list[str] = []
    for op in _shown(diff, context):
        if op is None:
            rows.append(f'<p style="{_STYLE["gap"]}">…</p>')
            continue
        if op.kind == "equal":
            body = escape(_line(_text_of(op.new)))
        elif op.kind == "removed":
            body = _tag("del", _line(_text_of(op.old)))
        elif op.kind == "added":
            body = _tag("ins", _line(_text_of(op.new)))
        else:
            body = "".join(
                escape(_line(t)) if k == "same" else _tag(k, _line(t)) for k, t in segments(op)
            )
        rows.append(f'<p style="{_STYLE[op.kind]}">{body}</p>')
    if not rows:
        return ""
    return f'<div style="{_STYLE["box"]}">\n' + "\n".join(rows) + "\n</div>\n"


def _tag(name: Literal["del", "ins"], text: str) -> str:
    return f'<{name} style="{_STYLE[name]}">{escape(text)}</{name}>'


def diff_to_json(diff: TextDiff, include_unchanged: bool = False) -> dict[str, Any]:
    """A JSON-ready dict: counts, and the ops (unchanged ones only when asked)."""
    ops = [op for op in diff.ops if include_unchanged or op.kind != "equal"]
    return {"counts": diff.counts, "ops": [_op_json(op) for op in ops]}


def _op_json(op: DiffOp) -> dict[str, Any]:
    item: dict[str, Any] = {
        "kind": op.kind,
        "old": op.old.text if op.old else None,
        "new": op.new.text if op.new else None,
        "old_paragraph": op.old.paragraph if op.old else None,
        "new_paragraph": op.new.paragraph if op.new else None,
    }
    if op.kind == "changed":
        assert op.old is not None and op.new is not None
        item["spans"] = [
            {
                "old": [s.old_start, s.old_end],
                "new": [s.new_start, s.new_end],
                "removed": op.old.text[s.old_start : s.old_end],
                "added": op.new.text[s.new_start : s.new_end],
            }
            for s in op.spans
        ]
    return item
