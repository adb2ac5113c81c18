"""The rules of subscribers.yaml that span fields, checked on the raw document, so that one
broken field does not hide them: pydantic runs a model's own validators only once its fields
are valid, and check-config must report every problem of the file at once.

    raw_problems(data, environ, known_sites) -> [(loc, message), ...]

The messages are those the models raise (monitor.alerts.subscribers), so a problem found both
ways is reported once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from crawler.siteconfig.errors import Loc

DIGEST_NEEDED = "expected a cron or interval: mode digest needs it"
DIGEST_UNWANTED = "expected no digest schedule with mode immediate"


def duplicate_name(first: int) -> str:
    return f"expected a unique name; subscribers[{first}] has it"


def duplicate_label(first: int, label: str) -> str:
    return f"expected a unique channel name; channels[{first}] is {label!r} (set name:)"


def unknown_site(site: str) -> str:
    return f"expected the id of a site of config/sites, got {site!r}"


def unknown_authority(authorities: list[str]) -> str:
    return f"expected one of the sites' authorities ({', '.join(authorities)})"


def raw_problems(
    data: Any,
    environ: Mapping[str, str] | None,
    known_sites: Mapping[str, str] | None,
) -> list[tuple[Loc, str]]:
    """The cross-field problems of a raw subscribers document (what pydantic may not reach)."""
    problems: list[tuple[Loc, str]] = []
    names: dict[str, int] = {}
    for index, subscriber in _items(data, "subscribers"):
        at: Loc = ("subscribers", index)
        name = subscriber.get("name")
        if isinstance(name, str) and name in names:
            problems.append(((*at, "name"), duplicate_name(names[name])))
        if isinstance(name, str):
            names.setdefault(name, index)
        mode = subscriber.get("mode", "immediate")
        if mode == "digest" and subscriber.get("digest") is None:
            problems.append(((*at, "digest"), DIGEST_NEEDED))
        if mode == "immediate" and subscriber.get("digest") is not None:
            problems.append(((*at, "digest"), DIGEST_UNWANTED))
        problems += [((*at, *loc), m) for loc, m in _channel_problems(subscriber, environ)]
        if known_sites is not None:
            problems += [
                ((*at, *loc), m) for loc, m in _reference_problems(subscriber, known_sites)
            ]
    return problems


def _channel_problems(
    subscriber: dict[str, Any], environ: Mapping[str, str] | None
) -> Iterator[tuple[Loc, str]]:
    from monitor.alerts.subscribers import _references

    labels: dict[str, int] = {}
    enabled = subscriber.get("enabled", True) is not False
    for index, channel in _items(subscriber, "channels"):
        label = channel.get("name") or channel.get("kind")
        if isinstance(label, str) and label in labels:
            yield ("channels", index), duplicate_label(labels[label], label)
        if isinstance(label, str):
            labels.setdefault(label, index)
        options = channel.get("options")
        if environ is not None and enabled and isinstance(options, dict):
            for loc, message in _references(options, environ)[1]:
                yield ("channels", index, *loc), message


def _reference_problems(
    subscriber: dict[str, Any], known_sites: Mapping[str, str]
) -> Iterator[tuple[Loc, str]]:
    filters = subscriber.get("filters")
    if not isinstance(filters, dict):
        return
    authorities = sorted(set(known_sites.values()))
    for number, site in _values(filters, "sites"):
        if isinstance(site, str) and site not in known_sites:
            yield ("filters", "sites", number), unknown_site(site)
    for number, authority in _values(filters, "authorities"):
        if isinstance(authority, str) and authority not in authorities:
            yield ("filters", "authorities", number), unknown_authority(authorities)


def _items(data: Any, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The mappings of the list ``data[key]`` with their index (anything else skipped)."""
    for index, item in _values(data, key):
        if isinstance(item, dict):
            yield index, item


def _values(data: Any, key: str) -> Iterator[tuple[int, Any]]:
    values = data.get(key) if isinstance(data, dict) else None
    if isinstance(values, list):
        yield from enumerate(values)
