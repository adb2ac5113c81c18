"""The metadata table of a disclosure page (信息公开): 索引号 / 发布机构 / 名称 / 文号 / 发布日期 …
above the text, laid out as label and value cells, `label：value` cells or a list.

Its values are the article's metadata without their labels: the title is the value of `名称`,
the date that of `发布日期`, the document number `文号`, the source `发布机构`. The block itself
is metadata, never body: ``extract_article`` takes it out before looking for the body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from selectolax.lexbor import LexborNode

from crawler.normalize.page import Page
from crawler.normalize.text import clean_text

# Labels (spaces removed, NFKC) by the field they give; None: a label that only marks the block.
LABELS: dict[str, str | None] = {
    "名称": "title", "标题": "title", "文件名称": "title", "信息名称": "title",
    "发布机构": "source", "发文机关": "source", "发布单位": "source", "发文单位": "source",
    "文号": "document_number", "发文字号": "document_number", "文件编号": "document_number",
    "发布日期": "date", "发布时间": "date", "公开日期": "date",
    "索引号": None, "主题分类": None, "成文日期": None, "生效日期": None, "有效性": None,
    "主题词": None, "公开方式": None, "公开范围": None, "体裁分类": None, "信息分类": None,
    "所属机构": None, "废止日期": None, "时效性": None, "发布层级": None,
}  # fmt: skip
# A page shows one of these when it has a metadata table: the (costlier) search runs only then.
# Looked for in the body's text nodes joined by a separator no gate holds (so never across two
# nodes): Lexbor joins them in C and `in` searches fast, where `:lexbor-contains` compares the
# gate at every byte of every text node (up to twice as slow on a page with neither gate).
GATES = ("索引号", "发布日期")
LABEL = re.compile(
    r"^(?P<label>" + "|".join(sorted(LABELS, key=len, reverse=True)) + r")[:：]?(?P<value>.*)$"
)
FIRST_CHARS = frozenset(label[0] for label in LABELS)
MIN_LABELS = 3  # distinct labels that make a block a metadata table
MAX_LABEL_CHARS = 300  # a node this long is no label cell
MAX_BLOCK_CHARS = 1200  # a block longer than this holds more than metadata (the body too)
COVERAGE = 0.6  # labels and values make up this share of the block's text, at least
EMPTY_VALUES = frozenset({"", "无", "-", "—", "/", "null"})


@dataclass
class InfoTable:
    """The fields read off a metadata table, and the node that holds it."""

    node: LexborNode
    fields: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        return self.fields.get(name)


def _key(text: str) -> str:
    return "".join(clean_text(text).split())


def _label_of(text: str) -> tuple[str, str] | None:
    """(label, the value written after it) when ``text`` starts with one label."""
    key = _key(text)
    match = LABEL.match(key)
    if match is None or sum(label in key for label in LABELS if LABELS[label]) > 1:
        return None  # no label, or several fields run together
    return match.group("label"), match.group("value")


def _value_after(node: LexborNode) -> str:
    """The value of a label that holds no value: the text after it, else the next element's
    text (the next cell), looking from the label's text node, then from its element."""
    for start in (node, node.parent):
        found = _following_text(start) if start is not None else ""
        if found:
            return found
    return ""


def _following_text(node: LexborNode) -> str:
    sibling = node.next
    while sibling is not None:
        if sibling.tag == "-text":
            text = clean_text(sibling.text_content or "").lstrip(":： ")
            if text:
                return text
        elif sibling.is_element_node:
            return clean_text(sibling.text(deep=True)).lstrip(":： ")
        sibling = sibling.next
    return ""


@dataclass(frozen=True, slots=True)
class _Pair:
    node: LexborNode
    label: str
    value: str
    ancestors: frozenset[int]


def _pairs(body: LexborNode) -> list[_Pair]:
    """Every label of the page with its value: a text node that starts with a label (one walk
    over the text nodes); its element is the label node."""
    pairs = []
    for text_node in body.traverse(include_text=True):
        if text_node.tag != "-text":
            continue
        raw = (text_node.text_content or "").lstrip()
        if not raw or raw[0] not in FIRST_CHARS:
            continue
        node = text_node.parent
        if node is None or len(raw) > MAX_LABEL_CHARS:
            continue
        found = _label_of(raw)
        if found is None:
            continue
        label, value = found
        value = clean_text(value).lstrip(":： ") if value else _value_after(text_node)
        ancestors = set()
        parent = node.parent
        while parent is not None:
            ancestors.add(parent.mem_id)
            parent = parent.parent
        pairs.append(_Pair(node, label, value, frozenset(ancestors)))
    return pairs


def _block(pairs: list[_Pair]) -> tuple[LexborNode, list[_Pair]] | None:
    """The first element holding MIN_LABELS distinct labels that is mostly those fields."""
    for pair in pairs:
        parent = pair.node.parent
        while parent is not None and parent.tag not in ("body", "html"):
            inside = [p for p in pairs if parent.mem_id in p.ancestors]
            if len({p.label for p in inside}) >= MIN_LABELS:
                text = len(_key(parent.text(deep=True)))
                covered = sum(len(p.label) + len(_key(p.value)) for p in inside)
                if text <= MAX_BLOCK_CHARS and covered >= COVERAGE * text:
                    return parent, inside
                break
            parent = parent.parent
    return None


def _gated(body: LexborNode) -> bool:
    text = body.text(deep=True, separator="\n")
    return any(gate in text for gate in GATES)


def read_info_table(page: Page) -> InfoTable | None:
    """The page's metadata table with its fields, or None when it has none."""
    body = page.body
    if body is None or not _gated(body):
        return None
    found = _block(_pairs(body))
    if found is None:
        return None
    block, pairs = found
    fields: dict[str, str] = {}
    for pair in pairs:
        name = LABELS[pair.label]
        if name and name not in fields and pair.value not in EMPTY_VALUES:
            fields[name] = pair.value
    return InfoTable(block, fields)
