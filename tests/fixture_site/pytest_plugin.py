"""Pytest fixtures serving fixture sites; load with
``pytest_plugins = ["tests.fixture_site.pytest_plugin"]`` in ``tests/conftest.py``.

Each fixture is function-scoped: a fresh site per test, started on an ephemeral port and
stopped after it, so tests may publish, revise, delete and break sites freely.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.fixture_site.builder import build_site
from tests.fixture_site.site import FixtureSite

SiteFactory = Callable[..., FixtureSite]


@pytest.fixture
def fixture_site_factory() -> Iterator[SiteFactory]:
    """``make(family, **build_site_kwargs)`` -> a started site; all are stopped at teardown."""
    started: list[FixtureSite] = []

    def make(family: str = "trs", **kwargs: Any) -> FixtureSite:
        site = build_site(family, **kwargs).start()
        started.append(site)
        return site

    yield make
    for site in started:
        site.stop()


def _site(factory: SiteFactory, family: str, articles: int) -> FixtureSite:
    return factory(family, articles_per_column=articles)


@pytest.fixture
def trs_site(fixture_site_factory: SiteFactory) -> FixtureSite:
    """TRS (山西省教育厅): gzdt, tzgg, zcwj; 30 articles each, 20 per page -> 2 pages."""
    return _site(fixture_site_factory, "trs", 30)


@pytest.fixture
def trs_index2_site(fixture_site_factory: SiteFactory) -> FixtureSite:
    """TRS whose page 2 is index_2.html (no createPageHTML; a 共N页 pager with links)."""
    return _site(fixture_site_factory, "trs_index2", 30)


@pytest.fixture
def tianjin_site(fixture_site_factory: SiteFactory) -> FixtureSite:
    """TRS (天津) whose items carry the URL in onclick="isDownLoad(this,'…')"."""
    return _site(fixture_site_factory, "tianjin", 30)


@pytest.fixture
def hanweb_site(fixture_site_factory: SiteFactory) -> FixtureSite:
    """Hanweb (浙江): 60 articles per column: 45 in the page's datastore, 15 by dataproxy POST."""
    return _site(fixture_site_factory, "hanweb", 60)


@pytest.fixture
def json_search_site(fixture_site_factory: SiteFactory) -> FixtureSite:
    """JSON search platform (黑龙江): 30 articles per channel, 15 per page."""
    return _site(fixture_site_factory, "json_search", 30)


@pytest.fixture
def gbk_site(fixture_site_factory: SiteFactory) -> FixtureSite:
    """TRS in GBK (bytes gb18030, rare 堃/䶮), one UTF-8 page that declares gb2312."""
    return _site(fixture_site_factory, "gbk", 30)


@pytest.fixture
def challenge_site(fixture_site_factory: SiteFactory) -> FixtureSite:
    """A TRS site behind 瑞数: every request answers 412 with a real challenge body."""
    return _site(fixture_site_factory, "challenge", 10)


@pytest.fixture
def pdf_list_site(fixture_site_factory: SiteFactory) -> FixtureSite:
    """TRS (山西 公告通知) whose list items link straight to P0….pdf files about half the time."""
    return _site(fixture_site_factory, "pdf_list", 30)


@pytest.fixture
def css_site(fixture_site_factory: SiteFactory) -> FixtureSite:
    """No known family: div.news-list > dl > dd items, dates in em, a 下一页 pager."""
    return _site(fixture_site_factory, "css", 30)
