"""Serve a fixture site until Ctrl-C, for demos and benchmarks:

python -m tests.fixture_site --family trs --articles 2000 --port 8001
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
import threading
from urllib.parse import urlencode

from tests.fixture_site.builder import build_site
from tests.fixture_site.catalogue import FAMILIES, PRESETS
from tests.fixture_site.layouts.hanweb import DATAPROXY, HanwebLayout
from tests.fixture_site.site import FixtureSite


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.fixture_site", description=__doc__)
    parser.add_argument("--family", choices=FAMILIES, default="trs")
    parser.add_argument("--articles", type=int, default=200, help="articles in all (default 200)")
    parser.add_argument("--columns", type=int, help="how many of the family's columns")
    parser.add_argument("--port", type=int, default=0, help="default: an ephemeral port")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-page", type=int, default=20, help="items per list page (TRS, css)")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--no-noise", action="store_true", help="fixed view counts and times")
    return parser.parse_args(argv)


def describe(site: FixtureSite) -> str:
    """The site's address and its columns' list URLs, one per line."""
    lines = [f"{site.layout.name} site of {site.authority.name} at {site.base_url}"]
    for spec in site.specs.values():
        count = len(site.items(spec.key))
        lines.append(
            f"  {spec.key:6} {spec.name} ({spec.category}, {count} articles): "
            f"{site.list_url(spec.key)}"
        )
    if isinstance(site.layout, HanwebLayout):
        spec = next(iter(site.specs.values()))
        form = urlencode(site.layout.ajax_params(spec))
        lines.append(
            f"  next pages: POST {site.url(DATAPROXY)}?startrecord=46&endrecord=90"
            f"&perpage=15 with the form body {form}"
        )
    lines.append(f"  robots.txt: {site.url('/robots.txt')}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    columns = args.columns or len(PRESETS[args.family].columns)
    site = build_site(
        args.family,
        columns=columns,
        articles_per_column=math.ceil(args.articles / columns),
        seed=args.seed,
        port=args.port,
        per_page=args.per_page,
        delay=args.delay,
        noise=not args.no_noise,
    )
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    with site:
        print(describe(site), flush=True)
        print("serving; Ctrl-C (or SIGTERM) stops", file=sys.stderr, flush=True)
        while not stopping.wait(0.5):
            pass
        print("stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
