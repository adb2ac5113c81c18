"""Fixtures shared by the whole suite: the local fixture sites (tests/fixture_site) and the
databases (tests/db.py: `database_url` runs a test on SQLite and on PostgreSQL, `store`)."""

pytest_plugins = ["tests.fixture_site.pytest_plugin", "tests.db"]
