"""`eduwatch crawl SITE`: one crawl now, in the foreground, stored and detected exactly as a
scheduled run (monitor.runner starts the same `scrapy crawl listing` subprocess)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from crawler.names import CHANGE_KINDS
from crawler.sites import SiteConfig, SiteConfigError, load_site
from monitor.cli import add_command
from monitor.config import load_config
from monitor.errors import ConfigError
from monitor.runner import DEFAULT_TIMEOUT, CrawlJob, CrawlResult, run_crawl


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(subparsers, "crawl", "crawl one site now, in the foreground")
    parser.add_argument("site", metavar="SITE", help="the site's id (its file name in sites/)")
    parser.add_argument("--column", metavar="NAME", help="crawl this column only")
    parser.add_argument(
        "--max-pages", type=_positive, metavar="N", help="list pages per column (default: YAML)"
    )
    parser.add_argument(
        "--output", type=Path, metavar="FILE.jsonl", help="also write the articles as JSON lines"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"stop the crawl after this long (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        dest="settings",
        metavar="NAME=VALUE",
        help="a Scrapy setting for this crawl, e.g. LOG_LEVEL=DEBUG (repeatable)",
    )
    parser.add_argument("--log", type=Path, metavar="FILE", help="keep the crawl's log here")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        load_config(args.config)
        site = load_site(args.config, args.site)
        if args.column:
            site.column(args.column)
        settings = dict(_setting(value) for value in args.settings)
    except (ConfigError, SiteConfigError, KeyError, ValueError) as error:
        message = error.args[0] if isinstance(error, KeyError) else error
        print(f"eduwatch crawl: {message}", file=sys.stderr)
        return 2
    job = CrawlJob(
        site_id=site.id,
        config_dir=args.config,
        column=args.column,
        max_pages=args.max_pages,
        output=args.output,
        settings=settings,
        timeout=args.timeout,
        log_file=args.log,
    )
    display = ProgressDisplay(sys.stderr)
    try:
        result = run_crawl(job, on_event=display.handle)
    finally:
        display.close()
    sys.stdout.write(summary(site, result, args.output))
    return 0 if result.ok else 1


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a number of pages >= 1, got {value}")
    return number


def _setting(value: str) -> tuple[str, str]:
    name, sep, setting = value.partition("=")
    if not sep or not name.strip():
        raise ValueError(f"--set {value!r}: expected NAME=VALUE")
    return name.strip(), setting


class ProgressDisplay:
    """Progress on stderr: a bar on a terminal (articles handled of those found so far), plain
    lines otherwise (one per list page and per column)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.bar: Any = None
        if stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=0, unit="article", file=stream, leave=False)

    def handle(self, event: dict[str, Any]) -> None:
        kind = event.get("eduwatch")
        if self.bar is not None:
            self._update_bar(kind, event)
        elif kind == "page":
            status = "unchanged" if event.get("status") == 304 else f"HTTP {event.get('status')}"
            self._line(
                f"{event['column']} page {event['page']}: {event['items']} items, "
                f"{event['fetch'] + event.get('files', 0)} to fetch ({status})"
            )
        elif kind == "column":
            self._line(f"{event['column']}: {_column_text(event)}")

    def _update_bar(self, kind: Any, event: dict[str, Any]) -> None:
        if kind == "page":
            self.bar.total += event["fetch"] + event.get("files", 0)
            self.bar.set_description(f"{event['column']} p{event['page']}")
            self.bar.refresh()
        elif kind == "article" or (kind == "failure" and event.get("scope") == "article"):
            if self.bar.n >= self.bar.total:  # probes of known articles come on top
                self.bar.total = self.bar.n + 1
            self.bar.update(1)

    def _line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def summary(site: SiteConfig, result: CrawlResult, output: Path | None) -> str:
    """The crawl in a few lines: status and time, pages, articles and changes, failures."""
    stats = result.stats
    head = f"{site.name} ({site.id}): {result.status} in {result.elapsed:.1f} s"
    lines = [head + (f": {result.error}" if result.error else "")]
    if "pages" in stats:
        unchanged = stats.get("unchanged_pages", 0)
        lines.append(
            f"  pages: {stats['pages']} list pages ({unchanged} unchanged), "
            f"{stats.get('requests', 0)} requests"
        )
        changes = stats.get("changes", {})
        counted = ", ".join(f"{changes.get(kind, 0)} {kind}" for kind in CHANGE_KINDS)
        lines.append(
            f"  articles: {stats['articles']} ({stats.get('article_pages', 0)} pages, "
            f"{stats.get('file_articles', 0)} files): {counted}"
        )
        failures = stats.get("failures", {})
        listed = ", ".join(f"{reason} {n}" for reason, n in sorted(failures.items()))
        lines.append(f"  failures: {listed or 'none'}")
        if stats.get("gone"):
            lines.append(f"  gone (404/410): {stats['gone']}")
        for name, column in stats.get("columns", {}).items():
            lines.append(f"  {name}: {_column_text(column)}")
    if output is not None:
        lines.append(f"  output: {output}")
    if result.status == "failed" and result.log_tail and "pages" not in stats:
        lines.append("  last lines of the crawl's log:")
        lines.extend("    " + line for line in result.log_tail.splitlines()[-10:])
    return "\n".join(lines) + "\n"


def _column_text(column: dict[str, Any]) -> str:
    text = f"{column.get('status')}, {column.get('items', 0)} items"
    if column.get("pages"):
        text += f" on {column['pages']} pages"
    if column.get("reason"):
        text += f": {column['reason']}"
    elif column.get("stopped"):
        text += f" ({column['stopped']})"
    return text
