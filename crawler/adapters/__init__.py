"""List-page adapters, one module per CMS family; importing the package registers them all.

A new adapter is one module here, whose ``Adapter`` subclass sets ``kind`` and its ``Options``
model, and its name in ``FAMILIES``. ``adapter_for(column)`` (in ``base``) gives the adapter of a
column's ``adapter`` kind.
"""

from importlib import import_module

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

# The family modules, imported in this order: the order `check-config` lists the kinds in (a
# family module may import only the ones before it).
FAMILIES = ("trs", "hanweb", "json_search", "css", "auto")

for _family in FAMILIES:
    import_module(f"{__name__}.{_family}")

__all__ = [
    "FAMILIES",
    "Adapter",
    "ListAdapter",
    "ListError",
    "ListItem",
    "ListPageError",
    "ListResponse",
    "Listing",
    "PageRequest",
    "adapter_for",
]
