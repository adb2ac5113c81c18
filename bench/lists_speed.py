"""Benchmark: CPU time of the list adapters' ``parse`` per list page (no HTTP), on the page
sets a crawl worker sees: bench/farm.py TRS lists (about 30 KB, 20 items, a 150-link menu; as
served, and as page 1 of a 30-page column at its folder URL) and Hanweb lists, the fixture
sites' TRS and CSS lists, and the list patterns of tests/list_patterns.py with the corpus list
pages, read by ``auto``.

    .venv/bin/python bench/lists_speed.py                      # this tree
    .venv/bin/python bench/lists_speed.py --against /tmp/orig  # and another, alternating

``--against DIR`` times the adapters of another tree too (e.g. the last commit exported with
``git archive HEAD | tar -x -C /tmp/orig``): each round runs one process per tree, in turn,
and the figures are the best and the median round. Prints ms per page.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2024, 6, 30)
FARM_SITES = 40
ROUND_SECONDS = 0.5  # each set is parsed repeatedly for about this long per round

Parse = Callable[[], object]


def page_sets() -> dict[str, list[Parse]]:
    """The parse calls of each page set (imports from the first ``sys.path`` tree)."""
    from bench import farm, lists
    from crawler.adapters.base import ListResponse, PageRequest
    from tests.fixture_site import build_site
    from tests.fixture_site.responses import FixtureRequest
    from tests.list_patterns import html_patterns

    def call(kind: str, url: str, body: bytes, page: int = 1) -> Parse:
        adapter = lists.adapter(url, kind, TODAY)
        response = ListResponse(PageRequest(url, page), url, 200, body, "utf-8")
        return lambda: adapter.parse(response)

    sets: dict[str, list[Parse]] = {
        "trs farm": [],
        "trs farm, 1 of 30 pages": [],
        "hanweb farm": [],
        "trs farm, auto": [],
        "trs farm, 1 of 30 pages, auto": [],
    }
    for number in range(FARM_SITES):
        for column in (0, 1):
            url = f"http://127.0.0.1:9000/s{number}/c{column}/index.html"
            html = farm.trs_list(number, column, 20)
            sets["trs farm"].append(call("trs", url, html.encode()))
            sets["trs farm, auto"].append(call("auto", url, html.encode()))
            # page 1 of a column of 30 pages at its folder URL, as most TRS columns are listed
            many = html.replace("countPage = 1", "countPage = 30")
            body = many.replace("createPageHTML(1,", "createPageHTML(30,").encode()
            folder = url.removesuffix("index.html")
            sets["trs farm, 1 of 30 pages"].append(call("trs", folder, body))
            sets["trs farm, 1 of 30 pages, auto"].append(call("auto", folder, body))
            colid = farm.hanweb_column(number, column)
            url = f"http://127.0.0.1:9001/col/col{colid}/index.html"
            body = farm.hanweb_list(number, column, 20).encode()
            sets["hanweb farm"].append(call("hanweb", url, body))
    for family, kind in (("trs", "trs"), ("css", "auto")):
        site = build_site(family, articles_per_column=40, port=8000)
        key = f"fixture {family}, {kind}"
        sets[key] = []
        for spec in site.specs.values():
            for page in (1, 2):
                target = site.layout.list_target(spec, page)
                answer = site.handle(FixtureRequest("GET", target, {"host": "127.0.0.1:8000"}))
                assert answer is not None
                sets[key].append(call(kind, site.url(target), answer.body, page))
    corpus = {
        "list_news_163_rolling_gb2312.html": "https://news.163.com/latest/",
        "list_news_qq_important.html": "https://news.qq.com/",
        "list_gov_govcn_home_20230927.html": "https://www.gov.cn/",
    }
    sets["patterns+corpus, auto"] = [
        call("auto", found.url, found.body, found.page) for found in html_patterns()
    ] + [
        call("auto", url, (ROOT / "tests" / "corpus" / name).read_bytes())
        for name, url in corpus.items()
    ]
    return sets


def measure(tree: Path) -> dict[str, float]:
    """ms per page of each set, with the adapters of ``tree``."""
    sys.path.insert(0, str(tree))
    figures = {}
    for name, calls in page_sets().items():
        for parse in calls:  # warm up: imports, caches of compiled patterns
            parse()
        runs, started = 0, time.process_time()
        while time.process_time() - started < ROUND_SECONDS:
            for parse in calls:
                parse()
            runs += 1
        figures[name] = (time.process_time() - started) / runs / len(calls) * 1000
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", type=Path, help="another tree to time, e.g. /tmp/orig")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tree", type=Path, help=argparse.SUPPRESS)  # one round, as JSON
    args = parser.parse_args()
    if args.tree is not None:
        print(json.dumps(measure(args.tree)))
        return
    trees = {"this tree": ROOT}
    if args.against is not None:
        trees[str(args.against)] = args.against.resolve()
    rounds: dict[str, list[dict[str, float]]] = {label: [] for label in trees}
    for _ in range(args.rounds):
        for label, tree in trees.items():
            command = [sys.executable, __file__, "--tree", str(tree)]
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            rounds[label].append(json.loads(output))
    names = list(rounds["this tree"][0])
    header = f"{'ms per page (best / median of rounds)':<40}" + "".join(
        f"{label[-22:]:>24}" for label in trees
    )
    print(header)
    print("-" * len(header))
    for name in names:
        cells = []
        for label in trees:
            values = [figures[name] for figures in rounds[label]]
            cells.append(f"{min(values):>11.3f} / {statistics.median(values):<10.3f}")
        print(f"{name:<40}" + "".join(f"{cell:>24}" for cell in cells))


if __name__ == "__main__":
    main()
