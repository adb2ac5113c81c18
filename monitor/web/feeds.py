"""Atom feeds under /feeds/ (feedgen): all changes, or those of a site, an authority, a category
or a keyword; /feeds/changes.atom also takes every filter of the changes page. Each entry has
the article's lead and a link to its page on this dashboard (and the site's own URL)."""

from __future__ import annotations

from typing import Annotated
from uuid import NAMESPACE_URL, uuid5

from fastapi import APIRouter, Depends, Path, Request, Response
from feedgen.feed import FeedGenerator

from monitor.store.timeline import Change, ChangeFilter, list_changes
from monitor.store.types import utcnow
from monitor.web import data
from monitor.web.labels import KIND_LABELS
from monitor.web.params import TEXT, change_filter

router = APIRouter(prefix="/feeds", tags=["feeds"])
Name = Annotated[str, Path(pattern=TEXT)]  # a blank one (` `, `\x85`) names nothing: an empty feed


class AtomResponse(Response):
    media_type = "application/atom+xml"


ENTRIES = 50


@router.get("/changes.atom", response_class=AtomResponse)
def feed_changes(
    request: Request, filters: Annotated[ChangeFilter, Depends(change_filter)]
) -> Response:
    return _feed(request, filters)


@router.get("/sites/{site}.atom", response_class=AtomResponse)
def feed_site(request: Request, site: Name) -> Response:
    return _feed(request, ChangeFilter(site=site))


@router.get("/authorities/{authority}.atom", response_class=AtomResponse)
def feed_authority(request: Request, authority: Name) -> Response:
    return _feed(request, ChangeFilter(authority=authority))


@router.get("/categories/{category}.atom", response_class=AtomResponse)
def feed_category(request: Request, category: Name) -> Response:
    return _feed(request, ChangeFilter(category=category))


@router.get("/keywords/{keyword}.atom", response_class=AtomResponse)
def feed_keyword(request: Request, keyword: Name) -> Response:
    return _feed(request, ChangeFilter(keyword=keyword.strip() or None))


def feed_title(filters: ChangeFilter) -> str:
    parts = [
        f"站点 {filters.site}" if filters.site else "",
        f"{filters.authority}" if filters.authority else "",
        f"类别 {filters.category}" if filters.category else "",
        KIND_LABELS.get(filters.kind or "", ""),
        f"“{filters.keyword}”" if filters.keyword else "",
    ]
    named = " · ".join(part for part in parts if part)
    return "教育动态监测：变化" + (f"（{named}）" if named else "")


def _feed(request: Request, filters: ChangeFilter) -> Response:
    ctx = data.context(request)
    with ctx.read() as session:
        changes = list_changes(session, filters, 1, ENTRIES).items
    feed = FeedGenerator()
    feed.id(str(request.url))
    feed.title(feed_title(filters))
    feed.author({"name": "eduwatch"})
    feed.link(href=str(request.url), rel="self")
    page = request.url_for("changes_page").include_query_params(**filters.query_args())
    feed.link(href=str(page), rel="alternate")
    feed.language("zh-CN")
    feed.updated(changes[0].created_at if changes else utcnow())
    for change in reversed(changes):  # feedgen puts the last added first
        _entry(feed, request, change)
    return AtomResponse(feed.atom_str(pretty=True))


def _entry(feed: FeedGenerator, request: Request, change: Change) -> None:
    entry = feed.add_entry()
    entry.id(uuid5(NAMESPACE_URL, f"{request.base_url}events/{change.event_id}").urn)
    entry.title(f"【{KIND_LABELS.get(change.kind, change.kind)}】{change.title or change.url}")
    entry.updated(change.created_at)
    entry.published(change.created_at)
    if change.article_id is not None:
        entry.link(href=str(request.url_for("article_page", article_id=change.article_id)))
    if change.url:
        entry.link(href=change.url, rel="related")
    entry.author({"name": change.site_name})
    if change.category:
        entry.category(term=change.category)
    lead = change.lead or change.summary or "（无导语）"
    entry.summary(f"{change.site_name} · {lead}")
