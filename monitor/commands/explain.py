"""`eduwatch check-config --explain SITE`: what one site will do, in plain words: how it is
fetched (render mode, politeness), when (schedule, next runs), and per column how its list is
read (adapter, selectors or detection), how it pages, and how its articles are extracted."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO

from crawler.adapters import Adapter
from crawler.adapters.auto import AutoOptions
from crawler.adapters.css import CssOptions
from crawler.adapters.hanweb import HanwebOptions
from crawler.adapters.json_search import JsonSearchOptions
from crawler.adapters.pager import query_value
from crawler.adapters.trs import TrsOptions
from crawler.sites import (
    TIMEZONE,
    EffectiveColumn,
    Schedule,
    SiteConfig,
    SiteConfigError,
    load_site,
)

EXIT_OK = 0
EXIT_INVALID = 2
NEXT_RUNS = 3


def explain_site(config_dir: Path, site_id: str, out: TextIO, err: TextIO) -> int:
    """Print the plain-words account of a site; exit 2 when it cannot be loaded."""
    try:
        site = load_site(config_dir, site_id)
    except SiteConfigError as error:
        print(f"eduwatch check-config --explain {site_id}: {error}", file=err)
        return EXIT_INVALID
    for line in describe_site(site):
        print(line, file=out)
    return EXIT_OK


RENDER_WORDS = {
    "http": "plain HTTP requests, never a browser",
    "auto": (
        "plain HTTP; a browser (Chromium) only for an anti-bot challenge or a list its scripts"
        " build, remembered for a day"
    ),
    "browser": "a browser (Chromium) renders every page",
}


def describe_site(site: SiteConfig, now: datetime | None = None) -> list[str]:
    lines = [f"{site.id}: {site.name} ({site.authority})"]
    if not site.enabled:
        lines.append("  disabled: never crawled on schedule (eduwatch crawl still runs it)")
    lines.append(f"  fetching: {RENDER_WORDS[site.render]} (render: {site.render})")
    robots = "obeys robots.txt" if site.obey_robots else "ignores robots.txt (its YAML says so)"
    lines.append(
        f"  politeness: {site.delay:g} s between requests, {site.concurrency} at a time, {robots}"
    )
    if site.headers:
        lines.append(f"  extra headers: {', '.join(sorted(site.headers))}")
    if site.encoding:
        lines.append(f"  pages decoded as {site.encoding} (the YAML's encoding)")
    lines.append(f"  schedule: {describe_schedule(site.schedule, now)}")
    for column in site.effective_columns():
        lines += ["", *describe_column(column, site.schedule, now, site.render)]
    return lines


def describe_schedule(schedule: Schedule, now: datetime | None = None) -> str:
    if schedule.kind == "interval":
        seconds = schedule.seconds or 0
        return f"every {_duration(seconds)}, counted from the start of the service"
    words = f"cron `{schedule.expression}`"
    trigger = schedule.trigger()
    moment = now or datetime.now(trigger.timezone)
    previous = None
    runs = []
    for _ in range(NEXT_RUNS):
        previous = trigger.get_next_fire_time(previous, moment)
        if previous is None:
            break
        runs.append(previous.strftime("%m-%d %H:%M"))
        moment = previous + timedelta(seconds=1)
    return f"{words}; next runs {', '.join(runs)} ({TIMEZONE})" if runs else words


def _duration(seconds: int) -> str:
    """`hour`, `2 hours`, `15 minutes`, `30 seconds`."""
    for unit, size in (("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds % size == 0:
            count = seconds // size
            return unit if count == 1 else f"{count} {unit}s"
    return f"{seconds} seconds"


def describe_column(
    column: EffectiveColumn,
    site_schedule: Schedule,
    now: datetime | None = None,
    site_render: str = "auto",
) -> list[str]:
    lines = [
        f"  column {column.name} [{column.category}]: {column.url}",
        f"    adapter {column.adapter}: {_family(column.adapter)}",
        f"    items: {_items(column)}",
        f"    paging: {_paging(column)}; at most {column.max_pages} list pages a crawl",
        f"    articles: {_articles(column)}",
    ]
    if column.schedule != site_schedule:
        lines.append(f"    schedule: {describe_schedule(column.schedule, now)}")
    if column.render != site_render:
        lines.append(f"    fetching: {RENDER_WORDS[column.render]} (render: {column.render})")
    return lines


def _family(kind: str) -> str:
    adapter = Adapter.registry.get(kind)
    return adapter.summary if adapter is not None and adapter.summary else kind


def _items(column: EffectiveColumn) -> str:
    selectors = column.list_selectors
    if column.adapter == "json_search":
        options = column.options
        assert isinstance(options, JsonSearchOptions)
        keys = [options.title_key, options.url_key, options.date_key]
        if options.results_path is None and not any(keys):
            return "the largest list of records in the answer; title, URL and date keys found"
        return (
            f"records at {options.results_path or '(found in the answer)'}, title "
            f"{options.title_key or '(found)'}, URL {options.url_key or '(found)'}, "
            f"date {options.date_key or '(found)'}"
        )
    if column.adapter == "hanweb":
        return "the <record> entries of the page's <datastore> (and of the dataproxy answers)"
    if selectors.item:
        found = f"each `{selectors.item}` (the YAML's list selectors)"
        if column.adapter == "auto":
            return found + " first, the detected list when they match nothing"
        return found
    return "the repeated block of dated links the detection finds (no selectors)"


def _paging(column: EffectiveColumn) -> str:
    options = column.options
    if isinstance(options, TrsOptions):
        if options.first_index is not None:
            suffix = options.suffix or ".html"
            return (
                f"the page's own next link, else {options.index_name}_N{suffix} "
                f"(page 2 is {options.index_name}_{options.first_index}{suffix}) up to the "
                "page count"
            )
        return (
            "the page's own next link (下一页, >, the link numbered n+1), else index_N pages when "
            "a TRS paging script (createPageHTML, countPage) or index_N links imply them"
        )
    if isinstance(options, HanwebOptions):
        return f"POST to {options.proxy_path}, {options.perpage} records a request"
    if isinstance(options, JsonSearchOptions):
        named = "page_param" in options.model_fields_set
        if named or query_value(column.url, options.page_param) is not None:
            return (
                f"{options.page_param}=N in the query until the total the answer states (or, "
                "with none, a page that is not full)"
            )
        return "none: one answer holds the whole column"
    if isinstance(options, CssOptions | AutoOptions):
        if column.list_selectors.next:
            return f"the link `{column.list_selectors.next}`"
        template = f", else the template {options.page_url}" if options.page_url else ""
        return f"the page's own next link (下一页, >, numbered links){template}"
    return "the page's own next link"


def _articles(column: EffectiveColumn) -> str:
    rules = column.extraction_rules()
    parts = [
        f"body `{rules.body}`" if rules.body else "body detected (CMS containers, then density)"
    ]
    named = (("title", rules.title), ("date", rules.date), ("source", rules.source))
    parts += [f"{name} `{value}`" for name, value in named if value]
    if rules.remove:
        parts.append(f"removes {', '.join(rules.remove)}")
    return "; ".join(parts)
