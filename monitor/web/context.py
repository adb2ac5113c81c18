"""What the web application works with: the store, the sites' configurations (read anew on
each request, so a reload is seen), the operator token and whether every route needs it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from crawler.sites import SiteConfig
from monitor.store import Store
from monitor.web.reading import read_sessions
from monitor.web.tally import Tally


@dataclass
class WebContext:
    store: Store
    sites: Callable[[], Sequence[SiteConfig]]
    token: str | None = None
    protect: bool = False  # every route but /healthz needs the token (non-loopback address)
    tally: Tally = field(default_factory=Tally)
    _readers: sessionmaker[Session] | None = field(default=None, repr=False)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session in a read-only transaction (monitor.web.reading)."""
        if self._readers is None:
            self._readers = read_sessions(self.store)
        with self._readers.begin() as session:
            yield session

    @property
    def authorities(self) -> list[str]:
        return sorted({site.authority for site in self.sites()})

    @property
    def categories(self) -> list[str]:
        return sorted({column.category for site in self.sites() for column in site.columns})
