"""One registry of adapters: a new kind defined here (its class and its own options model) is
accepted by the site YAML loader, its options checked with file:line: key errors, and
``adapter_for`` gives it; the registration is undone after each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import Field

from crawler.adapters import Adapter, adapter_for
from crawler.adapters.base import Listing, ListResponse
from crawler.siteconfig.options import AdapterOptions, adapter_kinds
from crawler.sites import load_sites
from tests.test_sites import GOOD, write_site

DEMO_SITE = """\
id: demo
name: 演示站
authority: 演示
adapter: demo_kind
columns:
  - name: 通知公告
    url: http://127.0.0.1:8/tzgg/
    category: notice
options: {limit: OPTION}
"""


class DemoOptions(AdapterOptions):
    """The options of the demo kind: one field."""

    limit: int = Field(default=1, ge=1, le=9)


@pytest.fixture
def demo_adapter() -> Iterator[type[Adapter]]:
    """A `demo_kind` adapter, registered by defining it; the shipped registry comes back after."""
    shipped = Adapter.registry
    Adapter.registry = dict(shipped)
    try:

        class DemoAdapter(Adapter):
            kind = "demo_kind"
            Options = DemoOptions

            def parse(self, response: ListResponse) -> Listing:
                return Listing(items=(), rule=f"demo_kind:{self.column.options}")

        yield DemoAdapter
    finally:
        Adapter.registry = shipped
    assert "demo_kind" not in adapter_kinds()


def errors_of(tmp_path: Path, text: str) -> list[str]:
    write_site(tmp_path, "demo.yaml", text)
    return [error.render(error.file.name) for error in load_sites(tmp_path).errors]


def test_a_new_kind_loads_with_its_options_and_gets_its_adapter(
    demo_adapter: type[Adapter], tmp_path: Path
) -> None:
    assert adapter_kinds()[-1] == "demo_kind"
    write_site(tmp_path, "demo.yaml", DEMO_SITE.replace("OPTION", "3"))
    result = load_sites(tmp_path)
    assert result.errors == ()
    [column] = result.site("demo").effective_columns()
    assert column.adapter == "demo_kind"
    assert column.options == DemoOptions(limit=3)
    adapter = adapter_for(column)
    assert isinstance(adapter, demo_adapter)
    assert adapter.column.options == DemoOptions(limit=3)
    assert result.site("demo").model_dump()["options"] == {"limit": 3}


def test_the_new_kinds_options_are_checked_by_its_model(
    demo_adapter: type[Adapter], tmp_path: Path
) -> None:
    assert errors_of(tmp_path, DEMO_SITE.replace("OPTION", "3, colour: red")) == [
        "demo.yaml:9: options.colour: unknown key; expected one of: limit"
    ]
    assert errors_of(tmp_path, DEMO_SITE.replace("OPTION", "ten")) == [
        "demo.yaml:9: options.limit: expected a whole number, got 'ten'"
    ]
    assert errors_of(tmp_path, DEMO_SITE.replace("OPTION", "12")) == [
        "demo.yaml:9: options.limit: expected a number <= 9, got 12"
    ]


def test_a_column_of_the_new_kind_on_a_trs_site(
    demo_adapter: type[Adapter], tmp_path: Path
) -> None:
    trs_site = GOOD.replace("id: good", "id: demo") + "    adapter: demo_kind\n"
    assert errors_of(tmp_path, trs_site + "    options: {limit: 0}\n") == [
        "demo.yaml:10: columns[0].options.limit: expected a number >= 1, got 0"
    ]
    write_site(tmp_path, "demo.yaml", trs_site + "    options: {limit: 5}\n")
    [effective] = load_sites(tmp_path).site("demo").effective_columns()
    assert (effective.adapter, effective.options) == ("demo_kind", DemoOptions(limit=5))
    assert isinstance(adapter_for(effective), demo_adapter)


def test_an_unknown_kind_is_refused_naming_every_registered_kind(
    demo_adapter: type[Adapter], tmp_path: Path
) -> None:
    assert errors_of(tmp_path, DEMO_SITE.replace("demo_kind", "demo").replace("OPTION", "3")) == [
        "demo.yaml:4: adapter: expected 'trs', 'hanweb', 'json_search', 'css', 'auto' or "
        "'demo_kind', got 'demo'"
    ]
