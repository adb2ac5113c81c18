"""The typed form of one `config/sites/<id>.yaml` file.

Only `id`, `name`, `authority`, `columns` and `adapter` are required; every other key has a default.
A column may override the site's `adapter`, `list`, `article`, `options`, `max_pages` and
`schedule`; `SiteConfig.effective_columns()` gives each column with its overrides applied (a
column's key replaces the site's key of the same name; `list`, `article` and same-kind `options`
are merged key by key).

Selectors are CSS that both parsel and selectolax accept, relative to the list item (`list.*`
except `item` and `next`) or to the page (`list.item`, `list.next`, `article.*`).

Contract with the adapters: `css` reads items with the `list` selectors only (`list.item` is
required); `trs`, `hanweb` and `json_search` use them, when `list.item` is given, instead of their
own reading of an item; `auto` tries them first and falls back to its detection when they match
nothing. `link` defaults to the item itself when it is an `<a>`, else its first `<a>`; `title`
defaults to the link text, and `title_attr` (e.g. `title`) names the attribute that holds the
full title when the text is cut with `...`; `link_pattern` extracts the URL from the `link_attr`
value (e.g. `onclick="isDownLoad(this,'URL')"`); `date_pattern` finds the date in the `date` text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    model_validator,
)

from crawler.siteconfig.errors import Loc, rule_errors
from crawler.siteconfig.fields import (
    AllowedHost,
    AttributeName,
    Codec,
    CssSelector,
    GroupRegex,
    HeaderName,
    HeaderValue,
    HttpUrlText,
    Regex,
    SiteId,
    Text,
)
from crawler.siteconfig.options import (
    UNKNOWN_KIND,
    AdapterKind,
    AdapterOptions,
    OptionsField,
    adapter_kinds,
    bind_options,
    default_options,
)
from crawler.siteconfig.schedule import DEFAULT_SCHEDULE, Schedule

if TYPE_CHECKING:
    from crawler.normalize.model import ExtractionRules

Category = Literal["news", "notice", "policy"]
# Valid on any machine: whether this one has a browser is asked where pages are rendered
# (crawler.render.chromium.browser_missing), never by the configuration.
Render = Literal["http", "browser", "auto"]
_Model = TypeVar("_Model", bound=BaseModel)
CSS_NEEDS_ITEM = "expected list.item (on the column or the site): adapter css needs it"


class ConfigModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ListSelectors(ConfigModel):
    """How to read the items of a list page (see the module docstring for the defaults)."""

    item: CssSelector | None = None
    title: CssSelector | None = None
    title_attr: AttributeName | None = None
    link: CssSelector | None = None
    link_attr: AttributeName = "href"
    link_pattern: GroupRegex | None = None
    date: CssSelector | None = None
    date_pattern: Regex | None = None
    next: CssSelector | None = None


class ArticleSelectors(ConfigModel):
    """CSS selectors of an article page; each overrides the normalizer's detection."""

    title: CssSelector | None = None
    date: CssSelector | None = None
    source: CssSelector | None = None
    body: CssSelector | None = None
    remove: tuple[CssSelector, ...] = ()

    def extraction_rules(self) -> ExtractionRules:
        """The normalizer's form of these selectors."""
        from crawler.normalize.model import ExtractionRules

        return ExtractionRules(
            title=self.title,
            date=self.date,
            source=self.source,
            body=self.body,
            remove=self.remove,
        )


class BoundColumn(dict[str, Any]):
    """A raw column mapping with what its checks need to know of its site."""

    site_adapter: str = UNKNOWN_KIND
    site_has_item: bool = False


class ColumnConfig(ConfigModel):
    """One list page of a site; the keys after `category` override the site's."""

    name: Text
    url: HttpUrlText
    category: Category
    adapter: AdapterKind | None = None
    list_selectors: ListSelectors | None = Field(default=None, alias="list")
    article_selectors: ArticleSelectors | None = Field(default=None, alias="article")
    options: OptionsField | None = None
    max_pages: int | None = Field(default=None, ge=1, le=100)
    schedule: Schedule | None = None
    render: Render | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _css_needs_items(cls, data: Any, handler: ModelWrapValidatorHandler[ColumnConfig]) -> Any:
        column = handler(data)
        site_adapter = getattr(data, "site_adapter", UNKNOWN_KIND)
        adapter = column.adapter or site_adapter
        has_item = column.list_selectors is not None and column.list_selectors.item is not None
        if adapter == "css" and not (has_item or getattr(data, "site_has_item", False)):
            raise rule_errors(cls.__name__, [(("list",), CSS_NEEDS_ITEM)])
        return column


class SiteConfig(ConfigModel):
    """One education authority's site and the columns watched on it."""

    id: SiteId
    name: Text
    authority: Text
    enabled: bool = True
    adapter: AdapterKind
    columns: list[ColumnConfig] = Field(min_length=1)
    list_selectors: ListSelectors | None = Field(default=None, alias="list")
    article_selectors: ArticleSelectors | None = Field(default=None, alias="article")
    options: OptionsField
    max_pages: int = Field(default=3, ge=1, le=100)
    render: Render = "auto"
    schedule: Schedule = Field(default_factory=lambda: Schedule.parse(DEFAULT_SCHEDULE))
    delay: float = Field(default=1.0, ge=0, le=600)
    concurrency: int = Field(default=2, ge=1, le=16)
    obey_robots: bool = True
    encoding: Codec | None = None
    headers: dict[HeaderName, HeaderValue] = Field(default_factory=dict)
    allowed_hosts: tuple[AllowedHost, ...] = ()  # hosts beyond the columns' domains (crawler.scope)

    @model_validator(mode="before")
    @classmethod
    def _bind_context(cls, data: Any) -> Any:
        """Tag `options` with the adapter that validates them; tell columns about the site."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        adapter = data.get("adapter")
        site_kind = adapter if isinstance(adapter, str) and adapter in adapter_kinds() else None
        data["options"] = bind_options(data.get("options"), site_kind or UNKNOWN_KIND)
        site_list = data.get("list")
        has_item = bool(
            site_list.get("item")
            if isinstance(site_list, dict)
            else getattr(site_list, "item", None)
        )
        if isinstance(data.get("columns"), list | tuple):
            data["columns"] = [
                _bind_column(column, site_kind, has_item) for column in data["columns"]
            ]
        return data

    @model_validator(mode="after")
    def _columns_distinct(self) -> SiteConfig:
        problems: list[tuple[Loc, str]] = []
        seen_names: dict[str, int] = {}
        seen_urls: dict[str, int] = {}
        for index, column in enumerate(self.columns):
            if column.name in seen_names:
                first = seen_names[column.name]
                problems.append(
                    (("columns", index, "name"), f"expected a unique name; columns[{first}] has it")
                )
            if column.url in seen_urls:
                first = seen_urls[column.url]
                problems.append(
                    (("columns", index, "url"), f"expected a unique URL; columns[{first}] has it")
                )
            seen_names.setdefault(column.name, index)
            seen_urls.setdefault(column.url, index)
        if problems:
            raise rule_errors(type(self).__name__, problems)
        return self

    def effective_columns(self) -> tuple[EffectiveColumn, ...]:
        """Every column with the site's settings and its own overrides applied."""
        return tuple(self._effective(column) for column in self.columns)

    def column(self, name: str) -> EffectiveColumn:
        """The column of that name; KeyError names the columns there are."""
        for column in self.columns:
            if column.name == name:
                return self._effective(column)
        names = ", ".join(column.name for column in self.columns)
        raise KeyError(f"site {self.id!r} has no column {name!r} (columns: {names})")

    def browser_columns(self) -> dict[Loc, tuple[str, ...]]:
        """The columns set to ``render: browser``, by the key that sets it: a column's own
        (``("columns", i, "render")``) or the site's (``("render",)``)."""
        found: dict[Loc, list[str]] = {}
        for index, column in enumerate(self.columns):
            if (column.render or self.render) == "browser":
                loc: Loc = ("columns", index, "render") if column.render else ("render",)
                found.setdefault(loc, []).append(column.name)
        return {loc: tuple(names) for loc, names in found.items()}

    def _effective(self, column: ColumnConfig) -> EffectiveColumn:
        adapter = column.adapter or self.adapter
        return EffectiveColumn(
            site=self,
            name=column.name,
            url=column.url,
            category=column.category,
            adapter=adapter,
            list_selectors=_merged(ListSelectors(), self.list_selectors, column.list_selectors),
            article_selectors=_merged(
                ArticleSelectors(), self.article_selectors, column.article_selectors
            ),
            options=self._column_options(column, adapter),
            max_pages=column.max_pages or self.max_pages,
            schedule=column.schedule or self.schedule,
            render=column.render or self.render,
        )

    def _column_options(self, column: ColumnConfig, adapter: str) -> AdapterOptions:
        base = self.options if adapter == self.adapter else default_options(adapter)
        return _merged(base, column.options)


@dataclass(frozen=True, slots=True)
class EffectiveColumn:
    """What the spider needs to crawl one column: the column with the site's settings applied."""

    site: SiteConfig
    name: str
    url: str
    category: Category
    adapter: AdapterKind
    list_selectors: ListSelectors
    article_selectors: ArticleSelectors
    options: AdapterOptions
    max_pages: int
    schedule: Schedule
    render: Render = "auto"

    def extraction_rules(self) -> ExtractionRules:
        return self.article_selectors.extraction_rules()


def _bind_column(raw: Any, site_kind: str | None, site_has_item: bool) -> Any:
    if not isinstance(raw, dict):
        return raw
    column = BoundColumn(raw)
    column.site_adapter = site_kind or UNKNOWN_KIND
    column.site_has_item = site_has_item
    own = raw.get("adapter", site_kind)
    kind = own if isinstance(own, str) and own in adapter_kinds() else UNKNOWN_KIND
    if "options" in raw:
        column["options"] = bind_options(raw["options"], kind)
    return column


def _merged(base: _Model, *overrides: _Model | None) -> _Model:
    """`base` with the keys each override sets explicitly (later ones win)."""
    for override in overrides:
        if override is None:
            continue
        if type(override) is type(base):
            base = base.model_copy(update=override.model_dump(exclude_unset=True))
        else:
            base = override
    return base
