"""Who gets what: an event -> the (subscriber, channel) pairs that must hear of it.

Subscribers hear of articles (new, revised, withdrawn) that pass their filters; a subscriber
with no filter hears of all of them. The operator channels of eduwatch.yaml, and only they, hear
of site health (site_failing, site_recovered, site_stale) and of the service itself (start, stop,
a channel failing or recovered).

The routing table holds no secret: subscriber names, channel names, modes and filters. The
service publishes it to the store when it (re)loads a valid configuration, so every process that
records events (crawl subprocesses included) routes by the configuration the service accepted.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from monitor.alerts.subscribers import (
    OPERATOR_KINDS,
    SUBSCRIBER_KINDS,
    ChannelSpec,
    Filters,
    Mode,
    SubscribersConfig,
)

OPERATOR = "@operator"  # the subscriber name of the operator's deliveries
SERVICE_KINDS = (
    "service_started",
    "service_stopped",
    "delivery_dead",
    "channel_failing",
    "channel_recovered",
)


@dataclass(frozen=True, slots=True)
class EventFacts:
    """What routing may look at of one event."""

    kind: str
    site_id: str
    authority: str = ""
    category: str | None = None
    title: str = ""
    text: str = ""


@dataclass(frozen=True, slots=True)
class Route:
    subscriber: str
    channel: str
    mode: Mode = "immediate"


class SubscriberRoute(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    mode: Mode = "immediate"
    channels: tuple[str, ...]
    filters: Filters = Filters()


class RoutingTable(BaseModel):
    """The secret-free part of the configuration that decides where events go."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    subscribers: tuple[SubscriberRoute, ...] = ()
    operator: tuple[str, ...] = ()  # the operator's channel names

    @classmethod
    def build(
        cls, subscribers: SubscribersConfig, operator_channels: Iterable[ChannelSpec]
    ) -> RoutingTable:
        routes = tuple(
            SubscriberRoute(
                name=subscriber.name,
                mode=subscriber.mode,
                channels=tuple(spec.label for spec in subscriber.channels),
                filters=subscriber.filters,
            )
            for subscriber in subscribers.active
        )
        return cls(subscribers=routes, operator=tuple(spec.label for spec in operator_channels))


def route(table: RoutingTable, facts: EventFacts) -> list[Route]:
    """Every (subscriber, channel) that must hear of this event, each once, in config order."""
    if facts.kind in OPERATOR_KINDS or facts.kind in SERVICE_KINDS:
        return [Route(OPERATOR, channel) for channel in table.operator]
    if facts.kind not in SUBSCRIBER_KINDS:
        return []
    return [
        Route(subscriber.name, channel, subscriber.mode)
        for subscriber in table.subscribers
        if matches(subscriber.filters, facts)
        for channel in subscriber.channels
    ]


def matches(filters: Filters, facts: EventFacts) -> bool:
    """True when every filter given lets the event through (sites OR authorities as one)."""
    if filters.kinds and facts.kind not in filters.kinds:
        return False
    if (filters.sites or filters.authorities) and not (
        facts.site_id in filters.sites or facts.authority in filters.authorities
    ):
        return False
    if filters.categories and facts.category not in filters.categories:
        return False
    if not (filters.keywords or filters.exclude):
        return True
    haystack = _folded(facts.title)
    if filters.keywords_in == "title_or_text":
        haystack += "\n" + _folded(facts.text)
    if any(_folded(word) in haystack for word in filters.exclude):
        return False
    return not filters.keywords or any(_folded(word) in haystack for word in filters.keywords)


def needs_text(table: RoutingTable) -> bool:
    """Whether some filter looks into the article text (so routing must load it)."""
    return any(
        (s.filters.keywords or s.filters.exclude) and s.filters.keywords_in == "title_or_text"
        for s in table.subscribers
    )


def _folded(text: str) -> str:
    """Full-width and half-width alike, case folded: `ＡＩ` finds `ai`."""
    return unicodedata.normalize("NFKC", text).casefold()
