"""Site YAML -> typed SiteConfig (pydantic, `extra="forbid"`); used by the crawler and the service.

    result = load_sites(Path("config"))        # every site file, every error in one run
    site = load_site(Path("config"), "shanxi")  # one site for the spider, or SiteConfigError
    for column in site.effective_columns():     # overrides applied: adapter, selectors, options
        column.url, column.adapter, column.options, column.list_selectors, column.extraction_rules()

The models live in `crawler.siteconfig`; this module is their public face.
"""

from __future__ import annotations

from crawler.siteconfig.errors import FILE_KEY, ConfigError, SiteConfigError
from crawler.siteconfig.loader import LoadResult, load_site, load_sites, read_site_file, site_files
from crawler.siteconfig.models import (
    ArticleSelectors,
    Category,
    ColumnConfig,
    EffectiveColumn,
    ListSelectors,
    SiteConfig,
)
from crawler.siteconfig.options import (
    AdapterKind,
    AdapterOptions,
    PagedOptions,
    adapter_kinds,
    adapter_options,
)
from crawler.siteconfig.schedule import DEFAULT_SCHEDULE, TIMEZONE, Schedule

__all__ = [
    "DEFAULT_SCHEDULE",
    "FILE_KEY",
    "TIMEZONE",
    "AdapterKind",
    "AdapterOptions",
    "ArticleSelectors",
    "Category",
    "ColumnConfig",
    "ConfigError",
    "EffectiveColumn",
    "ListSelectors",
    "LoadResult",
    "PagedOptions",
    "Schedule",
    "SiteConfig",
    "SiteConfigError",
    "adapter_kinds",
    "adapter_options",
    "load_site",
    "load_sites",
    "read_site_file",
    "site_files",
]
