"""The CMS families a fixture site can imitate; importing this registers all of them."""

from tests.fixture_site.layouts.base import Layout
from tests.fixture_site.layouts.css import CssLayout
from tests.fixture_site.layouts.hanweb import HanwebLayout
from tests.fixture_site.layouts.json_search import JsonSearchLayout
from tests.fixture_site.layouts.trs import TrsLayout

__all__ = ["CssLayout", "HanwebLayout", "JsonSearchLayout", "Layout", "TrsLayout"]
