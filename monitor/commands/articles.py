"""`eduwatch articles`, `eduwatch show ARTICLE`, `eduwatch events`: what the store holds."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from crawler.names import EVENT_KINDS
from monitor.cli import add_command
from monitor.commands.db import SHANGHAI, open_from_args, parse_since, shown
from monitor.errors import NotFoundError
from monitor.store.models import ArticleVersion, StoredArticle
from monitor.store.queries import article_versions, find_article, list_articles, list_events


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    articles = add_command(subparsers, "articles", "list the stored articles, newest first")
    articles.add_argument("--site", help="only this site (its id)")
    articles.add_argument("--since", type=parse_since, help="appeared since DATE or SPAN (7d)")
    articles.set_defaults(func=run_articles)
    show = add_command(subparsers, "show", "one article: metadata, version history and text")
    show.add_argument("article", metavar="ARTICLE", help="an article id or URL")
    show.add_argument("--version", type=int, help="show this version's text (default: current)")
    show.set_defaults(func=run_show)
    events = add_command(subparsers, "events", "list events, oldest first")
    events.add_argument("--since", type=parse_since, help="created since DATE or SPAN (7d)")
    events.add_argument("--site", help="only this site (its id)")
    events.add_argument("--kind", action="append", choices=EVENT_KINDS, default=[])
    events.add_argument("--format", choices=("text", "json"), default="text")
    events.set_defaults(func=run_events)


def run_articles(args: argparse.Namespace) -> int:
    store = open_from_args(args, "articles")
    if store is None:
        return 2
    with store.transaction() as session:
        rows = list_articles(session, args.site, args.since)
        for row in rows:
            title = row.version.title if row.version else ""
            when = shown(row.article.appeared_at)
            fields = [str(row.article.id), when, row.article.site_id, row.article.status, title]
            sys.stdout.write("\t".join([*fields, row.article.url]) + "\n")
    store.close()
    return 0


def run_show(args: argparse.Namespace) -> int:
    store = open_from_args(args, "show")
    if store is None:
        return 2
    try:
        with store.transaction() as session:
            article = find_article(session, args.article)
            versions = article_versions(session, article.id)
            write_article(article, versions, args.version, sys.stdout)
    except NotFoundError as error:
        print(f"eduwatch show: {error}", file=sys.stderr)
        return 1
    finally:
        store.close()
    return 0


def write_article(
    article: StoredArticle,
    versions: list[ArticleVersion] | Any,
    version_id: int | None,
    out: TextIO,
) -> None:
    chosen_id = version_id if version_id is not None else article.current_version_id
    chosen = next((v for v in versions if v.id == chosen_id), None)
    if chosen is None:
        raise NotFoundError(f"article {article.id} has no version {chosen_id}")
    lines = [
        f"title: {chosen.title}",
        f"url: {article.url}",
        f"site: {article.site_id}  column: {article.column_name or '-'}"
        f"  category: {article.category or '-'}",
        f"status: {article.status}"
        + (f" since {shown(article.withdrawn_at)}" if article.withdrawn_at else ""),
        f"published_at: {chosen.published_at or '-'}",
        f"source: {chosen.source or '-'}",
        f"document_number: {chosen.document_number or '-'}",
        f"first_seen: {shown(article.first_seen)}  last_checked: {shown(article.last_checked)}"
        f"  ({SHANGHAI.key})",
    ]
    lines += [f"attachment: {a['name']} <{a['url']}>" for a in chosen.attachments]
    lines += ["", "versions:"]
    for version in versions:
        mark = "  <- current" if version.id == article.current_version_id else ""
        lines.append(
            f"  #{version.id}  {shown(version.fetched_at)}  {version.fingerprint[:12]}"
            f"  normalizer {version.normalizer_version}  {version.title}{mark}"
        )
    out.write("\n".join(lines) + "\n\n" + chosen.text)


def run_events(args: argparse.Namespace) -> int:
    store = open_from_args(args, "events")
    if store is None:
        return 2
    with store.transaction() as session:
        records = list_events(session, args.since, args.site, args.kind)
    store.close()
    for record in records:
        if args.format == "json":
            sys.stdout.write(json.dumps(event_json(record), ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(event_line(record) + "\n")
    return 0


def event_json(record: dict[str, Any]) -> dict[str, Any]:
    """One JSON line: kind, site, url, title, created_at (+08:00), payload; ids; for a new
    directive with one its ``predecessor`` (url, title); ``diff`` (monitor.changes JSON) where
    the event has one (moved out of the payload, not repeated in it)."""
    out = dict(record)
    out["created_at"] = record["created_at"].astimezone(SHANGHAI).isoformat()
    payload = dict(record["payload"])
    predecessor = payload.get("predecessor")
    if predecessor:
        out["predecessor"] = {"url": predecessor.get("url"), "title": predecessor.get("title")}
    if "diff" in payload:
        out["diff"] = payload.pop("diff")
    out["payload"] = payload
    return out


def event_line(record: dict[str, Any]) -> str:
    parts = [shown(record["created_at"]), f"{record['kind']:<14}", record["site"]]
    payload = record["payload"]
    if record["title"]:
        parts.append(record["title"])
    if record["url"]:
        parts.append(record["url"])
    if record["kind"] in ("site_failing", "site_recovered"):
        parts.append(f"{payload.get('failures')} failed runs: {payload.get('error') or ''}".strip())
    if record["kind"] == "site_stale":
        parts.append(
            f"nothing new since {payload.get('last_new_at', '')[:10]}"
            f" ({payload.get('quiet_days')} days, usual up to {payload.get('threshold_days')})"
        )
    predecessor = payload.get("predecessor")
    if predecessor:
        parts.append(f"follows: {predecessor.get('title')} {predecessor.get('url')}")
    counts = (payload.get("diff") or {}).get("counts")
    if counts:
        parts.append(
            f"diff: +{counts.get('added', 0)} -{counts.get('removed', 0)}"
            f" ~{counts.get('changed', 0)}"
        )
    return "  ".join(parts)
