"""Fixtures shared by the whole suite: the local fixture sites (tests/fixture_site)."""

pytest_plugins = ["tests.fixture_site.pytest_plugin"]
