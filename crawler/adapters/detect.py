"""Find the list on a page with no selectors: the repeated block of dated links.

Candidates are sibling ``li``/``dd``/``tr``/``div``/... elements sharing a tag+class signature
under one parent, found by walking up from every link; a list cut into several blocks (``ul`` of
five, a rule, ``ul`` of five) is also tried as one candidate, the blocks' members merged. Each
member is read as an item (its main link, the date it shows, the date in its URL) and each
candidate is scored by its size, the share of dated members, the length of its titles (news
titles run 10-40 characters, menu entries 2-6), the share of siblings holding a link and how
crowded with links a member is. The best wins; a candidate with no dates (shown or in its
URLs) on most members is never a list.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from selectolax.lexbor import LexborHTMLParser, LexborNode

from crawler.adapters.base import ListItem
from crawler.adapters.items import Reading, is_link_row, may_lead_somewhere, read_item, unique

ITEM_TAGS = frozenset({"li", "dd", "dt", "tr", "div", "p", "a", "article", "section", "h3", "h4"})
MAX_ITEM_DEPTH = 5  # how far above a link its item may be
MERGE_LEVELS = 2  # blocks of one list may share their grandparent or great-grandparent
# Classes that mark one member's state, not its kind: `<li class="first">`, `<tr class="odd">`.
STATE_CLASSES = frozenset(
    {"active", "on", "cur", "curr", "current", "first", "last", "odd", "even", "hover", "selected",
     "sel", "alt", "bg", "new", "hot", "top"}
)  # fmt: skip
NAV_WORDS = frozenset(
    {"首页", "更多", "更多>>", "more", "上一页", "下一页", "尾页", "末页", "返回", "返回顶部",
     "登录", "注册", "English", "EN"}
)  # fmt: skip
SHORT_TITLE = 5  # a "title" shorter than this is a menu entry
FULL_TITLE = 20  # titles this long or longer count fully
LINKS_PER_ITEM = 3  # more distinct links than this in a member: a container, not an item
MIN_DATED_SHARE = 0.5
MAX_SCORE_PER_MEMBER = 3.5  # 1 + 2 (shown dates) + 0.5 (URL dates), every other factor <= 1
SMALL_GROUP = 3  # candidates smaller than this must show a date on every member
_TRAILING_DIGITS = re.compile(r"\d+$")
_CSS_NAME = re.compile(r"-?[A-Za-z_][\w-]*")
_SKIPPED_ANCESTORS = (None, "html", "body", "-document")


@dataclass(frozen=True, slots=True)
class Detected:
    items: tuple[ListItem, ...]
    rule: str  # a CSS selector of the members, e.g. "div.news-list>dl>dd"
    score: float


def _own_classes(node: LexborNode) -> list[str]:
    return _kind_classes(node.attributes.get("class") or "")


def _kind_classes(classes: str) -> list[str]:
    """The names of a ``class`` attribute that are valid CSS names and no state class."""
    return [
        name
        for name in classes.split()
        if name.lower() not in STATE_CLASSES and _CSS_NAME.fullmatch(name)
    ]


@lru_cache(maxsize=1024)
def _signature(tag: str, classes: str) -> str:
    """``tag.class`` of a tag and its ``class`` attribute, trailing digits dropped."""
    names = sorted({_TRAILING_DIGITS.sub("", name) for name in _kind_classes(classes)})
    return "".join([tag, *("." + n for n in names)])


def describe(node: LexborNode, classes: list[str] | None = None) -> str:
    """A node as a CSS step: ``tag#id.class`` (the id only when it is a valid CSS name)."""
    ident = (node.attributes.get("id") or "").strip()
    own = f"#{ident}" if ident and _CSS_NAME.fullmatch(ident) else ""
    names = _own_classes(node) if classes is None else classes
    return (node.tag or "") + own + "".join("." + name for name in sorted(names))


@dataclass
class _Signatures:
    """``tag.class`` of nodes (state classes and trailing digits dropped), cached by node."""

    cache: dict[int, str] = field(default_factory=dict)

    def of(self, node: LexborNode) -> str:
        key = node.mem_id
        found = self.cache.get(key)
        if found is None:
            classes = node.attributes.get("class") or ""
            found = self.cache[key] = _signature(node.tag or "", classes)
        return found


def _ancestors(node: LexborNode, levels: int) -> list[LexborNode]:
    found: list[LexborNode] = []
    parent = node.parent
    while parent is not None and len(found) < levels and parent.tag not in _SKIPPED_ANCESTORS:
        found.append(parent)
        parent = parent.parent
    return found


def rule_of(members: list[LexborNode]) -> str:
    """``grandparent>parent>member``; the member step keeps the classes every member has."""
    common = set(_own_classes(members[0]))
    for member in members[1:]:
        common &= set(_own_classes(member))
    steps = [describe(members[0], sorted(common))]
    steps += [describe(node) for node in _ancestors(members[0], 2)]
    return ">".join(reversed(steps))


def candidate_groups(root: LexborNode, sigs: _Signatures) -> list[list[LexborNode]]:
    """Members by (parent, signature) walking up from every followable link, then the same
    blocks merged under a common grandparent or great-grandparent."""
    groups: dict[tuple[int, str], dict[int, LexborNode]] = defaultdict(dict)
    walked: dict[int, int] = {}  # node -> the least height above a link a walk passed it at
    for link in root.css("a"):
        if not may_lead_somewhere(link):
            continue
        node: LexborNode | None = link
        for height in range(MAX_ITEM_DEPTH):
            if node is None:
                break
            tag = node.tag
            key = node.mem_id
            if tag in _SKIPPED_ANCESTORS or walked.get(key, MAX_ITEM_DEPTH) <= height:
                break  # an earlier walk went on from this node as high or higher
            walked[key] = height
            parent = node.parent
            if parent is None:
                break
            if tag in ITEM_TAGS:
                groups[(parent.mem_id, sigs.of(node))].setdefault(key, node)
            node = parent
    blocks = [list(members.values()) for members in groups.values()]
    return blocks + _merged([block for block in blocks if len(block) > 1], sigs)


def _merged(blocks: list[list[LexborNode]], sigs: _Signatures) -> list[list[LexborNode]]:
    merged: dict[tuple[int, str], list[list[LexborNode]]] = defaultdict(list)
    for block in blocks:
        chain = _ancestors(block[0], MERGE_LEVELS + 1)
        path = sigs.of(block[0])
        for level, ancestor in enumerate(chain):
            if level >= 1:
                merged[(ancestor.mem_id, path)].append(block)
            path = sigs.of(ancestor) + ">" + path
    return [
        [member for block in parts for member in block]
        for parts in merged.values()
        if len(parts) > 1
    ]


def _siblings_alike(block: list[LexborNode], sigs: _Signatures) -> int:
    """How many siblings of the members share their signature (link or not: `<li>|</li>`)."""
    parents = {member.parent.mem_id: member.parent for member in block if member.parent}
    sig = sigs.of(block[0])
    count = 0
    for parent in parents.values():
        child = parent.child
        while child is not None:
            if child.tag == block[0].tag and sigs.of(child) == sig:
                count += 1
            child = child.next
    return max(count, len(block))


def _is_nav(reading: Reading, page_url: str) -> bool:
    """A menu entry, a pager word, a link to the page itself, or a row of links with no date
    (a column bar or pager row among the items of an old table layout)."""
    title = reading.title
    if len(title) < SHORT_TITLE or title in NAV_WORDS or reading.url == page_url:
        return True
    return is_link_row(reading)


@dataclass
class _Readings:
    """Members read once per page (merged candidates share members)."""

    base: str
    today: date
    cache: dict[int, Reading | None] = field(default_factory=dict)

    def of(self, member: LexborNode) -> Reading | None:
        key = member.mem_id
        if key not in self.cache:
            self.cache[key] = read_item(member, self.base, self.today)
        return self.cache[key]


def _dated_items(members: list[LexborNode], reader: _Readings) -> list[Reading] | None:
    """The readings of the members that are items, not navigation; None when fewer than
    ``MIN_DATED_SHARE`` of them are dated. Reading stops as soon as that share is out of reach,
    even were every member left a dated item: a menu of long entries is read only halfway."""
    real: list[Reading] = []
    dated = 0
    left = len(members)
    for member in members:
        left -= 1
        reading = reader.of(member)
        if reading is not None and not _is_nav(reading, reader.base):
            real.append(reading)
            dated += reading.visible_date or reading.url_dated
        if dated + left < MIN_DATED_SHARE * (len(real) + left):
            return None
    return real or None


def score_group(members: list[LexborNode], reader: _Readings, sigs: _Signatures) -> Detected | None:
    real = _dated_items(members, reader)
    if real is None:
        return None
    count = len(real)
    shown = sum(r.visible_date for r in real) / count
    in_url = sum(r.url_dated for r in real) / count
    if count < SMALL_GROUP and shown < 1:
        return None
    title_length = statistics.median(len(r.title) for r in real)
    crowd = sum(r.links for r in real) / count  # statistics.mean's, without its fractions
    score = (
        count
        * (1 + 2 * shown + 0.5 * in_url)
        * min(title_length, FULL_TITLE)
        / FULL_TITLE
        * count
        / _siblings_alike(members, sigs)
        * min(1.0, LINKS_PER_ITEM / crowd)
    )
    return Detected(unique(r.item for r in real), rule_of(members), score)


def detect_list(scope: LexborHTMLParser | LexborNode, base: str, today: date) -> Detected | None:
    """The best-scoring block of dated links in ``scope``, or None when there is none.

    Single members are tried only when no repeated block qualifies (the last page of a list
    may hold one item)."""
    root = scope.body if isinstance(scope, LexborHTMLParser) else scope
    if root is None:
        return None
    sigs = _Signatures()
    reader = _Readings(base, today)
    groups = sorted(candidate_groups(root, sigs), key=len, reverse=True)
    for single in (False, True):
        best: Detected | None = None
        for members in groups:
            if best is not None and len(members) * MAX_SCORE_PER_MEMBER < best.score:
                break  # sorted by size: no smaller candidate can score higher
            if (len(members) == 1) != single:
                continue
            found = score_group(members, reader, sigs)
            if found is not None and (best is None or found.score > best.score):
                best = found
        if best is not None:
            return best
    return None
