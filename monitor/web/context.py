"""What the web application works with: the store, the sites' configurations (read anew on
each request, so a reload is seen), the operator token and whether every route needs it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from crawler.sites import SiteConfig
from monitor.store import Store
from monitor.web.tally import Tally


@dataclass
class WebContext:
    store: Store
    sites: Callable[[], Sequence[SiteConfig]]
    token: str | None = None
    protect: bool = False  # every route but /healthz needs the token (non-loopback address)
    tally: Tally = field(default_factory=Tally)

    @property
    def authorities(self) -> list[str]:
        return sorted({site.authority for site in self.sites()})

    @property
    def categories(self) -> list[str]:
        return sorted({column.category for site in self.sites() for column in site.columns})
