"""List-page adapters, one module per CMS family; importing the package registers them all.

``adapter_for(column)`` (in ``base``) gives the adapter of a column's ``adapter`` kind.
"""

from crawler.adapters.base import (
    Adapter,
    ListError,
    Listing,
    ListItem,
    ListResponse,
    PageRequest,
    adapter_for,
)
from crawler.adapters.common import ListAdapter, ListPageError

from . import auto, css, hanweb, json_search, trs

__all__ = [
    "Adapter",
    "ListAdapter",
    "ListError",
    "ListItem",
    "ListPageError",
    "ListResponse",
    "Listing",
    "PageRequest",
    "adapter_for",
    "auto",
    "css",
    "hanweb",
    "json_search",
    "trs",
]
