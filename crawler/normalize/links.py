"""The attachments (linked documents) and images of an article body, as absolute URLs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from urllib.parse import SplitResult, parse_qsl, unquote, urljoin, urlsplit

from selectolax.lexbor import LexborNode

from crawler.normalize.model import Attachment, is_attachment_url
from crawler.normalize.text import clean_text

# Download scripts that name the file in their query (Hanweb JCMS and the like).
DOWNLOAD_SCRIPTS = re.compile(
    r"/(?:downfile|download|filedownload|downloadfile)\.(?:jsp|do|aspx?|php)$", re.I
)
FILE_NAME_PARAMS = ("filename", "fileName", "file", "name", "fn")
# Lazy-loading attributes first: when present, `src` is usually a placeholder.
IMAGE_ATTRIBUTES = ("data-src", "data-original", "original", "data-lazy-src", "src")
# Page furniture that sits inside body containers: pager arrows, share and QR icons, spacers.
FURNITURE_IMAGE = re.compile(
    r"(?:next_?page|pre(?:v|vious)?_?page|/(?:icon|share|fx|qrcode|ewm|erweima|logo)[^/]*$|"
    r"qrcode|erweima|spacer|blank\.gif|loading\.gif|space\.gif|/images?/(?:print|close)\.)",
    re.I,
)
_NOT_FETCHABLE = ("javascript:", "mailto:", "data:", "#", "tel:", "about:")


def _split(href: str) -> SplitResult | None:
    """The parts of a link, None when it cannot be a URL (``http://[::1``, a bad port)."""
    try:
        parts = urlsplit(href)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return None
    return parts


def absolute(page_url: str, href: str) -> str | None:
    """``href`` resolved against the page's URL; None when it is no URL at all."""
    if _split(href) is None:
        return None
    try:
        return urljoin(page_url, href)
    except ValueError:
        return None


def _download_file_name(href: str) -> str | None:
    """The file name a download script is asked for, when it has a document extension."""
    parts = _split(href)
    if parts is None or not DOWNLOAD_SCRIPTS.search(parts.path):
        return None
    for key, value in parse_qsl(parts.query, keep_blank_values=False):
        if key in FILE_NAME_PARAMS and is_attachment_url(value):
            return value.rsplit("/", 1)[-1]
    return None


def is_attachment_href(href: str) -> bool:
    """Whether a link points at a document file (by extension or by a download script)."""
    href = href.strip()
    if not href or href.lower().startswith(_NOT_FETCHABLE):
        return False
    return is_attachment_url(href) or _download_file_name(href) is not None


def _file_name(href: str) -> str:
    name = _download_file_name(href)
    if name:
        return unquote(name)
    parts = _split(href)
    return unquote(parts.path.rsplit("/", 1)[-1]) if parts is not None else ""


def _attachment_name(link: LexborNode, href: str) -> str:
    """Link text, else its title attribute, else the file name."""
    text = clean_text(link.text())
    if text:
        return text
    title = clean_text(link.attributes.get("title") or "")
    return title or clean_text(_file_name(href))


def _links(nodes: Iterable[LexborNode]) -> Iterator[LexborNode]:
    for node in nodes:
        if node.tag == "a":
            yield node
        yield from node.css("a[href]")


def collect_attachments(nodes: Iterable[LexborNode], page_url: str) -> tuple[Attachment, ...]:
    """Document links inside ``nodes``, absolute, deduplicated by URL, in page order."""
    seen: set[str] = set()
    found: list[Attachment] = []
    for link in _links(nodes):
        href = (link.attributes.get("href") or "").strip()
        if not is_attachment_href(href):
            continue
        url = absolute(page_url, href)
        if url is not None and url not in seen:
            seen.add(url)
            found.append(Attachment(name=_attachment_name(link, href), url=url))
    return tuple(found)


def _image_source(image: LexborNode) -> str | None:
    attrs = image.attributes
    for name in IMAGE_ATTRIBUTES:
        value = (attrs.get(name) or "").strip()
        if value and not value.lower().startswith(_NOT_FETCHABLE):
            return value
    return None


def collect_images(nodes: Iterable[LexborNode], page_url: str) -> tuple[str, ...]:
    """Absolute URLs of the images inside ``nodes``; no data: URIs, no icons; deduplicated."""
    seen: set[str] = set()
    found: list[str] = []
    for node in nodes:
        images = [node] if node.tag == "img" else []
        for image in [*images, *node.css("img")]:
            source = _image_source(image)
            if source is None or FURNITURE_IMAGE.search(source):
                continue
            url = absolute(page_url, source)
            if url is not None and url not in seen:
                seen.add(url)
                found.append(url)
    return tuple(found)
