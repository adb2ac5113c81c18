"""The JSON API and feeds checked against their own OpenAPI description (/api/openapi.json) by
schemathesis: generated requests, valid and invalid, on a filled store of each backend; every
answer must match the status codes, content types and schemas the description gives, and no
request, however malformed, may make a server error.

(Schemathesis' own pytest loader does not run under this pytest; its Hypothesis strategies do.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.openapi.loaders import from_asgi
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import negative_data_rejection

from monitor.config import ServiceConfig
from monitor.store import Store, make_engine
from monitor.web.app import create_app
from monitor.web.context import WebContext
from tests.db import BACKENDS, fresh_database_url
from tests.web_data import fill, site_configs

TOKEN = "schema-test-token"
OPERATIONS = [
    ("GET", "/api/sites"),
    ("GET", "/api/changes"),
    ("GET", "/api/articles/{article_id}"),
    ("GET", "/api/articles/{article_id}/diff"),
    ("GET", "/api/deliveries"),
    ("POST", "/api/deliveries/{delivery_id}/retry"),
    ("GET", "/feeds/changes.atom"),
    ("GET", "/feeds/sites/{site}.atom"),
    ("GET", "/feeds/authorities/{authority}.atom"),
    ("GET", "/feeds/categories/{category}.atom"),
    ("GET", "/feeds/keywords/{keyword}.atom"),
]


@pytest.fixture(scope="module", params=BACKENDS)
def api_schema(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BaseSchema]:
    url = fresh_database_url(request.param, request.config, tmp_path_factory.mktemp("openapi"))
    store = Store(make_engine(url), ServiceConfig())
    fill(store)
    sites = site_configs()
    yield from_asgi("/api/openapi.json", create_app(WebContext(store, lambda: sites, TOKEN)))
    store.close()


def test_the_description_lists_every_operation(api_schema: BaseSchema) -> None:
    described = {
        (result.ok().method.upper(), result.ok().path) for result in api_schema.get_all_operations()
    }
    assert described == set(OPERATIONS)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_api_answers_as_described(
    api_schema: BaseSchema, method: str, path: str, mode: GenerationMode
) -> None:
    operation = api_schema[path][method]
    # A repeated query key counts as the last one (Starlette), so a schema-violating list whose
    # last value is valid is accepted: no answer may still be a server error or off-schema.
    excluded = [negative_data_rejection] if mode == GenerationMode.NEGATIVE else []

    @given(data=st.data())
    @settings(
        max_examples=10,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def check(data: st.DataObject) -> None:
        case = data.draw(operation.as_strategy(generation_mode=mode))
        case.call_and_validate(excluded_checks=excluded)

    check()
