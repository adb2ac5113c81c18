"""Find the main text block of a page no rule was written for.

One bottom-up pass over the DOM computes, per element, its text length, link text length and
punctuation count. Every paragraph unit (a block without block children, or a run of text
between blocks and ``<br>``) scores ``1 + punctuation + min(length / 100, 3)`` when it holds
prose (Chinese punctuation, mostly not link text); the score goes to the element that holds
the unit, half of it one level up. Links are leaves (their text is link text).
An element's final score is its credit times ``1 - link density``. Readability's scheme with
Chinese punctuation (as GNE), linear in the size of the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from selectolax.lexbor import LexborNode

from crawler.normalize.blocks import BLOCK_TAGS

# Chinese prose punctuation only: URLs, dates and menus are full of ASCII `.:/`.
PUNCTUATION = re.compile(r"[，。；：！？、“”]")
CLAUSE_MARKS = frozenset("，。；！？")  # a unit without one is a label line (`地址：…`), not prose
MIN_UNIT_CHARS = 10
MAX_UNIT_BONUS = 3.0
MAX_UNIT_LINK_SHARE = 0.5  # a unit whose text is mostly links is navigation
PARENT_SHARE = 0.5
SIBLING_SHARE = 0.3  # siblings scoring this share of the best join it (a body split in two)


Stats = tuple[int, int, int, bool]  # characters, link characters, punctuation, has clause marks
_NO_TEXT: Stats = (0, 0, 0, False)


def unit_score(chars: int, links: int, punct: int, clauses: bool) -> float:
    """A paragraph unit's worth: prose with clause punctuation, mostly not link text."""
    prose = chars - links
    if not clauses or prose < MIN_UNIT_CHARS or links > chars * MAX_UNIT_LINK_SHARE:
        return 0.0
    return 1.0 + punct + min(prose / 100.0, MAX_UNIT_BONUS)


def _text_stats(text: str, in_link: bool) -> Stats:
    chars = len("".join(text.split()))
    if not chars:
        return 0, 0, 0, False
    marks = PUNCTUATION.findall(text)
    return chars, chars if in_link else 0, len(marks), not CLAUSE_MARKS.isdisjoint(marks)


class _Frame:
    """The tallies of one element while its children are read (an explicit stack, not
    recursion: broken pages nest thousands of unclosed elements)."""

    __slots__ = (
        "block",
        "chars",
        "children",
        "clauses",
        "credit",
        "has_block",
        "in_link",
        "links",
        "node",
        "punct",
        "run",
        "run_scores",
    )

    def __init__(self, node: LexborNode, in_link: bool, block: bool) -> None:
        self.node, self.in_link, self.block = node, in_link, block
        self.children = node.iter(include_text=True)
        self.chars = self.links = self.punct = 0
        self.clauses = self.has_block = False
        self.run: Stats = _NO_TEXT  # the open run of text directly in the element
        self.run_scores: list[float] = []
        self.credit = 0.0

    def add(self, sub: Stats, in_run: bool) -> None:
        self.chars, self.links, self.punct = (
            self.chars + sub[0],
            self.links + sub[1],
            self.punct + sub[2],
        )
        self.clauses = self.clauses or sub[3]
        if in_run:
            run = self.run
            self.run = (run[0] + sub[0], run[1] + sub[1], run[2] + sub[2], run[3] or sub[3])

    def take(self, sub: Stats, is_unit: bool, credit: float, block: bool, br: bool) -> None:
        """A child element's result; a block, `<br>` or inline element with blocks ends the run."""
        self.credit += credit
        in_run = is_unit and not block and not br
        if not in_run:
            self.run_scores.append(unit_score(*self.run))
            self.run = _NO_TEXT
            self.has_block = self.has_block or not br
            if is_unit and block:
                self.credit += unit_score(*sub)
        self.add(sub, in_run)

    def finish(self) -> tuple[Stats, bool]:
        """The element's totals, and whether it is itself a paragraph unit."""
        self.run_scores.append(unit_score(*self.run))
        totals = (self.chars, self.links, self.punct, self.clauses)
        if not self.has_block and sum(1 for score in self.run_scores if score) < 2:
            return totals, True
        self.credit += sum(self.run_scores)
        return totals, False


@dataclass(slots=True)
class _Walk:
    """One pass; remembers each scored element by its memory id."""

    scores: dict[int, float] = field(default_factory=dict)
    best: LexborNode | None = None
    best_score: float = 0.0

    def run(self, root: LexborNode) -> None:
        stack = [_Frame(root, False, True)]
        while stack:
            frame = stack[-1]
            child = next(frame.children, None)
            if child is None:
                stack.pop()
                totals, is_unit = frame.finish()
                credit = 0.0 if is_unit else self._record(frame)
                if stack:
                    stack[-1].take(totals, is_unit, credit, frame.block, br=False)
                continue
            tag = child.tag
            if tag == "-text":
                frame.add(_text_stats(child.text_content or "", frame.in_link), in_run=True)
            elif tag == "a":  # a link is a leaf: all its text is link text
                frame.add(_text_stats(child.text(), True), in_run=True)
            elif tag is not None and not tag.startswith("-"):  # not a comment
                block = tag in BLOCK_TAGS
                first = child.first_child
                if first is None:  # `<br>`, `<img>`, an empty element
                    frame.take(_NO_TEXT, True, 0.0, block, br=tag == "br")
                elif first.next is None and first.tag == "-text":  # one text child: a leaf
                    stats = _text_stats(first.text_content or "", frame.in_link)
                    frame.take(stats, True, 0.0, block, br=False)
                else:
                    stack.append(_Frame(child, frame.in_link, block))

    def _record(self, frame: _Frame) -> float:
        """Score an element that holds units; its credit for its parent."""
        if frame.credit and frame.chars:
            final = frame.credit * (1.0 - frame.links / frame.chars)
            self.scores[frame.node.mem_id] = final
            if final > self.best_score:
                self.best, self.best_score = frame.node, final
        return frame.credit * PARENT_SHARE


def main_text_nodes(root: LexborNode) -> list[LexborNode]:
    """The element holding the page's main text, with any sibling holding a share of it."""
    walk = _Walk()
    walk.run(root)
    best = walk.best
    if best is None:
        return []
    parent = best.parent
    if parent is None:
        return [best]
    threshold = walk.best_score * SIBLING_SHARE
    return [
        sibling
        for sibling in parent.iter()
        if sibling.mem_id == best.mem_id or walk.scores.get(sibling.mem_id, 0.0) >= threshold
    ]
