"""Reading list items out of HTML nodes: the link's absolute URL (``javascript:`` wrappers such as
``onclick="isDownLoad(this,'…')"`` included), the full title (``a@title`` when the text is cut
with ``...``), the date, and whether the link is a file.

Two readers: ``read_selected`` follows a site's ``list`` selectors (models.py states their
defaults); ``read_item`` reads a node with no selectors (the detection of ``detect.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from crawler.adapters.base import ListItem
from crawler.adapters.dates import date_only, full_date_in, is_date_text, list_date
from crawler.normalize.datetext import url_date
from crawler.normalize.links import is_attachment_href
from crawler.normalize.text import clean_text
from crawler.siteconfig.models import ListSelectors

NOT_FETCHABLE = ("javascript:", "vbscript:", "mailto:", "tel:", "data:", "about:", "#")
# A URL quoted inside a script call: isDownLoad(this,'URL'), window.open("URL"), location='URL'.
WRAPPED_URL = re.compile(
    r"""['"]\s*((?:https?:)?//[^'"\s]+|\.{0,2}/[^'"\s]+|[\w\-./%]+\."""
    r"""(?:s?html?|jsp|aspx?|php|do|pdf|docx?|xlsx?|wps|zip|rar|ofd)(?:\?[^'"\s]*)?)\s*['"]""",
    re.I,
)
WRAPPER_ATTRIBUTES = ("onclick", "href")  # scripts that may quote a URL
DATA_ATTRIBUTES = ("data-href", "data-url", "data-link")  # attributes that are a URL
TRUNCATED = re.compile(r"(?:\.{2,}|…+|。{3})\s*$")
_URL_SPACE = re.compile(r"[\t\r\n]")

Scope = LexborHTMLParser | LexborNode


@dataclass(frozen=True, slots=True)
class Reading:
    """An item read without selectors, with what the detection scores it by."""

    title: str
    url: str
    date: str | None
    visible_date: bool  # the date was read from the item's text
    url_dated: bool  # the URL carries a day or a month (`t20240628_`, `/202309/`)
    links: int  # distinct link URLs in the item
    title_share: float = 1.0  # the main link's share of the text of all its links

    @property
    def item(self) -> ListItem:
        """The item; made on demand, since the detection drops most readings (navigation)
        and its file flag costs a URL split."""
        return make_item(self.title, self.url, self.date)


def _joined(base: str, href: str) -> str:
    """``urljoin`` with fast paths for the common absolute, root-relative and ``./`` links."""
    if href.startswith(("http://", "https://")):
        return href
    if "/." in href or "\\" in href:
        return urljoin(base, href)
    if href.startswith("/") and not href.startswith("//"):
        slash = base.find("/", base.find("://") + 3)
        return (base[:slash] if slash > 0 else base) + href
    if href.startswith("./") and "?" not in base and "#" not in base:
        return base[: base.rfind("/") + 1] + href[2:]
    return urljoin(base, href)


def absolute(base: str, href: str) -> str | None:
    """``href`` resolved against ``base``, without fragment; None unless http(s)."""
    href = href.strip()
    if "\t" in href or "\n" in href or "\r" in href:
        href = _URL_SPACE.sub("", href)
    if not href:
        return None
    url = _joined(base, href).split("#", 1)[0]
    return url if url.startswith(("http://", "https://")) else None


def _attribute(node: LexborNode, name: str) -> str:
    return (node.attributes.get(name) or "").strip()


@lru_cache(maxsize=64)
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


def link_url(
    node: LexborNode, base: str, attr: str = "href", pattern: str | None = None
) -> str | None:
    """The absolute URL a link leads to: ``pattern``'s group in ``attr`` when given, else its
    href, else a URL quoted in a ``javascript:`` href or an ``onclick``/``data-href`` script."""
    if pattern is not None:
        match = _pattern(pattern).search(_attribute(node, attr))
        if match and match.group(1):
            return absolute(base, match.group(1))
    elif attr != "href" and _attribute(node, attr):
        wrapped = WRAPPED_URL.search(_attribute(node, attr))
        value = wrapped.group(1) if wrapped else _attribute(node, attr)
        return absolute(base, value)
    href = _attribute(node, "href")
    if href and not href.lower().startswith(NOT_FETCHABLE):
        return absolute(base, href)
    for name in WRAPPER_ATTRIBUTES:
        wrapped = WRAPPED_URL.search(_attribute(node, name))
        if wrapped:
            return absolute(base, wrapped.group(1))
    for name in DATA_ATTRIBUTES:
        value = _attribute(node, name)
        if value and not value.lower().startswith(NOT_FETCHABLE):
            return absolute(base, value)
    return None


def may_lead_somewhere(node: LexborNode) -> bool:
    """A cheap test that a link has an href or a script that may hold a URL."""
    attributes = node.attributes
    href = (attributes.get("href") or "").strip().lower()
    if href and not href.startswith(NOT_FETCHABLE):
        return True
    return any(attributes.get(name) for name in (*WRAPPER_ATTRIBUTES, *DATA_ATTRIBUTES))


def _squeezed(text: str) -> str:
    return text.replace(" ", "")


def full_title(text: str, attribute: str, explicit: bool = False) -> str:
    """The title to keep from a link's cleaned text and its title attribute: the attribute when
    the text is cut (``...``/``…``) or is its start, or when the site names it (``explicit``)."""
    if not attribute or attribute == text:
        return text
    stem = TRUNCATED.sub("", text).strip()
    if not stem:
        return attribute
    if explicit and len(attribute) >= len(stem):
        return attribute
    if _squeezed(attribute).startswith(_squeezed(stem)) and len(attribute) >= len(stem):
        return attribute
    return text


def visible_title(node: LexborNode) -> str:
    """A node's text without the parts that are just a date (a link wrapping title and date)."""
    return clean_text(_visible_text(node))


def _visible_text(node: LexborNode) -> str:
    """``visible_title`` before cleaning."""
    return "".join([value for value in text_nodes(node) if not is_date_text(value)])


def title_of(link: LexborNode, title_node: LexborNode | None, title_attr: str | None) -> str:
    """The full title of an item from its link (or the site's ``title`` node)."""
    raw = title_node.text() if title_node is not None else _visible_text(link)
    text = clean_text(raw)
    holder = title_node if title_node is not None and title_attr else link
    raw_attribute = holder.attributes.get(title_attr or "title") or ""
    attribute = _cleaned_attribute(raw_attribute, raw, text)
    if title_attr and not attribute and holder is not link:
        attribute = clean_text(link.attributes.get(title_attr) or "")
    title = full_title(text, attribute, explicit=title_attr is not None)
    if not title:
        image = link.css_first("img[alt]")
        title = clean_text(image.attributes.get("alt") or "") if image is not None else ""
    return title


def _cleaned_attribute(attribute: str, raw_text: str, text: str) -> str:
    """``clean_text(attribute)``, given the text it often repeats, raw and cleaned."""
    if not attribute:
        return ""
    return text if attribute == raw_text else clean_text(attribute)


def text_nodes(node: LexborNode) -> Iterable[str]:
    """The text of every text node under ``node``, in document order."""
    for child in node.traverse(include_text=True):
        if child.tag == "-text":
            value = child.text_content
            if value:
                yield value


def date_in(node: LexborNode, link_text: str, today: date) -> str | None:
    """The date an item shows: a text node that is just a date (`<span>06-28</span>`), else a
    full date in its text outside the link's text."""
    for value in text_nodes(node):
        found = date_only(value, today) if value.strip() else None
        if found:
            return found
    rest = node.text()
    if link_text:
        rest = rest.replace(link_text, " ")
    return full_date_in(rest, today)


def _url_day(url: str) -> str | None:
    day, _ = url_date(url)
    return day.day.isoformat() if day else None


def reconciled(shown: str | None, url_day: str | None) -> str | None:
    """The shown date, or the URL's when the list shows none; when both have the same month and
    day, the URL's year wins (it is written, an ``MM-DD`` list's year is inferred)."""
    if shown is None:
        return url_day
    if url_day is not None and shown[4:] == url_day[4:]:
        return url_day
    return shown


def make_item(title: str, url: str, day: str | None) -> ListItem:
    return ListItem(title=title, url=url, date=day, is_file=is_attachment_href(url))


def read_item(node: LexborNode, base: str, today: date) -> Reading | None:
    """An item read without selectors: its main link (the one with the longest title), the date
    it shows (else the URL's day). None when it holds no followable link with a title."""
    best: tuple[LexborNode, str, str] | None = None
    urls: dict[str, int] = {}  # distinct URLs, with the length of their longest title
    for link in node.css("a"):
        url = link_url(link, base)
        if url is None:
            continue
        title = title_of(link, None, None)
        urls[url] = max(urls.get(url, 0), len(title))
        if title and (best is None or len(title) > len(best[2])):
            best = (link, url, title)
    if best is None:
        return None
    link, url, title = best
    shown = date_in(node, link.text(), today)
    day, month = url_date(url)
    found = reconciled(shown, day.day.isoformat() if day else None)
    link_chars = sum(urls.values())
    share = len(title) / link_chars if link_chars else 1.0
    return Reading(title, url, found, shown is not None, month is not None, len(urls), share)


MAIN_LINK_SHARE = 0.5  # an item's title link holds at least this share of its link text


def is_link_row(reading: Reading) -> bool:
    """A row of links alike, none of them a title, and no date (shown or in a URL): a column
    bar or a pager row, never an item."""
    if reading.links < 2 or reading.visible_date or reading.url_dated:
        return False
    return reading.title_share < MAIN_LINK_SHARE


def _selected_date(node: LexborNode, selectors: ListSelectors, today: date) -> str | None:
    if not selectors.date:
        return None
    holder = node.css_first(selectors.date)
    if holder is None:
        return None
    text = holder.text()
    if selectors.date_pattern:
        match = _pattern(selectors.date_pattern).search(text)
        if match is None:
            return None
        text = match.group(1) if match.groups() and match.group(1) else match.group(0)
    return list_date(text, today, loose=True)


def read_selected_item(
    node: LexborNode, selectors: ListSelectors, base: str, today: date
) -> ListItem | None:
    """One item read with the site's selectors; what they leave out is read as ``read_item``."""
    # Lexbor's css_first matches the node itself when it is an <a>
    link = node.css_first(selectors.link or "a")
    link = link if link is not None else node
    url = link_url(link, base, selectors.link_attr, selectors.link_pattern)
    if url is None:
        return None
    title_node = node.css_first(selectors.title) if selectors.title else None
    title = title_of(link, title_node, selectors.title_attr)
    if not title:
        return None
    day = _selected_date(node, selectors, today)
    if day is None:
        day = date_in(node, (title_node or link).text(), today)
    url_day = _url_day(url)
    if day is None and url_day is None:
        reading = read_item(node, base, today)
        if reading is not None and is_link_row(reading):
            return None  # a row of links with no date: navigation the selector also matched
    return make_item(title, url, reconciled(day, url_day))


def read_selected(
    scope: Scope, selectors: ListSelectors, base: str, today: date
) -> tuple[ListItem, ...]:
    """The items ``list.item`` selects in ``scope``, read with the other ``list`` selectors."""
    if not selectors.item:
        return ()
    found = (read_selected_item(node, selectors, base, today) for node in scope.css(selectors.item))
    return unique(item for item in found if item is not None)


def unique(items: Iterable[ListItem]) -> tuple[ListItem, ...]:
    """Items in order, the first of each URL."""
    seen: set[str] = set()
    kept = []
    for item in items:
        if item.url not in seen:
            seen.add(item.url)
            kept.append(item)
    return tuple(kept)
