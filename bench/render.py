"""Benchmark: what the browser costs (crawler.render), in one run.

    .venv/bin/python bench/render.py [--renders 500] [--concurrency 4] [--articles 100]

1. Renders: a spider (this file, run by `scrapy runspider` with the project's settings and the
   browser's, delay 0) renders ``--renders`` pages of a fixture site whose list pages are built
   by a script from inline data (tests/fixture_site/scripted.py), through eduwatch's download
   handler and page methods, ``--concurrency`` pages at once. Every 50 pages it samples the RSS
   of its process tree: Python, the Playwright driver (node) and Chromium's processes (the RSS
   sum counts shared pages once per process). Printed: pages/s and the samples, which must
   level off.
2. Mixed crawl: the real crawl (`eduwatch crawl`'s subprocess) of a site with one column built
   by scripts, one static, behind a challenge whose cookies plain HTTP may reuse, and of the
   same site whose challenge binds its cookies to the browser: the share of requests that went
   through the browser, by reason.

Figures, never pass/fail.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import psutil
import scrapy
from scrapy.http import Response

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_EVERY = 50


class RenderSpider(scrapy.Spider):
    """Renders the URLs of a file round-robin, ``renders`` times; writes samples as JSON."""

    name = "render-bench"

    def __init__(self, urls: str = "", renders: str = "500", out: str = "", **kw: Any) -> None:
        super().__init__(**kw)
        self.urls = Path(urls).read_text("utf-8").split()
        self.renders = int(renders)
        self.out = Path(out)
        self.done = 0
        self.failed = 0
        self.items = 0
        self.started = 0.0
        self.samples: list[dict[str, float]] = []

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        sys.path.insert(0, str(ROOT))
        from crawler.render.chromium import playwright_settings

        for name, value in playwright_settings(settings).items():
            settings.set(name, value, priority="spider")

    async def start(self) -> AsyncIterator[scrapy.Request]:
        from crawler.render.page import page_methods

        self.started = time.monotonic()
        self.sample()
        for index in range(self.renders):
            url = self.urls[index % len(self.urls)]
            meta = {
                "playwright": True,
                "playwright_context": "site:bench",
                "playwright_page_methods": page_methods(30.0),
            }
            yield scrapy.Request(
                url, meta=meta, dont_filter=True, callback=self.parse, errback=self.fail
            )

    def parse(self, response: Response) -> None:
        self.items += len(response.css("div.news-list dd, div.article-content p"))
        self.count()

    def fail(self, failure: Any) -> None:
        self.failed += 1
        self.count()

    def count(self) -> None:
        self.done += 1
        if self.done % SAMPLE_EVERY == 0:
            self.sample()

    def sample(self) -> None:
        python, node, chromium = tree_rss()
        self.samples.append(
            {
                "pages": self.done,
                "seconds": time.monotonic() - self.started,
                "python": python,
                "node": node,
                "chromium": chromium,
            }
        )

    def closed(self, reason: str) -> None:
        result = {"samples": self.samples, "failed": self.failed, "items": self.items}
        self.out.write_text(json.dumps(result), "utf-8")


def tree_rss() -> tuple[float, float, float]:
    """MB of RSS: this process, the Playwright driver(s), Chromium's processes."""
    me = psutil.Process()
    python = me.memory_info().rss
    node = chromium = 0
    for child in me.children(recursive=True):
        try:
            rss = child.memory_info().rss
            name = " ".join(child.cmdline()[:2]).lower()
        except psutil.Error:
            continue
        if "chrom" in name:
            chromium += rss
        else:
            node += rss
    mb = 1024 * 1024
    return python / mb, node / mb, chromium / mb


def bench_renders(site: Any, renders: int, concurrency: int, folder: Path) -> None:
    urls = [site.list_url(key, page) for key in site.specs for page in (1, 2, 3)]
    urls += [site.url_of(article) for article in site.articles()[:40]]
    url_file = folder / "urls.txt"
    url_file.write_text("\n".join(urls), "utf-8")
    out = folder / "renders.json"
    command = [
        sys.executable, "-m", "scrapy", "runspider", __file__,
        "-a", f"urls={url_file}", "-a", f"renders={renders}", "-a", f"out={out}",
        "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "ROBOTSTXT_OBEY=False",
        "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}",
        "-s", f"EDUWATCH_BROWSER_MAX_PAGES={concurrency}",
        "-s", "LOG_LEVEL=WARNING", "-s", "ITEM_PIPELINES={}",
    ]  # fmt: skip
    environment = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
    subprocess.run(command, cwd=ROOT, env=environment, check=True)
    data = json.loads(out.read_text("utf-8"))
    samples = data["samples"]
    last = samples[-1]
    first = next((s for s in samples if s["pages"]), last)
    rate = (last["pages"] - first["pages"]) / max(last["seconds"] - first["seconds"], 1e-9)
    print(f"\n## {renders} renders, {concurrency} at once: {rate:.1f} pages/s after the first 50")
    print(f"failed renders: {data['failed']}; list items and paragraphs read: {data['items']}")
    print("\n| pages | seconds | Python MB | driver MB | Chromium MB | total MB |")
    print("|---|---|---|---|---|---|")
    for s in samples:
        total = s["python"] + s["node"] + s["chromium"]
        print(
            f"| {s['pages']} | {s['seconds']:.1f} | {s['python']:.0f} | {s['node']:.0f} "
            f"| {s['chromium']:.0f} | {total:.0f} |"
        )


def bench_mixed(articles: int, folder: Path) -> None:
    from monitor.runner import CrawlJob, run_crawl
    from tests.fixture_site.scripted import build_scripted_site
    from tests.test_spider_support import SITE_ID, TEST_SETTINGS, write_config

    print("\n## Mixed crawl: one column built by scripts, one static, behind a challenge")
    print("\n| challenge cookies | requests | through the browser | share | by reason | seconds |")
    print("|---|---|---|---|---|---|")
    for gate in ("cookie", "bound"):
        with build_scripted_site({"zxdt": "inline"}, gate, articles_per_column=articles) as site:
            config = write_config(folder / gate, site, "css", max_pages=10)
            settings = {**TEST_SETTINGS, "EDUWATCH_BROWSER": "True"}
            result = run_crawl(CrawlJob(SITE_ID, config, settings=settings, timeout=600))
        stats = result.stats
        browser = stats.get("browser", {})
        renders, requests = browser.get("renders", 0), stats.get("requests", 0)
        reasons = ", ".join(f"{n} {r}" for r, n in browser.get("reasons", {}).items())
        verdict = "reused over HTTP" if gate == "cookie" else "bound to the browser"
        share = renders / requests if requests else 0.0
        print(
            f"| {verdict} | {requests} | {renders} | {share:.0%} | {reasons} "
            f"| {stats.get('elapsed', 0):.1f} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--articles", type=int, default=100, help="per column, mixed crawl")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from tests.fixture_site.scripted import build_scripted_site

    with tempfile.TemporaryDirectory(prefix="eduwatch-bench-render-") as name:
        folder = Path(name)
        with build_scripted_site({"zxdt": "inline", "gsgg": "xhr"}, articles_per_column=60) as site:
            bench_renders(site, args.renders, args.concurrency, folder)
        bench_mixed(args.articles, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
