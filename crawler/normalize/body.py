"""The body of an article page: its paragraphs, attachments and images.

The container is found by the first rule that yields paragraphs: the site's own selector
(``rules.body``), the containers of the known CMS templates (``CMS_CONTAINERS``, most specific
first), then the densest block of prose (``density``). ``extract_body`` edits ``page.tree`` (it
removes scripts, styles and the site's ``rules.remove``): it is the last step of an extraction.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from crawler.normalize.blocks import HeadlineMark, flatten
from crawler.normalize.density import main_text_nodes
from crawler.normalize.furniture import is_prose, strip_furniture
from crawler.normalize.links import collect_attachments, collect_images
from crawler.normalize.model import Attachment, ExtractionError, ExtractionRules
from crawler.normalize.page import Page

# Body containers of the CMS templates of Chinese government and news sites, most specific first.
# `ZJEG_COMMENTS` stands for the Hanweb comment pair around the content (Zhejiang).
ZJEG_COMMENTS = "<!--ZJEG_RSS.content-->"
CMS_CONTAINERS = (
    ".TRS_Editor",
    ".TRS_UEDITOR",
    "#UCAP-CONTENT",
    "#zoom",
    ".article_zoom",
    ZJEG_COMMENTS,
    "#contents",
    "#downloadContent",
    ".details-policy-box",
    "#NewsContent",
    ".xxgk_content",
    ".WordSection1",
    "#p-detail",
    ".news_txt",
    "#rwb_zw",
    ".box_con",
    ".pages_content",
    "#PrintArea",
    "#vsb_content",  # VSB (Visual SiteBuilder), common on university sites
    ".article-content",
    ".article_content",
    ".content",
)
# Containers so generic that they may wrap a whole page region: the densest block inside wins.
GENERIC_CONTAINERS = frozenset({".article-content", ".article_content", ".content"})
COMMENT_MARKERS = {ZJEG_COMMENTS: ("ZJEG_RSS.content.begin", "ZJEG_RSS.content.end")}
MIN_CONTAINER_CHARS = 10  # a CMS match must hold this much text that is not link text
# A notice that is only a table (名单, 备案信息) has no prose for the density detector: the
# largest data table (no table inside it, rows of several cells, little link text) is its body.
MIN_TABLE_ROWS = 2
MIN_TABLE_CHARS = 20
# Never content; removed from the whole page before any detection.
NOISE_TAGS = ["script", "style", "iframe", "select", "button", "textarea", "template"]
# Usually page furniture, but some templates wrap the whole page (ASP.NET `<form>`) or put the
# article in them (a `<noscript>` copy of a script-rendered body).
LAYOUT_NOISE = "form, nav, header, footer, noscript"
LAYOUT_KEEP_SHARE = 0.5  # kept when holding more than this share of the page's text
MAX_SKIPPED_PROSE = 100  # prose above an inner headline beyond which it is not skipped
ATTACHMENT_BLOCK_SIBLINGS = 4  # following siblings searched for an `附件:` block


@dataclass(frozen=True, slots=True)
class Body:
    """What ``extract_body`` found: cleaned paragraphs, linked files, images, and how."""

    paragraphs: tuple[str, ...]
    attachments: tuple[Attachment, ...]
    images: tuple[str, ...]
    method: str  # which rule found the body: "selector:<css>", "cms:<css>", "density"


def _chars(node: LexborNode) -> int:
    return len("".join(node.text().split()))


def _link_chars(node: LexborNode) -> int:
    return sum(_chars(link) for link in node.css("a"))


def _prose_chars(node: LexborNode) -> int:
    """Text length without link text."""
    return _chars(node) - _link_chars(node)


def _outermost(nodes: list[LexborNode]) -> list[LexborNode]:
    """Drop the nodes that lie inside another node of the list (document order kept)."""
    ids = {node.mem_id for node in nodes}
    outer = []
    for node in nodes:
        parent = node.parent
        while parent is not None and parent.mem_id not in ids:
            parent = parent.parent
        if parent is None:
            outer.append(node)
    return outer


def _site_css(tree: LexborHTMLParser, selector: str) -> list[LexborNode]:
    """Matches of a selector from a site's YAML; one that is not CSS is a clear error."""
    try:
        return tree.css(selector)
    except SelectolaxError as error:
        raise ExtractionError("bad_rule", f"site selector {selector!r}: {error}") from error


def _remove(tree: LexborHTMLParser, selectors: tuple[str, ...]) -> None:
    for selector in selectors:
        for node in reversed(_outermost(_site_css(tree, selector))):
            node.decompose()


def _remove_noise(tree: LexborHTMLParser, mark: HeadlineMark | None) -> None:
    tree.strip_tags(NOISE_TAGS)
    body = tree.body
    page_chars = _chars(body) if body is not None else 0
    protected = mark.path if mark else frozenset()
    for node in reversed(_outermost(tree.css(LAYOUT_NOISE))):
        if node.mem_id in protected or _chars(node) > page_chars * LAYOUT_KEEP_SHARE:
            continue
        node.decompose()


def _comment_range(tree: LexborHTMLParser, begin: str, end: str) -> list[LexborNode]:
    """The sibling nodes between a begin and an end comment that share a parent."""
    body = tree.body
    if body is None:
        return []
    for node in body.traverse(include_text=True):
        if node.is_comment_node and (node.comment_content or "").strip() == begin:
            between: list[LexborNode] = []
            sibling = node.next
            while sibling is not None:
                if sibling.is_comment_node and (sibling.comment_content or "").strip() == end:
                    return between
                if sibling.is_element_node:
                    between.append(sibling)
                sibling = sibling.next
    return []


def _cms_nodes(page: Page, selector: str) -> list[LexborNode]:
    markers = COMMENT_MARKERS.get(selector)
    if markers:
        if markers[0] not in page.html:
            return []
        nodes = _comment_range(page.tree, *markers)
        return nodes if sum(_prose_chars(n) for n in nodes) >= MIN_CONTAINER_CHARS else []
    sized = [(_chars(match), match) for match in page.tree.css(selector)]
    matches = [(chars, m) for chars, m in sized if chars - _link_chars(m) >= MIN_CONTAINER_CHARS]
    if not matches:
        return []
    best = max(matches, key=lambda match: match[0])[1]  # the first of the longest
    if selector in GENERIC_CONTAINERS:
        return main_text_nodes(best) or [best]
    return [best]


def _candidates(page: Page, rules: ExtractionRules) -> Iterator[tuple[str, list[LexborNode]]]:
    """(method, container nodes) in the order they are tried."""
    if rules.body:
        matches = _outermost(_site_css(page.tree, rules.body))
        if matches:
            yield f"selector:{rules.body}", matches
    for selector in CMS_CONTAINERS:
        nodes = _cms_nodes(page, selector)
        if nodes:
            yield f"cms:{selector}", nodes
    body = page.tree.body
    if body is not None:
        nodes = main_text_nodes(body)
        if nodes:
            yield "density", nodes
        table = _data_table(body)
        if table is not None:
            yield "table", [table]


def _data_table(root: LexborNode) -> LexborNode | None:
    """The largest table of data rows under ``root``, or None."""
    best: LexborNode | None = None
    best_chars = MIN_TABLE_CHARS - 1
    for table in root.css("table"):
        if len(table.css("table")) > 1:  # the node itself matches too
            continue  # a layout table: its inner tables are the candidates
        rows = [row for row in table.css("tr") if len(row.css("td, th")) >= 2]
        chars = _prose_chars(table)
        if len(rows) >= MIN_TABLE_ROWS and chars > best_chars and chars * 2 > _chars(table):
            best, best_chars = table, chars
    return best


def _attachment_scope(nodes: list[LexborNode]) -> list[LexborNode]:
    """The container and the blocks right after it (an `附件:` list often follows the body)."""
    scope = list(nodes)
    last = nodes[-1]
    for anchor in (last, last.parent):
        sibling = anchor.next if anchor is not None else None
        taken = 0
        while sibling is not None and taken < ATTACHMENT_BLOCK_SIBLINGS:
            if sibling.is_element_node:
                scope.append(sibling)
                taken += 1
            sibling = sibling.next
    return _outermost(scope)


def _paragraphs(nodes: list[LexborNode], mark: HeadlineMark | None, title: str) -> list[str]:
    """The body's paragraphs; a headline inside the container ends the title block above it."""
    everything = flatten(nodes)
    if mark is not None and any(node.mem_id in mark.ancestors for node in nodes):
        after = flatten(nodes, mark)
        skipped = everything[: len(everything) - len(after)]
        # A headline found in the middle of the prose is a repeated title, not the page's top.
        if after and sum(len(p.text) for p in skipped if is_prose(p.text)) <= MAX_SKIPPED_PROSE:
            return strip_furniture(after, title)
    return strip_furniture(everything, title)


def extract_body(
    page: Page, rules: ExtractionRules, title: str, headline: LexborNode | None
) -> Body:
    """The body of ``page``; ExtractionError("no_body") when no rule finds a paragraph.

    Edits ``page.tree`` (noise and ``rules.remove`` are taken out): run it after the metadata.
    """
    mark = HeadlineMark.of(headline) if headline is not None else None
    _remove(page.tree, rules.remove)
    _remove_noise(page.tree, mark)
    tried: list[str] = []
    for method, nodes in _candidates(page, rules):
        paragraphs = _paragraphs(nodes, mark, title)
        if paragraphs:
            return Body(
                paragraphs=tuple(paragraphs),
                attachments=collect_attachments(_attachment_scope(nodes), page.url),
                images=collect_images(nodes, page.url),
                method=method,
            )
        tried.append(method)
    raise ExtractionError("no_body", _no_body_reason(rules, tried))


def _no_body_reason(rules: ExtractionRules, tried: list[str]) -> str:
    """``no body found: `` and what each rule gave."""
    parts = [f"{method} gave no paragraph" for method in tried]
    if rules.body and not any(m.startswith("selector:") for m in tried):
        parts.insert(0, f"site selector {rules.body!r} matched nothing")
    if not any(m.startswith("cms:") for m in tried):
        parts.append(f"none of {len(CMS_CONTAINERS)} CMS containers held text")
    if "density" not in tried:
        parts.append("density found no block of prose")
    if "table" not in tried:
        parts.append("no data table")
    return "no body found: " + "; ".join(parts)
