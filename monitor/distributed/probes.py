"""Withdrawal evidence in distributed mode: the probes of known articles that no list of a run
showed, as the embedded spider makes them (crawler.spiders.probes), and their evidence handed
to the store when the run closes.

- A list page read (200) replaces its copy in the shared list cache; the known articles the
  copy listed and the page does not are noted in the run's counters (``vanished:<url>``).
- When the run's last pending request is acked, the worker that acked it claims the run's
  probes (once: ``probed``, monitor.distributed.runs) and chooses them from the vanished
  articles, the site's suspects (``Keys.suspects``) and the articles due for a re-check, minus
  every URL the run's listings showed (an article that moved to another column is listed
  there), and queues them. A guard counted in ``pending`` while they are queued keeps the run
  open; it closes when the probes are acked too.
- A probe answering 404/410 is evidence (``gone:<url>``), one answering with content shows the
  article alive (``alive:<url>``; it is stored as any re-check).
- At close (monitor.distributed.runs) the evidence becomes the run's listings in the store
  before the run is finished, as the embedded spider's ``record_listing`` does, and the site's
  suspects are settled. Vanished articles a run never probed (closed at its deadline) become
  suspects, so the next run probes them: their page's copy is already replaced.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import redis

from crawler.sites import SiteConfig
from crawler.spiders.listcache import CachedPage, Suspect, settle_suspects
from crawler.spiders.probes import Probe, choose_probes
from crawler.spiders.state import LISTED
from crawler.urls import canonical_url
from monitor.distributed.keys import Keys
from monitor.distributed.listcache import SharedListCache
from monitor.ingest import SiteRef, due_for_recheck, known_urls, listed_urls, record_listing
from monitor.store import Store
from monitor.store.listing import GONE_STATUSES

VANISHED, GONE, ALIVE, PROBED = "vanished:", "gone:", "alive:", "probed"


def is_gone(status: int | None) -> bool:
    return status in GONE_STATUSES


def gone_field(url: str, column: str, status: int) -> dict[str, str]:
    return {f"{GONE}{url}": json.dumps([column, status], ensure_ascii=False)}


def alive_field(url: str) -> dict[str, str]:
    return {f"{ALIVE}{url}": "1"}


def vanished_fields(
    before: CachedPage | None, after: CachedPage, known: set[str]
) -> dict[str, str]:
    """``vanished:<url>`` -> column: the known articles ``before`` listed and ``after`` not."""
    listed = {canonical_url(item.url) for item in after.items}
    return {
        f"{VANISHED}{item.url}": after.column
        for item in (before.items if before else ())
        if canonical_url(item.url) in known - listed
    }


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a run's counters say of its probes."""

    vanished: dict[str, str]  # URL -> column
    gone: dict[str, tuple[str, int]]  # URL -> (column, 404/410)
    alive: set[str]  # canonical URLs that answered with content

    @classmethod
    def of(cls, counters: Mapping[str, str]) -> Evidence:
        def fields(prefix: str) -> dict[str, str]:
            return {
                key.removeprefix(prefix): value
                for key, value in counters.items()
                if key.startswith(prefix)
            }

        gone = {url: json.loads(value) for url, value in fields(GONE).items()}
        return cls(
            vanished=fields(VANISHED),
            gone={url: (str(column), int(status)) for url, (column, status) in gone.items()},
            alive={canonical_url(url) for url in fields(ALIVE)},
        )

    def record(self, store: Store, run_id: int) -> None:
        """Hand the 404/410 answers to the store as the run's listings, a column at a time."""
        by_column: dict[str, dict[str, int]] = {}
        for url, (column, status) in sorted(self.gone.items()):
            by_column.setdefault(column, {})[url] = status
        for column, gone in by_column.items():
            record_listing(store, run_id, column, [], gone)


class RunProbes:
    """The probes of distributed runs: noting, choosing, settling (see the module)."""

    def __init__(self, client: redis.Redis, keys: Keys, store: Store) -> None:
        self.client = client
        self.keys = keys
        self.store = store
        self.cache = SharedListCache(client, keys)

    def note_page(
        self, run_id: int, site_id: str, url: str, page: CachedPage, known: set[str]
    ) -> None:
        """A list page read: into the shared cache, its vanished known articles into the run."""
        found = vanished_fields(self.cache.swap(site_id, url, page), page, known)
        if found:
            self.client.hset(self.keys.run(run_id), mapping=found)  # type: ignore[arg-type]

    def choose(
        self, run_id: int, counters: Mapping[str, str], site: SiteConfig, ref: SiteRef
    ) -> list[Probe]:
        """The run's probes (crawler.spiders.probes), from its counters and the store."""
        columns: list[str] = json.loads(counters.get("columns", "[]"))
        names = {column.name for column in site.effective_columns()}  # this worker's config
        listed_columns = {
            name for name in columns if counters.get(f"col:{name}") in LISTED and name in names
        }
        if not listed_columns:
            return []
        vanished = Evidence.of(counters).vanished
        due = due_for_recheck(self.store, ref, [])
        column_of = {  # only the due need their column
            url: column
            for column in (listed_columns if due else ())
            for url in known_urls(self.store, ref, column)
        }
        listed = listed_urls(self.store, run_id)
        return choose_probes(
            vanished=vanished.items(),
            suspects=self.cache.suspects(site.id),
            due=due,
            column_of=column_of,
            listed_columns=listed_columns,
            known=known_urls(self.store, ref) if vanished else set(),
            skip=listed.__contains__,
            canonical=canonical_url,
        )

    def settle(self, site_id: str, run_id: int, evidence: Evidence, run_ok: bool) -> None:
        """After the run: the site's suspects settled as the embedded spider settles them, and
        the vanished articles it never probed made suspects."""
        suspects = self.cache.suspects(site_id)
        if not (suspects or evidence.vanished or evidence.gone):
            return
        listed = listed_urls(self.store, run_id)
        answered = evidence.alive | listed
        cleared = {url for url in suspects if canonical_url(url) in answered}
        gone = {url: column for url, (column, _) in evidence.gone.items()}
        settle_suspects(suspects, gone, cleared, run_ok)
        for url, column in evidence.vanished.items():
            if url not in gone and canonical_url(url) not in answered:
                suspects.setdefault(url, Suspect(column, 0))
        self.cache.save_suspects(site_id, suspects)
