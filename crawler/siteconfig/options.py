"""Adapter kinds and the typed `options` of each, chosen by the site's (or column's) adapter.

An adapter module (``crawler/adapters/<kind>.py``) reads its options from here:
``TrsAdapter.Options = TrsOptions``. Unknown option keys are errors, like everywhere in the YAML.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from crawler.siteconfig.fields import GroupRegex, PageTemplate, Text, UrlPath

AdapterKind = Literal["trs", "hanweb", "json_search", "css", "auto"]
ADAPTER_KINDS: tuple[str, ...] = get_args(AdapterKind)
UNKNOWN_KIND = "unknown"  # the options of a site whose adapter is itself invalid (not checked)
_HANWEB_COLUMN = re.compile(r"/col/col(\d+)(?:/|$)")


class AdapterOptions(BaseModel):
    """Options common to every adapter (none yet); the base of each kind's options."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: ClassVar[str] = UNKNOWN_KIND


class PagedOptions(AdapterOptions):
    """Page 2... by URL template: `{page}` is replaced by the page number plus `page_offset`.

    Page 1 is always the column URL. A relative template is resolved against the column URL:
    `index_{page}.html` with `page_offset: -1` gives index_1.html for page 2 (MOE numbering).
    """

    page_url: PageTemplate | None = None
    page_offset: int = Field(default=0, ge=-1, le=10)


class TrsOptions(AdapterOptions):
    """TRS WCM: static pages index.html, index_N.html, page count from `createPageHTML(...)`."""

    kind: ClassVar[str] = "trs"
    first_index: int | None = Field(default=None, ge=1, le=2)  # N of page 2; None: from the pager
    index_name: Text = "index"
    suffix: Literal[".html", ".htm", ".shtml"] | None = (
        None  # None: from the column URL, else .html
    )
    page_count_pattern: GroupRegex | None = None  # e.g. 'createPage\((\d+)' (Chongqing)


class HanwebOptions(AdapterOptions):
    """Hanweb JCMS: first page from the `<datastore>` block, next ones by POST to the data proxy.

    Ids left out are read from the column page (`columnid:…; unitid:'…'` in its scripts).
    """

    kind: ClassVar[str] = "hanweb"
    webid: int | None = Field(default=None, ge=1)
    unitid: int | None = Field(default=None, ge=1)
    columnid: int | None = Field(default=None, ge=1)
    perpage: int = Field(default=15, ge=1, le=100)
    proxy_path: UrlPath = "/module/web/jpage/dataproxy.jsp"

    def column_id(self, column_url: str) -> int | None:
        """`columnid`, else the number of a `/col/colNNN/` column URL."""
        if self.columnid is not None:
            return self.columnid
        match = _HANWEB_COLUMN.search(column_url)
        return int(match.group(1)) if match else None


class JsonSearchOptions(AdapterOptions):
    """A JSON list API (`/common/search/<channel>?_isJson=true&page=N`, Fujian's `fjdzapp`)."""

    kind: ClassVar[str] = "json_search"
    page_param: Text = "page"
    first_page: int = Field(default=1, ge=0)
    page_size_param: Text = "_pageSize"
    page_size: int = Field(default=15, ge=1, le=100)
    # Left out: found in the answer (the largest list of records with a title and a URL; keys
    # recognised in any case: title/FILENAME/DOCTITLE, url/URL/DOCPUBURL, PUBDATE/DOCRELTIME).
    results_path: Text | None = None  # dotted path to the list of records, e.g. data.results
    title_key: Text | None = None
    url_key: Text | None = None
    date_key: Text | None = None


class CssOptions(PagedOptions):
    """Selectors from the YAML (`list.item` required); paging by `page_url` or `list.next`."""

    kind: ClassVar[str] = "css"


class AutoOptions(PagedOptions):
    """Find the repeated block of dated links; `page_url` and `list` selectors are hints."""

    kind: ClassVar[str] = "auto"


ADAPTER_OPTIONS: dict[str, type[AdapterOptions]] = {
    model.kind: model
    for model in (TrsOptions, HanwebOptions, JsonSearchOptions, CssOptions, AutoOptions)
}


class BoundOptions(dict[str, Any]):
    """The raw `options` mapping of a YAML file, tagged with the adapter kind that validates it."""

    kind: str = UNKNOWN_KIND


def bind_options(raw: Any, kind: str) -> Any:
    """Tag a raw options mapping with its adapter kind (None counts as an empty mapping)."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict) or isinstance(raw, BoundOptions):
        return raw
    bound = BoundOptions(raw if kind in ADAPTER_OPTIONS else {})
    bound.kind = kind if kind in ADAPTER_OPTIONS else UNKNOWN_KIND
    return bound


def _options_kind(value: Any) -> str:
    if isinstance(value, BoundOptions | AdapterOptions):
        return value.kind
    return UNKNOWN_KIND


OptionsField = Annotated[
    Annotated[TrsOptions, Tag("trs")]
    | Annotated[HanwebOptions, Tag("hanweb")]
    | Annotated[JsonSearchOptions, Tag("json_search")]
    | Annotated[CssOptions, Tag("css")]
    | Annotated[AutoOptions, Tag("auto")]
    | Annotated[AdapterOptions, Tag(UNKNOWN_KIND)],
    Discriminator(_options_kind),
]


def default_options(kind: str) -> AdapterOptions:
    return ADAPTER_OPTIONS.get(kind, AdapterOptions)()
