"""A local test server that serves whole sites of each CMS family on 127.0.0.1.

``build_site(family, ...)`` makes a populated ``FixtureSite``; ``with site:`` serves it on an
ephemeral port. Tests publish, revise and delete articles between two crawls, and read the
values a crawler should extract from ``site.expected(article)``.
"""

from tests.fixture_site.builder import NEWEST, build_site
from tests.fixture_site.catalogue import AUTHORITIES, COLUMNS, FAMILIES, PRESETS
from tests.fixture_site.model import (
    SHANGHAI,
    ColumnSpec,
    FixtureArticle,
    FixtureAttachment,
    fold,
)
from tests.fixture_site.site import FixtureSite, LoggedRequest
from tests.fixture_site.state import SiteOptions

__all__ = [
    "AUTHORITIES",
    "COLUMNS",
    "FAMILIES",
    "NEWEST",
    "PRESETS",
    "SHANGHAI",
    "ColumnSpec",
    "FixtureArticle",
    "FixtureAttachment",
    "FixtureSite",
    "LoggedRequest",
    "SiteOptions",
    "build_site",
    "fold",
]
