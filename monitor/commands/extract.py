"""`eduwatch extract PAGE.html|DIR`: run the normalizer on saved pages."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from crawler.normalize import ExtractionError, extract_article
from monitor.cli import add_command

PAGE_SUFFIXES = (".html", ".htm", ".shtml")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(subparsers, "extract", "extract the article of a saved page (or a folder)")
    parser.add_argument("path", type=Path, metavar="PAGE|DIR", help="a saved HTML page or a folder")
    parser.add_argument("--url", help="the page's URL (resolves relative links; default: file URI)")
    parser.add_argument("--charset", help="the HTTP charset the page was served with, if known")
    parser.add_argument(
        "--format",
        choices=("text", "json", "jsonl"),
        default=None,
        help="text (default for a page), json, or jsonl (default and only choice for a folder)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path: Path = args.path
    if path.is_dir():
        if args.format not in (None, "jsonl"):
            print("eduwatch extract: a folder is extracted as jsonl", file=sys.stderr)
            return 2
        return extract_folder(path, sys.stdout)
    if not path.is_file():
        print(f"eduwatch extract: {path}: no such file or folder", file=sys.stderr)
        return 2
    return extract_one(path, args.url, args.charset, args.format or "text", sys.stdout)


def extract_one(path: Path, url: str | None, charset: str | None, fmt: str, out: TextIO) -> int:
    try:
        article = extract_article(path.read_bytes(), url or path.resolve().as_uri(), charset)
    except ExtractionError as error:
        print(f"eduwatch extract: {path}: {error.reason} ({error.code})", file=sys.stderr)
        return 1
    if fmt == "text":
        out.write(article.text)
    else:
        indent = 2 if fmt == "json" else None
        out.write(json.dumps(article.to_dict(), ensure_ascii=False, indent=indent) + "\n")
    return 0


def extract_folder(folder: Path, out: TextIO) -> int:
    """One JSON line per page; a failed page is a line with `error`, and the run goes on."""
    pages = sorted(p for p in folder.rglob("*") if p.suffix.lower() in PAGE_SUFFIXES)
    for page in _progress(pages):
        record: dict[str, Any] = {"file": str(page)}
        try:
            record |= extract_article(page.read_bytes(), page.resolve().as_uri()).to_dict()
        except ExtractionError as error:
            record |= {"error": error.reason, "code": error.code}
        except OSError as error:
            record |= {"error": str(error), "code": "unreadable"}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 0


def _progress(pages: list[Path]) -> Iterator[Path]:
    """The pages, with a progress bar on stderr when it is a terminal."""
    if not sys.stderr.isatty():
        yield from pages
        return
    from tqdm import tqdm

    yield from tqdm(pages, unit="page", file=sys.stderr)
