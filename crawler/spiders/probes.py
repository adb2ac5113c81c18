"""Which known articles a crawl probes although none of its lists showed them: withdrawal
evidence (a 404/410) and the re-checks due. Shared by the embedded spider (crawler.spiders.state)
and the distributed workers (monitor.distributed.probes), which gather the same inputs their own
way: one process's memory, or a run's counters in Redis and its listings in the store.

The candidates, each probed once and only when its column was listed in this crawl:
- the known articles a list page read again no longer shows (they vanished from it),
- the suspects (crawler.spiders.listcache): known articles that answered 404/410 before,
- the stored articles due for a re-check.
None is probed when it was listed (or fetched) anywhere in this crawl: it moved to another
column, or it is simply still there.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Container, Iterable, Mapping

from crawler.spiders.listcache import Suspect

Probe = tuple[str, str]  # (URL, the column it belongs to)


def choose_probes(
    *,
    vanished: Iterable[Probe],
    suspects: Mapping[str, Suspect],
    due: Iterable[str],
    column_of: Mapping[str, str],
    listed_columns: Collection[str],
    known: Container[str],
    skip: Callable[[str], bool],
    canonical: Callable[[str], str],
) -> list[Probe]:
    """The probes of a crawl, vanished first, then suspects, then due (canonical URLs, with
    ``column_of`` naming their column). ``skip(canonical URL)``: listed or fetched already."""
    if not listed_columns:
        return []
    found: dict[str, Probe] = {}
    for url, column in vanished:
        key = canonical(url)
        if column in listed_columns and key in known:
            found.setdefault(key, (url, column))
    for url, suspect in sorted(suspects.items()):
        if suspect.column in listed_columns:
            found.setdefault(canonical(url), (url, suspect.column))
    for key in sorted(due):
        owner = column_of.get(key)
        if owner is not None and owner in listed_columns:
            found.setdefault(key, (key, owner))
    return [pair for key, pair in found.items() if not skip(key)]
