"""`eduwatch diff ARTICLE [--against previous|VERSION|predecessor] [--format text|html|json]`.

Compares the article's current version with its previous version (the default), with another
of its own versions (by its number, 1 the oldest, as `eduwatch show` lists them), or with its
predecessor: the one recorded on its `new` event, else the one the predecessor index finds now.
A version number the article does not have is refused, never looked up elsewhere.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from html import escape
from typing import Any

from sqlalchemy.orm import Session

from monitor.changes import VersionChange, change_html, change_json, change_text, compare_versions
from monitor.cli import add_command
from monitor.clock import shown
from monitor.commands.db import open_from_args
from monitor.errors import NotFoundError
from monitor.linking import predecessor_of
from monitor.store.models import ArticleVersion, StoredArticle
from monitor.store.predecessors import Predecessor
from monitor.store.queries import article_versions, find_article, version_number
from monitor.terminal import for_terminal, json_for_terminal

Against = str | int
_HEADER_STYLE = "font-family:sans-serif;font-size:13px;color:#444;margin:0 0 6px 0;"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(subparsers, "diff", "what changed in an article, clause by clause")
    parser.add_argument("article", metavar="ARTICLE", help="an article id or URL")
    parser.add_argument(
        "--against",
        type=parse_against,
        default="previous",
        metavar="VERSION|predecessor",
        help="compare with: `previous` version (default), the article's version N "
        "(as `eduwatch show` numbers them), or `predecessor`",
    )
    parser.add_argument("--format", choices=("text", "html", "json"), default="text")
    parser.add_argument(
        "--context", type=int, default=1, help="unchanged clauses shown around each change"
    )
    parser.set_defaults(func=run_diff)


def parse_against(value: str) -> Against:
    if value in ("previous", "predecessor"):
        return value
    number = value.removeprefix("#")
    if number.isdigit():
        return int(number)
    raise argparse.ArgumentTypeError(
        f"{value!r}: expected a version number (as `eduwatch show` lists them), "
        "`previous` or `predecessor`"
    )


@dataclass(frozen=True, slots=True)
class Comparison:
    article: StoredArticle
    against: str
    old: ArticleVersion
    old_url: str
    new: ArticleVersion
    change: VersionChange
    old_number: int
    new_number: int
    predecessor: Predecessor | None = None


def run_diff(args: argparse.Namespace) -> int:
    store = open_from_args(args, "diff")
    if store is None:
        return 2
    try:
        with store.transaction() as session:
            comparison = compare(session, args.article, args.against)
            output = render(comparison, args.format, max(args.context, 0))
    except NotFoundError as error:
        print(f"eduwatch diff: {error}", file=sys.stderr)
        return 1
    finally:
        store.close()
    sys.stdout.write(output)
    return 0


def compare(
    session: Session, ref: str, against: Against, new_version: int | None = None
) -> Comparison:
    """The article's current version (or its version ``new_version``) against the chosen one."""
    article = find_article(session, ref)
    new = _version(session, article.current_version_id, f"article {article.id} has no version")
    if new_version is not None and new_version != new.id:
        new = _version(session, new_version, f"article {article.id} has no version {new_version}")
        if new.article_id != article.id:
            raise NotFoundError(f"article {article.id} has no version {new_version}")
    predecessor = None
    if against == "previous":
        hint = "use --against predecessor or --against VERSION"
        message = f"article {article.id} has only one version ({hint})"
        old = _version(session, new.previous_version_id, message)
        kind = "previous"
    elif against == "predecessor":
        predecessor = predecessor_of(session, article)
        if predecessor is None:
            raise NotFoundError(f"article {article.id} has no predecessor")
        old = _version(session, predecessor.version_id, "its predecessor's version is gone")
        kind = "predecessor"
    else:
        old = own_version(session, article, int(against))
        kind = "version"
    old_article = session.get(StoredArticle, old.article_id)
    old_url = old_article.url if old_article is not None else ""
    change = compare_versions(old, new)
    numbers = (version_number(session, old), version_number(session, new))
    return Comparison(article, kind, old, old_url, new, change, *numbers, predecessor)


def own_version(session: Session, article: StoredArticle, number: int) -> ArticleVersion:
    """The article's version ``number`` (1 the oldest); NotFoundError naming those it has."""
    versions = article_versions(session, article.id)
    if not 1 <= number <= len(versions):
        raise NotFoundError(
            f"article {article.id} has no version {number}: its versions are "
            f"1 to {len(versions)} (`eduwatch show {article.id}` lists them)"
        )
    return versions[number - 1]


def _version(session: Session, version_id: int | None, missing: str) -> ArticleVersion:
    version = session.get(ArticleVersion, version_id) if version_id is not None else None
    if version is None:
        raise NotFoundError(missing)
    return version


def render(comparison: Comparison, form: str, context: int) -> str:
    if form == "json":
        return json_for_terminal(json.dumps(comparison_json(comparison), ensure_ascii=False)) + "\n"
    old_line, new_line = _header(comparison)
    if form == "html":
        header = "".join(
            f'<p style="{_HEADER_STYLE}">{escape(line)}</p>\n' for line in (old_line, new_line)
        )
        return header + change_html(comparison.change, context)
    return for_terminal(f"{old_line}\n{new_line}\n" + change_text(comparison.change, context))


def _header(c: Comparison) -> tuple[str, str]:
    label = f"  [{c.against}" + (f": {c.predecessor.reason}" if c.predecessor else "") + "]"
    old = f"--- #{c.old_number} {c.old.title}  ({_when(c.old)})  {c.old_url}{label}"
    new = f"+++ #{c.new_number} {c.new.title}  ({_when(c.new)})  {c.article.url}"
    return old, new


def _when(version: ArticleVersion) -> str:
    return version.published_at or f"fetched {shown(version.fetched_at)}"


def comparison_json(c: Comparison) -> dict[str, Any]:
    """The whole comparison: both sides, what was compared, and the complete diff."""
    out: dict[str, Any] = {
        "article_id": c.article.id,
        "against": c.against,
        "old": _side(c.old, c.old_number, c.old_url),
        "new": _side(c.new, c.new_number, c.article.url),
        "diff": change_json(c.change, max_ops=None),
    }
    if c.predecessor is not None:
        out["predecessor"] = {
            "url": c.predecessor.url,
            "title": c.predecessor.title,
            "score": c.predecessor.score,
            "reason": c.predecessor.reason,
        }
    return out


def _side(version: ArticleVersion, number: int, url: str) -> dict[str, Any]:
    return {
        "article_id": version.article_id,
        "version": number,
        "version_id": version.id,
        "url": url,
        "title": version.title,
        "published_at": version.published_at,
        "fetched_at": version.fetched_at.isoformat(),
    }
