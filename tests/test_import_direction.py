"""The halves are one-way: the crawler imports nothing of the monitor; the alerts render from plain
data and never import the store; the store's engine and its migrations form no circle."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from tests.paths import ROOT


def imported_modules(path: Path) -> set[str]:
    """Every module a file names in an import statement, at any depth (lazy imports too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def offenders(package: str, forbidden: str) -> dict[str, list[str]]:
    result = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = sorted(
            m for m in imported_modules(path) if m == forbidden or m.startswith(forbidden + ".")
        )
        if bad:
            result[str(path.relative_to(ROOT))] = bad
    return result


def test_no_crawler_module_names_the_monitor() -> None:
    assert offenders("crawler", "monitor") == {}


def test_the_alerts_do_not_import_the_store() -> None:
    assert offenders("monitor/alerts", "monitor.store") == {}


def test_the_engine_does_not_import_its_migrations() -> None:
    assert offenders("monitor/store/engine.py", "monitor.store.migrate") == {}
    assert offenders("monitor/store/migrate.py", "monitor.store.engine") == {}


PROBE = """
import importlib, json, pkgutil, sys
import crawler
names = [m.name for m in pkgutil.walk_packages(crawler.__path__, "crawler.")]
for name in names:
    importlib.import_module(name)
loaded = sorted(m for m in sys.modules if m.split(".")[0] == "monitor")
print(json.dumps({"imported": len(names), "monitor": loaded}))
"""


def test_importing_every_crawler_module_loads_no_monitor_module() -> None:
    """The same, as Python sees it: every crawler module imported in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["imported"] > 30
    assert result["monitor"] == []
