"""`eduwatch probe URL`: fetch a column page, try every list adapter on it, print what each
finds and the YAML to paste into `config/sites/` (crawler/probe.py does the work)."""

from __future__ import annotations

import argparse
import sys
import urllib.error
from typing import TextIO

from crawler.adapters.dates import shanghai_today
from crawler.probe import Fetched, Trial, best_trial, fetch, site_yaml, try_all
from monitor.cli import add_command

EXIT_OK = 0
EXIT_NO_LIST = 1
EXIT_UNREACHABLE = 2
TITLE_CHARS = 28


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        subparsers, "probe", "try every list adapter on a column URL and print the site YAML"
    )
    parser.add_argument("url", metavar="URL", help="the column's list page (page 1)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return probe(args.url, sys.stdout, sys.stderr)


def probe(url: str, out: TextIO, err: TextIO) -> int:
    """Exit 0 with a table and the YAML; 1 when no adapter finds a list; 2 when unreachable."""
    try:
        fetched = fetch(url)
    except (urllib.error.URLError, OSError, ValueError) as error:
        print(f"eduwatch probe: {url}: cannot fetch ({error})", file=err)
        return EXIT_UNREACHABLE
    print(f"{url}: HTTP {fetched.status}, {len(fetched.body)} bytes", file=out)
    trials = try_all(url, fetched)
    print_table(trials, out)
    chosen = best_trial(trials)
    if chosen is None:
        print(_no_list_advice(trials, fetched), file=err)
        return EXIT_NO_LIST
    why = "as good as any family adapter" if chosen.kind == "auto" else "finds the most"
    print(f"\nchosen: {chosen.kind} ({why}); paste into config/sites/:\n", file=out)
    out.write(site_yaml(url, chosen, fetched, shanghai_today()))
    return EXIT_OK


def print_table(trials: list[Trial], out: TextIO) -> None:
    header = f"{'adapter':<12}{'items':>6}{'dated':>7}  {'next page':<40}  first titles / why not"
    print(header, file=out)
    print("-" * len(header), file=out)
    for trial in trials:
        if trial.error is not None:
            print(f"{trial.kind:<12}{'-':>6}{'-':>7}  {'-':<40}  {trial.error}", file=out)
            continue
        following = trial.next_url or "none"
        titles = " | ".join(_short(title) for title in trial.titles) or f"({trial.rule})"
        line = f"{trial.kind:<12}{trial.items:>6}{trial.dated:>7}  {following:<40}  {titles}"
        print(line, file=out)


def _short(title: str) -> str:
    return title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1] + "…"


def _no_list_advice(trials: list[Trial], fetched: Fetched) -> str:
    if any("challenge" in (trial.error or "") for trial in trials):
        return (
            "eduwatch probe: the site answers with an anti-bot challenge: it needs a browser "
            "(render), no adapter can read it over plain HTTP"
        )
    return (
        f"eduwatch probe: no adapter found a list on this page (HTTP {fetched.status}): the "
        "list may be written by a script; give the site `list:` selectors with adapter css"
    )
