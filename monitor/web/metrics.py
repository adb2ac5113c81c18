"""/metrics for Prometheus, derived from the store at scrape time: crawls by site and result,
pages fetched, crawl failures by stage (render, extraction, fetch) and reason, the delivery
latency histogram (monitor.web.tally, read incrementally); articles stored, events by kind,
the outbox backlog by status and each site's failure streak (counted anew each scrape)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from crawler.names import EVENT_KINDS
from monitor.store.delivery_models import DELIVERY_STATUSES, Delivery
from monitor.store.models import Event, Site, StoredArticle
from monitor.web.context import WebContext


class StoreCollector(Collector):
    def __init__(self, context: WebContext) -> None:
        self.context = context

    def collect(self) -> Iterator[Metric]:
        tally = self.context.tally
        with self.context.read() as session:
            tally.update(session)
            articles = session.execute(
                select(StoredArticle.site_id, StoredArticle.status, func.count()).group_by(
                    StoredArticle.site_id, StoredArticle.status
                )
            ).all()
            events = dict(
                session.execute(select(Event.kind, func.count()).group_by(Event.kind)).all()
            )
            backlog = dict(
                session.execute(
                    select(Delivery.status, func.count()).group_by(Delivery.status)
                ).all()
            )
            streaks = session.execute(select(Site.id, Site.consecutive_failures)).all()
        with tally.lock:
            yield from self._counters()
            yield from self._latency()
        gauge = GaugeMetricFamily(
            "eduwatch_articles", "Articles stored, by site and status", labels=["site", "status"]
        )
        for site, status, n in articles:
            gauge.add_metric([site, status], n)
        yield gauge
        gauge = GaugeMetricFamily("eduwatch_events", "Events stored, by kind", labels=["kind"])
        for kind in EVENT_KINDS:
            gauge.add_metric([kind], events.get(kind, 0))
        yield gauge
        gauge = GaugeMetricFamily(
            "eduwatch_outbox_deliveries", "Deliveries in the outbox, by status", labels=["status"]
        )
        for status in DELIVERY_STATUSES:
            gauge.add_metric([status], backlog.get(status, 0))
        yield gauge
        gauge = GaugeMetricFamily(
            "eduwatch_site_consecutive_failures", "Failed crawls in a row", labels=["site"]
        )
        for site, n in streaks:
            gauge.add_metric([site], n)
        yield gauge

    def _counters(self) -> Iterator[Metric]:
        tally = self.context.tally
        crawls = CounterMetricFamily(
            "eduwatch_crawls", "Crawl runs finished, by site and result", labels=["site", "result"]
        )
        for (site, result), n in sorted(tally.crawls.items()):
            crawls.add_metric([site, result], n)
        yield crawls
        pages = CounterMetricFamily(
            "eduwatch_pages_fetched", "Pages fetched by crawls", labels=["site", "kind"]
        )
        for (site, kind), n in sorted(tally.pages.items()):
            pages.add_metric([site, kind], n)
        yield pages
        failures = CounterMetricFamily(
            "eduwatch_crawl_failures",
            "Failed requests of crawls, by stage (render, extraction, fetch) and reason",
            labels=["site", "stage", "reason"],
        )
        for (site, stage, reason), n in sorted(tally.failures.items()):
            failures.add_metric([site, stage, reason], n)
        yield failures

    def _latency(self) -> Iterator[Metric]:
        histogram = HistogramMetricFamily(
            "eduwatch_delivery_latency_seconds",
            "From a delivery's creation to its sending (digest deliveries wait by design)",
            labels=["mode"],
        )
        for mode, latency in sorted(self.context.tally.latency.items()):
            histogram.add_metric([mode], latency.cumulative(), latency.total)
        yield histogram


def registry_for(context: WebContext) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(context))
    return registry


def exposition(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
