"""The headline: the visible node whose text the ``ArticleTitle`` meta or ``<title>`` names.

The meta tags and ``<title>`` are hints: stripped of the site name around them, their text is
looked for in the page's text nodes (short probes, one pass), and the element that
shows it, best an ``h1``, wins. Without a hint that the page shows, the best-looking heading
wins; without any, the stripped hint itself; without that, the page has no title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborNode

from crawler.normalize.model import ExtractionError, ExtractionRules
from crawler.normalize.nearby import SKIP_TAGS, is_hidden
from crawler.normalize.page import Page
from crawler.normalize.text import clean_text, nfkc

TITLE_METAS = ("ArticleTitle", "og:title", "twitter:title", "title", "headline")
SITE_NAME_METAS = ("SiteName", "og:site_name", "application-name")
HEADING_SELECTOR = (
    "h1, h2, h3, [class*=title], [class*=Title], [class*=TITLE], [id*=title], [id*=Title], "
    "[class*=biaoti], [class*=headline], [class~=bt], [class$=_bt], [class$=-bt], [class~=tit]"
)
TITLE_CLASS = re.compile(r"title|biaoti|headline|(?:^|[\s_-])(?:bt|tit)(?:$|[\s_-])", re.I)
# Page furniture around a candidate: a part of a class/id (`BreadcrumbNav`, `header_logo`) or a
# whole class/id (`header`, but not `article-header`, which holds the headline).
FURNITURE_PARTS = re.compile(
    r"crumb|bread|position|location|dqwz|logo|share|related|xgwz|xglj|recommend|tuijian"
    r"|sidebar|friend|hotnews|ranking|menu|navbar|(?:^|[_-])nav(?:$|[_-])",
    re.I,
)
FURNITURE_NAMES = frozenset({"header", "footer", "head", "foot", "top", "nav", "banner"})
TAG_WEIGHT = {"h1": 4, "h2": 3, "h3": 2, "h4": 1, "h5": 1, "h6": 1, "a": -3}
# Separators around a site name: `保定市人民政府网——…`, `… - 山西省…网站`, `…_新华网`, `…|…`.
SITE_SEPARATOR = r"(?:——|—|--|-|_+|\||｜|·|:|\s)"
END_SEPARATORS = re.compile(r"(\s*(?:——|—|--|_+|\||｜| - | – |-)\s*)")
COLUMN_SEPARATORS = re.compile(r"\s*(?:_+|\||｜|--| - | – )\s*")
SITE_SUFFIXES: tuple[str, ...] = (
    *("网", "网站", "门户", "官网", "平台", "频道", "客户端", "在线", "人民政府"),
    *("教育部", "教育厅", "教育局", "教委", "教育委员会"),
)
MAX_SITE_SEGMENT = 24
MAX_TITLE_CHARS = 300
CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
PROBE_CHARS = 5
MAX_CLIMB = 6
CJK_WIDE = "\u2e80-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
# CSS Text 3 segment-break rule: a source line break between two CJK characters renders as nothing.
SEGMENT_BREAK = re.compile(rf"(?<=[{CJK_WIDE}])[ \t\r]*\n\s*(?=[{CJK_WIDE}])")


def text_key(text: str) -> str:
    """NFKC text without any whitespace: for comparing titles written differently."""
    return nfkc("".join(text.split()))


def node_title(node: LexborNode) -> str:
    """The cleaned text of a headline node, line breaks between CJK characters removed."""
    return clean_text(SEGMENT_BREAK.sub("", node.text(deep=True)))


def site_names(page: Page) -> list[str]:
    names = [page.meta(name) for name in SITE_NAME_METAS]
    return [clean_text(name) for name in names if name]


def _site_like(segment: str, names: list[str]) -> bool:
    segment = segment.strip()
    if not segment:
        return True
    if any(text_key(segment) == text_key(name) for name in names):
        return True
    if segment.isascii() and not any(ch.isdigit() for ch in segment):
        return True
    return len(segment) <= MAX_SITE_SEGMENT and segment.endswith(SITE_SUFFIXES)


def _strip_known_names(title: str, names: list[str]) -> str:
    for name in sorted(names, key=len, reverse=True):
        quoted = re.escape(name)
        title = re.sub(rf"^\s*{quoted}\s*{SITE_SEPARATOR}+\s*", "", title)
        title = re.sub(rf"\s*{SITE_SEPARATOR}+\s*{quoted}\s*$", "", title)
    return title


def strip_site_affixes(title: str, names: list[str]) -> str:
    """The headline inside a ``<title>`` or ``ArticleTitle``: site and column names dropped."""
    title = _strip_known_names(clean_text(title), names)
    pieces = END_SEPARATORS.split(title)  # text, separator, text, ...
    while len(pieces) > 2 and _site_like(pieces[-1], names):
        pieces = pieces[:-2]
    while len(pieces) > 2 and _site_like(pieces[0], names):
        pieces = pieces[2:]
    title = "".join(pieces).strip()
    segments = [part for part in COLUMN_SEPARATORS.split(title) if part.strip()]
    return segments[0].strip() if segments else ""


@dataclass(frozen=True, slots=True)
class Hint:
    text: str  # stripped of site affixes, cleaned
    key: str
    whole_key: str  # the key of the hint before stripping
    explicit: bool  # from a title meta tag rather than `<title>`


def title_hints(page: Page) -> list[Hint]:
    """``ArticleTitle``/``og:title``/``<title>`` texts, site names stripped, deduplicated."""
    names = site_names(page)
    raws = [(page.meta(name), True) for name in TITLE_METAS]
    title_node = page.tree.css_first("title")
    raws.append((title_node.text() if title_node is not None else None, False))
    hints: list[Hint] = []
    for raw, explicit in raws:
        if not raw:
            continue
        text = strip_site_affixes(raw, names)
        key = text_key(text)
        if key and not _site_like(text, names) and all(h.key != key for h in hints):
            hints.append(Hint(text, key, text_key(raw), explicit))
    return hints


def _probes(hint: Hint) -> list[str]:
    runs = CJK_RUN.findall(hint.text)
    if not runs:
        return []
    return list(dict.fromkeys([runs[0][:PROBE_CHARS], runs[-1][-PROBE_CHARS:]]))


def _match_score(key: str, hint: Hint) -> int:
    """3: the hint exactly; 2: a part of the unstripped hint; 1: the hint plus a little."""
    if key == hint.key:
        return 3
    if len(key) >= max(4, len(hint.key) // 2) and key in hint.whole_key:
        return 2
    if hint.key in key and len(key) - len(hint.key) <= max(10, len(hint.key) // 3):
        return 1
    return 0


def _is_furniture(names: str) -> bool:
    return any(
        name.lower() in FURNITURE_NAMES or FURNITURE_PARTS.search(name) for name in names.split()
    )


def _context_weight(node: LexborNode) -> int:
    """Tag and class of the node, minus page furniture around it (links, menus, hidden)."""
    attrs = node.attributes
    weight = TAG_WEIGHT.get(node.tag or "", 0)
    if TITLE_CLASS.search(f"{attrs.get('class') or ''} {attrs.get('id') or ''}"):
        weight += 2
    current: LexborNode | None = node
    for _ in range(12):
        if current is None or current.tag in ("body", "html"):
            break
        attrs = current.attributes
        if current.tag in ("a", "li") and current is not node:
            weight -= 3
        if is_hidden(current):
            weight -= 6
        if _is_furniture(f"{attrs.get('class') or ''} {attrs.get('id') or ''}"):
            weight -= 2
        current = current.parent
    return weight


def _probe_hits(page: Page, probes: list[str]) -> list[LexborNode]:
    """The elements whose own text holds a probe, once per such text node, in document order.

    Lexbor finds the elements (``:lexbor-contains`` reads an element's own text nodes); the walk
    that puts their text nodes in order enters only those elements and their ancestors.
    """
    body = page.tree.body
    if body is None or not probes:
        return []
    holders = body.css(", ".join(f':lexbor-contains("{probe}")' for probe in probes))
    on_path = _with_ancestors(holders)
    hits: list[LexborNode] = []
    stack = [(body, body.iter(include_text=True))]
    while stack:
        parent, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
        elif child.tag == "-text":
            text = child.text_content or ""
            if any(probe in text for probe in probes):
                hits.append(parent)
        elif child.mem_id in on_path:
            stack.append((child, child.iter(include_text=True)))
    return hits


def _with_ancestors(nodes: list[LexborNode]) -> set[int]:
    """The memory ids of ``nodes`` and of all their ancestors."""
    ids: set[int] = set()
    for node in nodes:
        current: LexborNode | None = node
        while current is not None and current.mem_id not in ids:
            ids.add(current.mem_id)
            current = current.parent
    return ids


def _hinted_headline(page: Page, hints: list[Hint]) -> LexborNode | None:
    best: tuple[int, int] = (0, -100)
    chosen: LexborNode | None = None
    for hint in hints:
        limit = 2 * len(hint.whole_key) + 40
        # Each element is measured once: many hits share their ancestors (a list of look-alikes).
        keys: dict[int, str | None] = {}
        for found in _probe_hits(page, _probes(hint)):
            node: LexborNode | None = found
            for _ in range(MAX_CLIMB):
                if node is None or node.tag in SKIP_TAGS or node.tag in ("body", "html"):
                    break
                if node.mem_id in keys:
                    break
                key = _bounded_key(node, limit)
                keys[node.mem_id] = key
                if key is None:
                    break
                score = _match_score(key, hint)
                if score and score >= best[0]:
                    rank = (score, _context_weight(node))
                    if rank > best:
                        best, chosen = rank, node
                node = node.parent
    return chosen


def _bounded_key(node: LexborNode, limit: int) -> str | None:
    """The node's text key, or None when it is too long to be a headline."""
    raw = node.text(deep=True)
    if len(raw) > 8 * limit:
        return None
    key = text_key(raw)
    return key if len(key) <= limit else None


def _heading_headline(page: Page, names: list[str]) -> LexborNode | None:
    """Without a usable hint: the best-placed heading of readable length."""
    best = -100
    chosen: LexborNode | None = None
    for node in page.tree.css(HEADING_SELECTOR):
        if node.tag in SKIP_TAGS:
            continue
        text = node_title(node)
        if not 4 <= len(text) <= MAX_TITLE_CHARS or _site_like(text, names):
            continue
        weight = _context_weight(node)
        if weight > best:
            best, chosen = weight, node
    return chosen if best > 0 else None


def extract_title(page: Page, rules: ExtractionRules) -> tuple[str, LexborNode | None]:
    """The cleaned headline and the node that shows it (None when only a hint gave it)."""
    if rules.title:
        node = page.tree.css_first(rules.title)
        if node is not None and node_title(node):
            return node_title(node), node
    hints = title_hints(page)
    headline = _hinted_headline(page, hints) if hints else None
    if headline is None:
        headline = _heading_headline(page, site_names(page))
        explicit = [hint for hint in hints if hint.explicit]
        if headline is not None and explicit and not _agrees(node_title(headline), explicit):
            return explicit[0].text, None
    if headline is not None:
        title = node_title(headline)
        if title and len(title) <= MAX_TITLE_CHARS:
            return title, headline
    if hints:
        return hints[0].text, None
    raise ExtractionError("no_title", "no headline, ArticleTitle meta or <title> on the page")


def _agrees(title: str, hints: list[Hint]) -> bool:
    """Whether a heading found without a probe still shares most of a hint's text."""
    key = text_key(title)
    return any(_match_score(key, hint) for hint in hints)
