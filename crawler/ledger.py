"""The crawler's one door to whatever keeps its runs: the ``Ledger`` a spider asks what is
known and due, and tells how its run went.

The crawler stores nothing itself and imports nothing of the monitor. The ledger class comes
from the ``EDUWATCH_LEDGER`` setting, a dotted path (the monitor's Scrapy settings name
``monitor.ledger.RunLedger``, with the item pipeline that stores); without it, or with
``database=none``, the ``NullLedger`` knows only the URLs it was given and keeps nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from scrapy.settings import BaseSettings
from scrapy.utils.misc import load_object

from crawler.sites import SiteConfig
from crawler.urls import canonical_url

NO_DATABASE = "none"
LEDGER_SETTING = "EDUWATCH_LEDGER"


class LedgerError(Exception):
    """The ledger cannot open, answer or record the run (the reason is its store's error)."""


class Ledger(Protocol):
    """What a crawl asks and tells about its run; LedgerError when the store fails."""

    run_id: int | None

    def open(self) -> None: ...
    def canonical(self, url: str) -> str: ...
    def known(self) -> set[str]: ...
    def columns_of(self, columns: Iterable[str]) -> dict[str, str]: ...
    def due(self, first_page_urls: Iterable[str] = ()) -> set[str]: ...
    def record_listing(
        self, column: str | None, urls_seen: Iterable[str], gone: Mapping[str, int]
    ) -> None: ...
    def finish(self, status: str, stats: dict[str, Any], error: str | None) -> str: ...
    def stats(self) -> dict[str, Any]: ...
    def close(self) -> None: ...


class NullLedger:
    """No store: nothing known, nothing due, nothing kept."""

    def __init__(
        self,
        site: SiteConfig,
        config_dir: Path,
        database: str | None = None,
        settings: BaseSettings | None = None,
    ) -> None:
        self.site = site
        self.run_id: int | None = None

    def open(self) -> None:
        return None

    def canonical(self, url: str) -> str:
        return canonical_url(url)

    def known(self) -> set[str]:
        return set()

    def columns_of(self, columns: Iterable[str]) -> dict[str, str]:
        return {}

    def due(self, first_page_urls: Iterable[str] = ()) -> set[str]:
        return set()

    def record_listing(
        self, column: str | None, urls_seen: Iterable[str], gone: Mapping[str, int]
    ) -> None:
        return None

    def finish(self, status: str, stats: dict[str, Any], error: str | None) -> str:
        return status

    def stats(self) -> dict[str, Any]:
        return {}

    def close(self) -> None:
        return None


def make_ledger(
    settings: BaseSettings, site: SiteConfig, config_dir: Path, database: str | None
) -> Ledger:
    """The ledger the settings name (NullLedger when none, or with ``database=none``)."""
    path = settings.get(LEDGER_SETTING)
    if not path or database == NO_DATABASE:
        return NullLedger(site, config_dir, database, settings)
    ledger: Ledger = load_object(path)(site, config_dir, database, settings)
    return ledger


def known_urls_file(path: Path) -> set[str]:
    """Canonical URLs of a file of URLs, one a line (blank lines and ``#`` comments skipped)."""
    lines = path.read_text("utf-8").splitlines()
    return {
        canonical_url(line.strip()) for line in lines if line.strip() and not line.startswith("#")
    }
