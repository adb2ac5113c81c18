"""The JSON API, feeds, metrics, health and the dashboard's security, on a store filled through
the real ingest path (tests/web_data.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError

from monitor.config import ServiceConfig
from monitor.ingest import finish_run
from monitor.logs import REDACT
from monitor.store import Store, make_engine
from monitor.store.delivery_models import Delivery
from monitor.web.app import create_app
from monitor.web.context import WebContext
from tests.db import BACKENDS, T0, Crawl, fresh_database_url
from tests.web_data import (
    HEBEI,
    HOSTILE_ERROR,
    HOSTILE_TITLE,
    NOTICE,
    Filled,
    fill,
    site_configs,
)

TOKEN = "op-Token-7f3a9c"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module", params=BACKENDS)
def filled(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Store, Filled]]:
    url = fresh_database_url(request.param, request.config, tmp_path_factory.mktemp("web"))
    store = Store(make_engine(url), ServiceConfig())
    facts = fill(store)
    yield store, facts
    store.close()


@pytest.fixture(name="store")
def store_fixture(filled: tuple[Store, Filled]) -> Store:
    return filled[0]


@pytest.fixture(name="facts")
def facts_fixture(filled: tuple[Store, Filled]) -> Filled:
    return filled[1]


def client_for(store: Store, token: str | None = TOKEN, protect: bool = False) -> TestClient:
    sites = site_configs()
    context = WebContext(store, lambda: sites, token=token, protect=protect)
    return TestClient(create_app(context))


@pytest.fixture(name="client")
def client_fixture(store: Store) -> TestClient:
    return client_for(store)


def changes(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/changes", params=params)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


# --- changes ---------------------------------------------------------------------------------


def test_changes_are_new_revised_and_withdrawn_newest_first(client: TestClient) -> None:
    answer = changes(client)
    kinds = [item["kind"] for item in answer["items"]]
    assert sorted(set(kinds)) == ["new", "revised", "withdrawn"]
    assert answer["total"] == len(kinds) == 6
    times = [item["created_at"] for item in answer["items"]]
    assert times == sorted(times, reverse=True)
    assert all(t.endswith("+08:00") for t in times)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "revised"}, {NOTICE.format(1)}),
        ({"site": "jyt-hebei"}, {f"河北省教育厅关于第{i}项政策的通知" for i in (1, 2)}),
        ({"authority": "河北"}, {f"河北省教育厅关于第{i}项政策的通知" for i in (1, 2)}),
        ({"category": "notice", "kind": "withdrawn"}, {NOTICE.format(2)}),
        ({"q": "双减"}, {HOSTILE_TITLE}),
        ({"q": "晋教办〔2024〕3号"}, {NOTICE.format(3)}),
        ({"q": "100%"}, set()),
        ({"since": "2024-06-20", "until": "2024-06-21"}, {HOSTILE_TITLE, NOTICE.format(2)}),
        ({"until": "2024-06-18"}, set()),
        ({"site": "", "since": "", "kind": ""}, None),  # an HTML form's empty fields: no filter
    ],
)  # fmt: skip
def test_each_filter_narrows_the_changes(
    client: TestClient, params: dict[str, str], expected: set[str] | None
) -> None:
    titles = {item["title"] for item in changes(client, **params)["items"]}
    if expected is None:
        assert len(titles) == 6
    else:
        assert titles == expected


def test_changes_are_paged_without_overlap(client: TestClient) -> None:
    first = changes(client, per_page=4, page=1)
    second = changes(client, per_page=4, page=2)
    assert (first["total"], first["pages"], len(first["items"]), len(second["items"])) == (
        6,
        2,
        4,
        2,
    )
    ids = [item["event_id"] for item in first["items"] + second["items"]]
    assert len(set(ids)) == 6
    assert changes(client, per_page=4, page=3)["items"] == []


def test_a_bad_filter_is_a_clear_422(client: TestClient) -> None:
    response = client.get("/api/changes", params={"since": "yesterday", "kind": "deleted"})
    assert response.status_code == 422
    fields = {tuple(error["loc"])[-1] for error in response.json()["detail"]}
    assert fields == {"since", "kind"}


# --- articles and diffs ----------------------------------------------------------------------


def test_article_has_its_text_metadata_attachments_and_history(
    client: TestClient, facts: Filled
) -> None:
    article = client.get(f"/api/articles/{facts.revised_article}").json()
    assert article["title"] == NOTICE.format(1)
    assert "摆在首要位置" in article["text"]
    assert article["attachments"] == [
        {"name": "附件1.docx", "url": "http://jyt.shanxi.gov.cn/a1.docx"}
    ]
    assert article["document_number"] == "晋教办〔2024〕1号"
    assert [v["id"] for v in article["versions"]][-1] == article["version_id"]
    older = article["versions"][0]["id"]
    first = client.get(f"/api/articles/{facts.revised_article}", params={"version": older}).json()
    assert "摆在突出位置" in first["text"] and first["attachments"] == []


def test_diff_against_previous_and_any_earlier_version(client: TestClient, facts: Filled) -> None:
    diff = client.get(f"/api/articles/{facts.revised_article}/diff").json()
    assert diff["against"] == "previous"
    assert diff["diff"]["counts"]["changed"] == 1 and diff["diff"]["counts"]["added"] == 1
    [changed] = [op for op in diff["diff"]["ops"] if op["kind"] == "changed"]
    assert [s["removed"] for s in changed["spans"]] == ["突出"]
    old = diff["old"]["version_id"]
    same = client.get(f"/api/articles/{facts.revised_article}/diff", params={"against": old})
    assert same.json()["diff"] == diff["diff"]
    single = client.get(f"/api/articles/{facts.hostile_article}/diff")
    assert single.status_code == 404 and "only one version" in single.json()["detail"]
    assert client.get("/api/articles/999999").status_code == 404


# --- sites -----------------------------------------------------------------------------------


def test_sites_show_health_failures_and_why(client: TestClient) -> None:
    sites = {site["id"]: site for site in client.get("/api/sites").json()}
    hebei, shanxi = sites["jyt-hebei"], sites["jyt-shanxi"]
    assert (hebei["result"], hebei["failures"], hebei["error"]) == ("failed", 1, HOSTILE_ERROR)
    assert hebei["last_failure_error"] == HOSTILE_ERROR and hebei["last_ok"] is not None
    assert (shanxi["result"], shanxi["failures"], shanxi["articles"]) == ("ok", 0, 5)
    assert shanxi["columns"][0]["listed"] == 4 and shanxi["render"] == "auto"
    assert shanxi["next_run"] > shanxi["last_run"]
    by_failures = client.get("/api/sites", params={"sort": "failures", "desc": True}).json()
    assert [s["id"] for s in by_failures] == ["jyt-hebei", "jyt-shanxi"]
    only = client.get("/api/sites", params={"authority": "山西"}).json()
    assert [s["id"] for s in only] == ["jyt-shanxi"]


# --- deliveries and the operator's retry -----------------------------------------------------


def test_deliveries_by_status_with_their_last_error(client: TestClient, facts: Filled) -> None:
    dead = client.get("/api/deliveries", params={"status": "dead"}).json()
    assert [d["id"] for d in dead["items"]] == [facts.dead_delivery]
    assert dead["items"][0]["last_error"] == HOSTILE_ERROR
    assert dead["counts"]["sent"] == 1 and dead["total"] == 1


def test_retry_needs_the_operator_token_and_same_origin(store: Store, facts: Filled) -> None:
    client = client_for(store)
    path = f"/api/deliveries/{facts.dead_delivery}/retry"
    assert client.post(path).status_code == 403
    assert client.post(path, headers={"Authorization": "Bearer wrong"}).status_code == 403
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    foreign = {**bearer, "Origin": "http://evil.example"}
    assert client.post(path, headers=foreign).status_code == 403
    form = client.post(
        f"/deliveries/{facts.dead_delivery}/retry",
        data={"token": "wrong"},
        follow_redirects=False,
    )
    assert form.status_code == 403 and "令牌" in form.text
    assert _status(store, facts.dead_delivery) == "dead"
    page = client.post(
        f"/deliveries/{facts.dead_delivery}/retry",
        data={"token": TOKEN, "status": "dead"},
        follow_redirects=False,
    )
    assert page.status_code == 303 and page.headers["location"].startswith("/deliveries?")
    assert _status(store, facts.dead_delivery) == "pending"
    again = client.post(f"/api/deliveries/{facts.sent_delivery}/retry", headers=bearer)
    assert again.status_code == 409 and _status(store, facts.sent_delivery) == "sent"
    assert client_for(store, token=None).post(path, headers=bearer).status_code == 403
    _set_status(store, facts.dead_delivery, "dead")


def _status(store: Store, delivery_id: int) -> str:
    with store.transaction() as session:
        return str(session.scalar(select(Delivery.status).where(Delivery.id == delivery_id)))


def _set_status(store: Store, delivery_id: int, status: str) -> None:
    with store.transaction() as session:
        row = session.get(Delivery, delivery_id)
        assert row is not None
        row.status = status


# --- feeds -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "count"),
    [
        ("/feeds/changes.atom", 6),
        ("/feeds/sites/jyt-hebei.atom", 2),
        ("/feeds/authorities/山西.atom", 4),
        ("/feeds/categories/policy.atom", 2),
        ("/feeds/keywords/双减.atom", 1),
        ("/feeds/changes.atom?kind=revised", 1),
    ],
)
def test_feeds_have_an_entry_per_change_with_lead_and_link(
    client: TestClient, path: str, count: int
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == count
    for entry in entries:
        links = [link.get("href", "") for link in entry.findall(f"{ATOM}link")]
        assert any(href.startswith("http://testserver/articles/") for href in links)
        assert entry.findtext(f"{ATOM}summary")
        assert entry.findtext(f"{ATOM}title", "").startswith("【")


@pytest.mark.parametrize("name", ["%20", "%C2%85", "%E3%80%80"])
def test_a_blank_name_is_an_empty_feed_not_an_error(client: TestClient, name: str) -> None:
    for kind in ("sites", "authorities", "categories"):
        response = client.get(f"/feeds/{kind}/{name}.atom")
        assert response.status_code == 200, (kind, response.text)
        assert ET.fromstring(response.content).findall(f"{ATOM}entry") == []
    everything = ET.fromstring(client.get(f"/feeds/keywords/{name}.atom").content)
    assert len(everything.findall(f"{ATOM}entry")) == 6  # a blank keyword filters nothing


def test_the_hostile_title_stays_text_in_the_feed(client: TestClient) -> None:
    root = ET.fromstring(client.get("/feeds/keywords/双减.atom").content)
    [entry] = root.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == f"【新发布】{HOSTILE_TITLE}"
    assert entry.find(f"{ATOM}title/{{http://www.w3.org/1999/xhtml}}script") is None


# --- pages: escaping, feeds advertised, no secret --------------------------------------------


def page_paths(facts: Filled) -> list[str]:
    article = facts.revised_article
    return [
        "/sites",
        "/changes",
        "/changes?q=双减",
        f"/articles/{article}",
        f"/articles/{article}/diff",
        f"/articles/{facts.hostile_article}",
        "/deliveries",
        "/deliveries?status=dead",
    ]


def test_every_page_escapes_content_and_advertises_its_feed(
    client: TestClient, facts: Filled
) -> None:
    for path in page_paths(facts):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.text
        assert '<link rel="alternate" type="application/atom+xml"' in html, path
        assert "<script" not in html and "<img" not in html, path
        assert "default-src 'none'" in response.headers["content-security-policy"]
    hostile = client.get(f"/articles/{facts.hostile_article}").text
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in hostile
    assert "&lt;b&gt;加粗&lt;/b&gt;" in hostile
    assert "&lt;img src=x onerror=alert(3)&gt;" in client.get("/deliveries").text


def test_no_answer_ever_carries_the_token(store: Store, facts: Filled) -> None:
    client = client_for(store, protect=True)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    paths = [*page_paths(facts), "/api/sites", "/api/changes", "/api/deliveries", "/metrics"]
    paths += ["/api/openapi.json", "/feeds/changes.atom", "/healthz", "/nowhere"]
    for path in paths:
        response = client.get(path, headers=auth)
        assert TOKEN not in response.text and TOKEN not in str(response.headers), path


def test_a_public_address_needs_the_token_for_all_but_healthz(store: Store) -> None:
    client = client_for(store, protect=True)
    refused = client.get("/changes")
    assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Basic")
    assert client.get("/api/changes", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/healthz").status_code == 200
    basic = base64.b64encode(f"ops:{TOKEN}".encode()).decode()
    assert client.get("/changes", headers={"Authorization": f"Basic {basic}"}).status_code == 200
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


# --- metrics and health ----------------------------------------------------------------------


def samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = client.get("/metrics").text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_derive_from_the_store_and_count_each_run_once(store: Store) -> None:
    client = client_for(store)
    first = samples(client)
    hebei = (("site", "jyt-hebei"),)
    assert first["eduwatch_crawls_total", (("result", "failed"), *hebei)] == 1
    assert first["eduwatch_pages_fetched_total", (("kind", "article"), *hebei)] == 5
    stages = {
        dict(labels)["stage"]: value
        for (name, labels), value in first.items()
        if name == "eduwatch_crawl_failures_total"
    }
    assert stages == {"render": 1, "extraction": 2, "fetch": 3}
    assert first["eduwatch_events", (("kind", "revised"),)] == 1
    assert first["eduwatch_outbox_deliveries", (("status", "dead"),)] == 1
    assert first["eduwatch_articles", (("site", "jyt-shanxi"), ("status", "withdrawn"))] == 1
    latency = ("eduwatch_delivery_latency_seconds", (("mode", "immediate"),))
    assert first[latency[0] + "_sum", latency[1]] == 42
    assert first[latency[0] + "_bucket", (("le", "15.0"), ("mode", "immediate"))] == 0
    assert first[latency[0] + "_bucket", (("le", "60.0"), ("mode", "immediate"))] == 1
    # a run finishing between two scrapes is counted once, however often it is scraped
    run = Crawl(store, HEBEI, T0 + timedelta(days=5))
    stats = {"pages": 1, "article_pages": 2, "failures": {"no_title": 1}}
    finish_run(store, run.run_id, "failed", stats, "again", now=T0 + timedelta(days=5))
    samples(client)
    third = samples(client)
    assert third["eduwatch_crawls_total", (("result", "failed"), *hebei)] == 2
    assert third["eduwatch_pages_fetched_total", (("kind", "article"), *hebei)] == 7
    assert third["eduwatch_site_consecutive_failures", hebei] == 2


def test_healthz_says_ok_and_503_without_a_store(store: Store, tmp_path: Path) -> None:
    assert client_for(store).get("/healthz").json() == {"status": "ok"}
    broken = Store(make_engine("postgresql+psycopg2://nobody:secret-pw@127.0.0.1:1/none"))
    response = client_for(broken).get("/healthz")
    assert response.status_code == 503 and "secret-pw" not in response.text
    broken.close()


def test_the_running_services_secrets_are_blanked_out_of_errors(store: Store) -> None:
    secret = "hook-secret-5521"
    with store.transaction() as session:
        row = session.scalars(select(Delivery).where(Delivery.status == "pending")).one()
        row.last_error = f"webhook: POST http://127.0.0.1:9/hook?token={secret}: HTTP 500"
    REDACT.update([secret])
    try:
        client = client_for(store)
        for path in ("/deliveries", "/api/deliveries?status=pending"):
            text = client.get(path).text
            assert secret not in text and "webhook: POST" in text, path
    finally:
        REDACT.update([])
        with store.transaction() as session:
            row = session.scalars(select(Delivery).where(Delivery.status == "pending")).one()
            row.last_error = None


def test_the_dashboard_reads_while_a_crawl_holds_the_write_lock(store: Store) -> None:
    """On SQLite the store's transactions begin IMMEDIATE; the dashboard's must not wait for
    them (nor make them wait), and can write nothing."""
    if store.dialect != "sqlite":
        pytest.skip("PostgreSQL readers never wait for writers")
    client = client_for(store)
    with store.transaction() as session:  # a writer holding the lock, as an ingest does
        session.execute(select(Delivery.id)).all()
        started = client.get("/api/changes", params={"per_page": 1})
        assert started.status_code == 200 and started.json()["total"] == 6
    context = WebContext(store, list)
    with pytest.raises(OperationalError, match="readonly"), context.read() as session:
        session.execute(delete(Delivery))
