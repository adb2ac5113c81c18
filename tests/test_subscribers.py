"""subscribers.yaml and the operator channels: typed, checked with file:line: key errors; routing
(who gets what); deliveries fanned out with each event, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from monitor.alerts.routing import OPERATOR, EventFacts, RoutingTable, matches, route
from monitor.alerts.subscribers import Filters, SubscribersConfig, read_subscribers
from monitor.config import load_config, load_subscribers
from monitor.errors import ConfigError
from monitor.store import Store
from monitor.store.deliveries import add_notice, publish_routes
from monitor.store.delivery_models import Delivery
from tests.db import (
    SITE,
    T0,
    crawl,
    events,
    notice,
)
from tests.paths import ROOT

DAY = timedelta(days=1)
HOOK = "    channels:\n      - kind: webhook\n        options: {url: 'http://127.0.0.1:9/h'}\n"


def subscribers_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "subscribers.yaml"
    path.write_text(text, "utf-8")
    return path


def parse(text: str, tmp_path: Path, environ: dict[str, str] | None = None) -> SubscribersConfig:
    config, problems = read_subscribers(subscribers_file(tmp_path, text), environ)
    assert problems == [] and config is not None
    return config


# --- the file -----------------------------------------------------------------------------------


def test_the_shipped_subscribers_file_loads_and_sends_nothing() -> None:
    sites = {"moe": "教育部", "shanxi": "山西"}
    config = load_subscribers(ROOT / "config", {}, secrets=True, known_sites=sites)
    assert config.subscribers and config.active == ()
    assert RoutingTable.build(config, ()).subscribers == ()


def test_a_full_subscriber_is_typed(tmp_path: Path) -> None:
    text = (
        "subscribers:\n"
        "  - name: 招生办\n"
        "    mode: digest\n"
        "    digest: '0 8 * * 1-5'\n"
        "    channels:\n"
        "      - kind: webhook\n"
        "        name: hook\n"
        "        options: {url: 'http://127.0.0.1:9/h', secret: '${HOOK_SECRET}'}\n"
        "    filters:\n"
        "      authorities: [山西]\n"
        "      categories: [notice, policy]\n"
        "      keywords: [招生]\n"
        "      exclude: [招聘]\n"
        "      kinds: [new]\n"
    )
    config = parse(text, tmp_path, {"HOOK_SECRET": "密钥-s3cret"})
    [subscriber] = config.subscribers
    assert subscriber.mode == "digest" and subscriber.digest is not None
    assert subscriber.filters.authorities == ("山西",) and subscriber.filters.kinds == ("new",)
    [channel] = subscriber.channels
    assert channel.label == "hook" and channel.options["secret"] == "${HOOK_SECRET}"
    assert config.secrets == ("密钥-s3cret",)
    # loaded without an environment, the references are checked but not resolved
    assert parse(text, tmp_path).secrets == ()


@pytest.mark.parametrize(
    ("text", "line", "key", "expected"),
    [
        (
            "subscribers:\n  - name: a\n    channels:\n      - kind: pigeon\n",
            4,
            "subscribers[0].channels[0].kind",
            "expected one of: ",
        ),
        (
            "subscribers:\n  - name: a\n    channels:\n      - kind: webhook\n        options:\n"
            "          url: http://127.0.0.1:9/h\n          secret: hunter2\n",
            7,
            "subscribers[0].channels[0].options.secret",
            "secrets are never written",
        ),
        (
            "subscribers:\n  - name: a\n    channels:\n      - kind: webhook\n        options:\n"
            "          url: http://127.0.0.1:9/h\n          timout: 3\n",
            7,
            "subscribers[0].channels[0].options.timout",
            "did you mean timeout",
        ),
        (
            "subscribers:\n  - name: a\n    channels:\n      - kind: webhook\n        options:\n"
            "          url: http://127.0.0.1:9/h\n          secret: ${NOT_SET_HERE}\n",
            7,
            "subscribers[0].channels[0].options.secret",
            "environment variable NOT_SET_HERE to be set",
        ),
        (
            f"subscribers:\n  - name: a\n{HOOK}    filters:\n      kinds: [new, site_failing]\n",
            7,
            "subscribers[0].filters.kinds",
            "operator channel",
        ),
        (
            f"subscribers:\n  - name: a\n{HOOK}    filters:\n      keyword: [招生]\n",
            7,
            "subscribers[0].filters.keyword",
            "did you mean keywords",
        ),
        (
            f"subscribers:\n  - name: a\n    mode: digest\n{HOOK}",
            2,
            "subscribers[0].digest",
            "mode digest needs it",
        ),
        (
            f"subscribers:\n  - name: a\n    mode: digest\n    digest: '0 25 * * *'\n{HOOK}",
            4,
            "subscribers[0].digest",
            "valid cron",
        ),
        (
            f"subscribers:\n  - name: 同名\n{HOOK}  - name: 同名\n{HOOK}",
            6,
            "subscribers[1].name",
            "unique name",
        ),
        (
            "subscribers:\n  - name: a\n    channels:\n      - kind: webhook\n"
            "        options: {url: 'http://127.0.0.1:9/h'}\n      - kind: webhook\n"
            "        options: {url: 'http://127.0.0.1:9/i'}\n",
            6,
            "subscribers[0].channels[1]",
            "unique channel name",
        ),
        (f"subscribers:\n  - name: a\n{HOOK}    mode: often\n", 6, "subscribers[0].mode", "digest"),
        ("subscribers:\n  - name: a\n    channels: [\n", 4, "(file)", "valid YAML"),
        ("- a\n", 1, "(file)", "mapping with the key subscribers"),
    ],
)
def test_errors_name_file_line_and_key(
    tmp_path: Path, text: str, line: int, key: str, expected: str
) -> None:
    path = subscribers_file(tmp_path, text)
    config, problems = read_subscribers(path, {})
    assert config is None
    [problem] = problems
    assert (problem.file, problem.line, problem.key) == (path, line, key), problem
    assert expected in problem.message, problem


def test_unknown_sites_and_authorities_are_errors(tmp_path: Path) -> None:
    text = f"subscribers:\n  - name: a\n{HOOK}    filters:\n      sites: [shanxi, shanxii]\n"
    text += "      authorities: [山西, 火星]\n"
    path = subscribers_file(tmp_path, text)
    config, problems = read_subscribers(path, None, {"shanxi": "山西"})
    assert config is None
    assert [(p.line, p.key) for p in problems] == [
        (7, "subscribers[0].filters.sites[1]"),
        (8, "subscribers[0].filters.authorities[1]"),
    ]


def test_a_disabled_subscriber_needs_no_secret_set(tmp_path: Path) -> None:
    text = (
        "subscribers:\n  - name: a\n    enabled: false\n    channels:\n      - kind: webhook\n"
        "        options: {url: 'http://127.0.0.1:9/h', secret: '${UNSET_SECRET}'}\n"
    )
    assert parse(text, tmp_path, {}).active == ()


def test_operator_channels_in_eduwatch_yaml(tmp_path: Path) -> None:
    (tmp_path / "eduwatch.yaml").write_text(
        "operator:\n  channels:\n    - kind: webhook\n      name: ops\n      options:\n"
        "        url: http://127.0.0.1:9/ops\n        secret: ${OPS_SECRET}\n",
        "utf-8",
    )
    config = load_config(tmp_path, {"OPS_SECRET": "值"}, secrets=True)
    assert [spec.label for spec in config.operator.channels] == ["ops"]
    assert config.operator.secrets == ("值",)
    assert load_config(tmp_path, {}).operator.secrets == ()  # not resolved: no error
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path, {}, secrets=True)
    [problem] = caught.value.problems
    assert (problem.line, problem.key) == (7, "operator.channels[0].options.secret")


# --- routing ------------------------------------------------------------------------------------

ARTICLE = EventFacts(
    kind="new",
    site_id="shanxi",
    authority="山西",
    category="notice",
    title="关于做好２０２４年普通高校招生工作的通知",
    text="　　各市教育局：为做好招生工作……严禁违规招聘。",
)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), True),
        (Filters(sites=("moe",)), False),
        (Filters(sites=("moe",), authorities=("山西",)), True),  # sites OR authorities
        (Filters(categories=("policy",)), False),
        (Filters(categories=("notice", "policy")), True),
        (Filters(kinds=("revised",)), False),
        (Filters(keywords=("2024年",)), True),  # full-width digits fold to ASCII
        (Filters(keywords=("招聘",), keywords_in="title"), False),
        (Filters(keywords=("招聘",)), True),
        (Filters(exclude=("招聘",)), False),
        (Filters(exclude=("招聘",), keywords_in="title"), True),
        (Filters(keywords=("研究生", "普通高校")), True),
    ],
)
def test_filters(filters: Filters, expected: bool) -> None:
    assert matches(filters, ARTICLE) is expected


def test_routes_site_health_to_the_operator_only(tmp_path: Path) -> None:
    config = parse(f"subscribers:\n  - name: 所有\n{HOOK}", tmp_path)
    table = RoutingTable.build(config, ())
    assert [(r.subscriber, r.channel) for r in route(table, ARTICLE)] == [("所有", "webhook")]
    failing = EventFacts(kind="site_failing", site_id="shanxi")
    assert route(table, failing) == []  # no operator channel: nobody
    table = table.model_copy(update={"operator": ("ops", "mail")})
    assert [(r.subscriber, r.channel) for r in route(table, failing)] == [
        (OPERATOR, "ops"),
        (OPERATOR, "mail"),
    ]


# --- fan-out, in the event's transaction ---------------------------------------------------------

ROUTED = (
    "subscribers:\n"
    f"  - name: 全部\n{HOOK}"
    f"  - name: 别的网站\n{HOOK}    filters: {{sites: [moe]}}\n"
    f"  - name: 招生\n{HOOK}    filters: {{keywords: [招生], kinds: [new]}}\n"
    f"  - name: 不要招生\n{HOOK}    filters: {{exclude: [招生]}}\n"
    f"  - name: 修订\n{HOOK}    filters: {{kinds: [revised]}}\n"
    f"  - name: 停用\n    enabled: false\n{HOOK}"
)


def publish(store: Store, config: SubscribersConfig, operator: tuple[str, ...] = ()) -> None:
    table = RoutingTable.build(config, ())
    table = table.model_copy(update={"operator": operator})
    with store.transaction() as session:
        publish_routes(session, table, T0)


def deliveries(store: Store) -> list[Delivery]:
    with store.transaction() as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def test_each_event_reaches_exactly_the_matching_subscribers_once(
    store: Store, tmp_path: Path
) -> None:
    publish(store, parse(ROUTED, tmp_path), operator=("ops",))
    crawl(store, [notice(1)], T0)  # the silent baseline
    assert deliveries(store) == []
    crawl(store, [notice(1), notice(2)], T0 + DAY)
    crawl(store, [notice(1), notice(2)], T0 + 2 * DAY)  # nothing new: nothing more
    [event] = events(store)
    rows = deliveries(store)
    assert [(row.subscriber, row.event_id, row.kind) for row in rows] == [
        ("全部", event.id, "new"),
        ("招生", event.id, "new"),
    ]
    assert all(row.status == "pending" and row.next_attempt_at for row in rows)
    assert len({row.idempotency_key for row in rows}) == 2
    revised = notice(2, ("各市教育局：招生计划调整如下。", "一、增加专项计划名额。"))
    crawl(store, [notice(1), revised], T0 + 3 * DAY)
    assert [row.subscriber for row in deliveries(store)[2:]] == ["全部", "修订"]


def test_site_health_goes_to_the_operator_and_digests_wait(store: Store, tmp_path: Path) -> None:
    text = f"subscribers:\n  - name: 摘要\n    mode: digest\n    digest: 1d\n{HOOK}"
    publish(store, parse(text, tmp_path), operator=("ops",))
    crawl(store, [notice(1)], T0)
    crawl(store, [notice(1), notice(2)], T0 + DAY)
    for day in (2, 3, 4):
        crawl(store, [], T0 + day * DAY, status="failed")
    rows = deliveries(store)
    assert [(row.subscriber, row.kind, row.mode) for row in rows] == [
        ("摘要", "new", "digest"),
        (OPERATOR, "site_failing", "immediate"),
    ]
    assert rows[0].next_attempt_at is None  # waits for its digest time
    with store.transaction() as session:
        assert add_notice(session, "service_started", "start-1", {"pid": 1}) == 1
        assert add_notice(session, "service_started", "start-1", {"pid": 1}) == 0  # once


def test_nothing_is_routed_before_a_service_published_its_table(store: Store) -> None:
    crawl(store, [notice(1)], T0)
    crawl(store, [notice(1), notice(2)], T0 + DAY)
    assert len(events(store)) == 1 and deliveries(store) == []


def test_publishing_the_same_table_twice_keeps_one(store: Store, tmp_path: Path) -> None:
    config = parse(ROUTED, tmp_path)
    table = RoutingTable.build(config, ())
    with store.transaction() as session:
        assert publish_routes(session, table, T0) is True
        assert publish_routes(session, table, T0 + DAY) is False
        smaller = RoutingTable.build(parse(f"subscribers:\n  - name: 一个\n{HOOK}", tmp_path), ())
        assert publish_routes(session, smaller, T0 + DAY) is True
    crawl(store, [notice(1)], T0)
    crawl(store, [notice(1), notice(2)], T0 + DAY, site=SITE)
    assert [row.subscriber for row in deliveries(store)] == ["一个"]
