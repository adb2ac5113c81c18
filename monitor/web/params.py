"""Query parameters shared by the pages, the API and the feeds: the changes filter and paging.
An empty form field (``?since=``) counts as absent, so a plain HTML form can send every field."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BeforeValidator

from crawler.names import ArticleEventKind
from monitor.store.timeline import ChangeFilter


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


Blank = BeforeValidator(_blank_is_none)
TEXT = r"^[^\x00-\x1f\x7f]*$"  # no control characters (PostgreSQL refuses NUL in text)
MAX_ID = 2_147_483_647
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
VersionId = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="a version id (default: the current one)")
]
MAX_PER_PAGE = 200


def change_filter(
    site: Annotated[str | None, Query(description="a site id", pattern=TEXT), Blank] = None,
    authority: Annotated[
        str | None, Query(description="an authority, e.g. 山西", pattern=TEXT), Blank
    ] = None,
    category: Annotated[
        str | None, Query(description="news, notice or policy", pattern=TEXT), Blank
    ] = None,
    kind: Annotated[
        ArticleEventKind | None, Query(description="new, revised or withdrawn"), Blank
    ] = None,
    q: Annotated[
        str | None,
        Query(description="a keyword of the title or document number", pattern=TEXT),
        Blank,
    ] = None,
    since: Annotated[date | None, Query(description="from this day (Asia/Shanghai)"), Blank] = None,
    until: Annotated[
        date | None, Query(description="to this day, included (Asia/Shanghai)"), Blank
    ] = None,
) -> ChangeFilter:
    return ChangeFilter(
        site=site,
        authority=authority,
        category=category,
        kind=kind,
        keyword=q.strip() if q and q.strip() else None,
        since=since,
        until=until,
    )


PageNumber = Annotated[int, Query(ge=1, le=1_000_000, description="1 is the newest page")]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="rows a page")]
