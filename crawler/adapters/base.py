"""The contract between the spider and the list-page adapters (one per CMS family).

An adapter knows how one family lists its articles: the first request(s) of a column, the items
of a list page, and the requests of the next pages. It is Scrapy-free: it reads bytes and returns
plain data; the spider turns a ``PageRequest`` into a ``scrapy.Request`` and back.

    adapter = adapter_for(column)                 # by column.adapter: trs, hanweb, css ...
    for request in adapter.first_requests():      # page 1 of the column
        ...fetch...
    listing = adapter.parse(ListResponse(...))    # items + what to fetch next
    listing.items, listing.rule, listing.next_requests, listing.page_count

Adapters register by kind with ``__init_subclass__`` (``kind = "trs"``), each with the model of
its YAML ``options`` (``Options = TrsOptions``): ``Adapter.registry`` is the one list of kinds,
read by the site configuration's checks. ``crawler/adapters/__init__.py`` imports the families.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

from crawler.siteconfig.options import AdapterOptions
from crawler.sites import EffectiveColumn


@dataclass(frozen=True, slots=True)
class PageRequest:
    """A list-page request: GET by default; Hanweb's dataproxy is a form POST."""

    url: str
    page: int = 1
    method: str = "GET"
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ListResponse:
    """What the spider hands an adapter: the answer to one PageRequest."""

    request: PageRequest
    url: str  # the final URL, after redirects
    status: int
    body: bytes
    charset: str | None = None  # the HTTP charset, if the server sent one


@dataclass(frozen=True, slots=True)
class ListItem:
    """One article (or file) a list page links to."""

    title: str  # the full title (`a@title` when the text is cut with `...`), cleaned
    url: str  # absolute
    date: str | None = None  # ISO date `YYYY-MM-DD` (Asia/Shanghai), when the list shows one
    is_file: bool = False  # the link goes straight to a PDF/DOC...: a file article


@dataclass(frozen=True, slots=True)
class Listing:
    """The result of parsing one list page."""

    items: tuple[ListItem, ...]
    rule: str  # which rule found the items, e.g. "trs:ul li", "hanweb:datastore", "auto:dl>dd"
    next_requests: tuple[PageRequest, ...] = ()  # further pages (bounded by max_pages upstream)
    page_count: int | None = None  # total pages, when the page says
    notes: tuple[str, ...] = field(default=())


class ListError(Exception):
    """A list page that cannot be read: broken markup for its family, an answer that is no list."""


class Adapter(ABC):
    """One CMS family's way of listing a column's articles."""

    kind: ClassVar[str]
    Options: ClassVar[type[AdapterOptions]] = AdapterOptions  # the model of its YAML `options`
    summary: ClassVar[str] = ""  # what it reads, in a few words (`check-config --explain`)
    registry: ClassVar[dict[str, type[Adapter]]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("kind")
        if isinstance(kind, str):
            Adapter.registry[kind] = cls

    def __init__(self, column: EffectiveColumn) -> None:
        self.column = column

    def first_requests(self) -> list[PageRequest]:
        """The request(s) for page 1 of the column; by default its URL."""
        return [PageRequest(url=self.column.url, page=1)]

    @abstractmethod
    def parse(self, response: ListResponse) -> Listing:
        """The items of a list page and the requests of the pages after it (all of them, or the
        next one; the spider stops at ``max_pages`` and when a page holds only known articles)."""


def adapter_for(column: EffectiveColumn) -> Adapter:
    """The adapter of the column's kind (``column.adapter``)."""
    try:
        cls = Adapter.registry[column.adapter]
    except KeyError:
        raise ListError(f"no adapter of kind {column.adapter!r}") from None
    return cls(column)
