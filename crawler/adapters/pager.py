"""Pagination read off a list page: the page count (``createPageHTML(N``, ``countPage = N``,
``共N页`` ...), the ``下一页`` link, TRS ``index_N`` numbering with its offset taken from the pager
links, ``{page}`` URL templates and query parameters edited in place."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from crawler.adapters.items import absolute, link_url
from crawler.normalize.text import clean_text

# The page count, in the order they are trusted (patterns as data). The first SCRIPT_PATTERNS
# are TRS paging scripts: they write `index_N` links, so they imply that numbering.
SCRIPT_PATTERNS = 3
PAGE_COUNT_PATTERNS = (
    re.compile(r"createPageHTML\s*\(\s*['\"]?(\d+)"),
    re.compile(r"countPage\s*=\s*['\"]?(\d+)"),
    re.compile(r"createPage\s*\(\s*['\"]?(\d+)"),
    re.compile(r"共\s*(?:<[^>]*>\s*)*(\d+)\s*(?:<[^>]*>\s*)*页"),
    re.compile(r"/\s*(\d+)\s*页"),  # "3/12页" (patterns start with a literal: fast on 300 kB)
)
PAGER_SELECTOR = "[class*=page], [id*=page], [class*=pager], [class*=fenye], [class*=pagination]"
PAGE_OF_PAGES = re.compile(r"(?<![\d/.\-])(\d{1,4})\s*/\s*(\d{1,4})(?![\d/.\-])")
NEXT_WORDS = frozenset(
    {"下一页", "下页", "后一页", "下一頁", "next", "next page", ">", "›", "»", ">>"}
)
NEXT_CLASSES = re.compile(
    r"(?:^|[\s_-])next(?:$|[\s_-])|(?:^|\s)(?:nextpage|next-page|page-next)\b"
)
PAGE_SUFFIXES = (".html", ".htm", ".shtml")
MAX_PAGE_COUNT = 10_000
_URL_SPACE = re.compile(r"[\t\r\n]")  # what urlsplit drops anywhere in a URL


def page_count(
    text: str, pattern: str | None = None, tree: LexborHTMLParser | None = None
) -> tuple[int | None, str | None]:
    """The page count a list page states, and the pattern that found it; with ``tree``, also
    a ``3/12`` in the pager (an element whose class or id names a page)."""
    patterns = (re.compile(pattern),) if pattern else PAGE_COUNT_PATTERNS
    for compiled in patterns:
        match = compiled.search(text)
        if match:
            count = int(match.group(1))
            if 1 <= count <= MAX_PAGE_COUNT:
                return count, compiled.pattern
    if tree is not None and pattern is None:
        for node in tree.css(PAGER_SELECTOR):
            match = PAGE_OF_PAGES.search(node.text())
            if match and 1 <= int(match.group(1)) <= int(match.group(2)) <= MAX_PAGE_COUNT:
                return int(match.group(2)), f"{PAGER_SELECTOR} {PAGE_OF_PAGES.pattern}"
    return None, None


@dataclass
class LinkTexts:
    """The cleaned text of links, by node: a page's pager searches read each link once."""

    cache: dict[int, str] = field(default_factory=dict)

    def of(self, link: LexborNode) -> str:
        key = link.mem_id
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = clean_text(link.text())
        return found


def is_next_link(link: LexborNode, text: str | None = None) -> bool:
    """A ``下一页``/``>``/``rel=next`` link; ``text``: its cleaned text, when known."""
    text = (clean_text(link.text()) if text is None else text).lower()
    if text in NEXT_WORDS:
        return True
    attributes = link.attributes
    classes = attributes.get("class") or ""
    rel = (attributes.get("rel") or "").lower()
    return rel == "next" or (not text and NEXT_CLASSES.search(classes) is not None)


def next_link(
    tree: LexborHTMLParser | LexborNode, base: str, current: str, texts: LinkTexts | None = None
) -> str | None:
    """The URL of the page's ``下一页``/``next`` link, unless it leads back to this page."""
    here = _without_fragment(current)
    texts = LinkTexts() if texts is None else texts
    for link in tree.css("a"):
        if is_next_link(link, texts.of(link)):
            url = link_url(link, base)
            if url and _without_fragment(url) != here:
                return url
    return None


def is_script_count(pattern: str | None) -> bool:
    """Whether a page count was read from a TRS paging script (which implies ``index_N``)."""
    return pattern in {compiled.pattern for compiled in PAGE_COUNT_PATTERNS[:SCRIPT_PATTERNS]}


def numbered_next(
    tree: LexborHTMLParser | LexborNode, base: str, page: int, texts: LinkTexts | None = None
) -> str | None:
    """The link numbered ``page + 1`` of a pager of numbered links (``1 2 3 … 30``), when the
    page has no ``下一页`` link; at least two numbered links make a pager."""
    texts = LinkTexts() if texts is None else texts
    numbered = [
        (text, link)
        for link in tree.css("a")
        if (text := texts.of(link).strip("[]【】")).isdigit() and len(text) <= 4
    ]
    if len(numbered) < 2:
        return None
    for text, link in numbered:
        if int(text) == page + 1:
            url = link_url(link, base)
            if url and _without_fragment(url) != _without_fragment(base):
                return url
    return None


def selected_next(tree: LexborHTMLParser, selector: str, base: str, current: str) -> str | None:
    """The URL of the site's ``list.next`` link (the node, or the first link inside it)."""
    node = tree.css_first(selector)
    if node is None:
        return None
    link = node if node.tag == "a" else node.css_first("a")
    url = link_url(link if link is not None else node, base)
    return url if url and _without_fragment(url) != _without_fragment(current) else None


def _without_fragment(url: str) -> str:
    return url.split("#", 1)[0]


def from_template(template: str, number: int, column_url: str) -> str | None:
    """A ``{page}`` template filled in and resolved against the column URL."""
    return absolute(column_url, template.replace("{page}", str(number)))


def with_query_param(url: str, name: str, value: str) -> str:
    """``url`` with ``name=value`` in its query, every other byte of the query kept."""
    parts = urlsplit(url)
    pairs = parts.query.split("&") if parts.query else []
    edited, found = [], False
    for pair in pairs:
        key = unquote(pair.split("=", 1)[0])
        if key == name:
            if not found:
                edited.append(f"{name}={value}")
            found = True
        else:
            edited.append(pair)
    if not found:
        edited.append(f"{name}={value}")
    return urlunsplit(parts._replace(query="&".join(edited)))


def query_value(url: str, name: str) -> str | None:
    for pair in urlsplit(url).query.split("&"):
        key, _, value = pair.partition("=")
        if unquote(key) == name:
            return unquote(value)
    return None


@dataclass(frozen=True, slots=True)
class IndexScheme:
    """TRS static pages: page 1 is the column URL, page n >= 2 is ``{name}_{n - 2 + first}``."""

    directory: str  # absolute URL ending in '/'
    name: str = "index"
    suffix: str = ".html"
    first: int = 1

    def url(self, page: int) -> str:
        if page <= 1:
            return urljoin(self.directory, f"{self.name}{self.suffix}")
        return urljoin(self.directory, f"{self.name}_{page - 2 + self.first}{self.suffix}")


def directory_of(url: str) -> str:
    """The folder of a list URL: itself when it ends in '/', else up to its last '/' (a last
    segment with no dot counts as a folder: ``/xwzx/gzdt`` -> ``/xwzx/gzdt/``)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    last = path.rsplit("/", 1)[-1]
    if last and "." not in last:
        path += "/"
    else:
        path = path[: path.rfind("/") + 1]
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def suffix_of(url: str, name: str) -> str | None:
    """``.html``/``.htm``/``.shtml`` when the URL names an ``index``-style page."""
    last = urlsplit(url).path.rsplit("/", 1)[-1]
    match = _page_name(name).fullmatch(last)
    return match.group(1) if match and match.group(1) in PAGE_SUFFIXES else None


@lru_cache(maxsize=16)
def _page_name(name: str) -> re.Pattern[str]:
    """``name``, ``name_N`` with an HTML suffix, as the last step of a path."""
    return re.compile(rf"{re.escape(name)}(?:_\d+)?(\.s?html?)")


def may_name(href: str, name: str) -> bool:
    """A cheap test that ``suffix_of`` may find ``name`` in ``href``: it holds the name (once
    the tabs and line breaks that URL parsing drops are gone)."""
    return name in href or name in _URL_SPACE.sub("", href)


def page_links(
    tree: LexborHTMLParser, base: str, scheme: IndexScheme
) -> list[tuple[LexborNode, int]]:
    """The links to ``index_N`` pages of the scheme's folder, with their N."""
    pattern = re.compile(rf"{re.escape(scheme.name)}_(\d+)\.s?html?")
    found = []
    for link in tree.css("a[href]"):
        href = link.attributes.get("href") or ""
        if scheme.name + "_" not in href:
            continue
        url = absolute(base, href)
        if not url or not url.startswith(scheme.directory):
            continue
        match = pattern.fullmatch(url[len(scheme.directory) :].split("?", 1)[0])
        if match:
            found.append((link, int(match.group(1))))
    return found


def derive_first_index(
    tree: LexborHTMLParser, base: str, current: str, page: int, scheme: IndexScheme
) -> tuple[int | None, str]:
    """The ``N`` of page 2 read off the pager: the ``下一页`` link's N minus the page, the
    current URL's own N, or the smallest N linked from page 1. (None, why) when it cannot tell."""
    own = re.search(rf"/{re.escape(scheme.name)}_(\d+)\.s?html?$", urlsplit(current).path)
    if own and page >= 2:
        return _clamped(int(own.group(1)) - page + 2), f"the URL of page {page}"
    links = page_links(tree, base, scheme)
    for link, number in links:
        if is_next_link(link):
            return _clamped(number - page + 1), "the next-page link"
    linked = sorted(number for _, number in links)
    if 1 in linked:
        return 1, "a link to index_1"
    if linked and page == 1:
        return _clamped(linked[0]), "the first numbered link"
    return None, "no numbered pager link"


def _clamped(first: int) -> int:
    return 1 if first <= 1 else 2
