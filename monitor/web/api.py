"""The JSON API under /api/: sites, changes, articles, diffs, deliveries; described by OpenAPI
at /api/openapi.json. Times are ISO 8601 in Asia/Shanghai."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from monitor.commands.diff import comparison_json
from monitor.errors import NotFoundError, StoreError
from monitor.logs import REDACT
from monitor.store.delivery_models import DELIVERY_STATUSES, Delivery
from monitor.store.timeline import Change, ChangeFilter, list_changes
from monitor.store.types import utcnow
from monitor.web import data
from monitor.web.params import Id, PageNumber, PerPage, VersionId, change_filter
from monitor.web.sites import SORT_KEYS, SiteRow, site_rows

router = APIRouter(prefix="/api", tags=["api"])
Status = Literal["pending", "sent", "failed", "dead"]
SortKey = Literal["id", "authority", "last_run", "result", "failures", "next_run", "articles"]
assert set(get_args(Status)) == set(DELIVERY_STATUSES)
assert set(get_args(SortKey)) == set(SORT_KEYS)


class ChangesPage(BaseModel):
    items: list[Change]
    page: int
    per_page: int
    total: int
    pages: int


class VersionOut(BaseModel):
    id: int
    previous_version_id: int | None
    title: str
    published_at: str | None
    fetched_at: datetime
    fingerprint: str
    normalizer_version: str


class ArticleOut(BaseModel):
    id: int
    url: str
    site_id: str
    column: str | None
    category: str | None
    status: str
    first_seen: datetime
    last_checked: datetime
    withdrawn_at: datetime | None
    version_id: int
    title: str
    published_at: str | None
    source: str | None
    document_number: str | None
    lead: str | None
    attachments: list[dict[str, str]]
    text: str = Field(description="the version's text in the article format")
    versions: list[VersionOut]


class DeliveryOut(BaseModel):
    id: int
    status: str
    kind: str
    subscriber: str
    channel: str
    mode: str
    attempts: int
    event_id: int | None
    created_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None
    last_error: str | None


class DeliveriesPage(BaseModel):
    items: list[DeliveryOut]
    counts: dict[str, int]
    page: int
    per_page: int
    total: int
    pages: int


class RetryOut(BaseModel):
    retried: list[int] = Field(description="the deliveries made due again")


class Problem(BaseModel):
    detail: str


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem}}


@router.get("/sites", response_model=list[SiteRow])
def api_sites(
    request: Request,
    authority: Annotated[str | None, Query()] = None,
    sort: Annotated[SortKey, Query()] = "id",
    desc: bool = False,
) -> list[SiteRow]:
    """Each site and column with its health."""
    ctx = data.context(request)
    with ctx.read() as session:
        rows = site_rows(session, ctx.sites(), utcnow(), authority, sort, desc)
    return [data.in_shanghai(row) for row in rows]


@router.get("/changes", response_model=ChangesPage)
def api_changes(
    request: Request,
    filters: Annotated[ChangeFilter, Depends(change_filter)],
    page: PageNumber = 1,
    per_page: PerPage = 50,
) -> ChangesPage:
    """New, revised and withdrawn articles, newest first."""
    ctx = data.context(request)
    with ctx.read() as session:
        found = list_changes(session, filters, page, per_page)
    items = [data.in_shanghai(change) for change in found.items]
    return ChangesPage(
        items=items, page=page, per_page=per_page, total=found.total, pages=found.pages
    )


@router.get("/articles/{article_id}", response_model=ArticleOut, responses=NOT_FOUND)
def api_article(
    request: Request,
    article_id: Id,
    version: VersionId = None,
) -> ArticleOut:
    """One article: metadata, a version's text and attachments, the version history."""
    ctx = data.context(request)
    with ctx.read() as session:
        _, item = data.article_view(session, article_id, version)
    return ArticleOut.model_validate(item)


@router.get("/articles/{article_id}/diff", responses=NOT_FOUND)
def api_diff(
    request: Request,
    article_id: Id,
    against: Annotated[
        str,
        Query(
            description="`previous`, `predecessor` or a version id",
            pattern=r"^(previous|predecessor|\d{1,12})$",
        ),
    ] = "previous",
    version: VersionId = None,
) -> dict[str, Any]:
    """The clause diff (monitor.diff JSON) of two versions, with both sides described."""
    ctx = data.context(request)
    with ctx.read() as session:
        data.article_or_404(session, article_id)
        try:
            comparison = data.comparison(session, article_id, against, version)
        except NotFoundError as error:
            raise HTTPException(404, str(error)) from None
        return comparison_json(comparison)


@router.get("/deliveries", response_model=DeliveriesPage)
def api_deliveries(
    request: Request,
    status: Annotated[Status | None, Query()] = None,
    page: PageNumber = 1,
    per_page: PerPage = 50,
) -> DeliveriesPage:
    """The outbox, newest first, with each delivery's last error."""
    ctx = data.context(request)
    with ctx.read() as session:
        found, counts = data.deliveries(session, status, page, per_page)
        items = [DeliveryOut.model_validate(_delivery(row)) for row in found.items]
    return DeliveriesPage(
        items=items, counts=counts, page=page, per_page=per_page,
        total=found.total, pages=found.pages,
    )  # fmt: skip


@router.post(
    "/deliveries/{delivery_id}/retry",
    response_model=RetryOut,
    responses={403: {"model": Problem}, 404: {"model": Problem}, 409: {"model": Problem}},
)
def api_retry(request: Request, delivery_id: Id) -> RetryOut:
    """Make a failed or dead delivery due again (needs the operator token as a Bearer token)."""
    ctx = data.context(request)
    data.require_operator(ctx, request, None)
    try:
        return RetryOut(retried=data.retry(ctx, delivery_id))
    except NotFoundError as error:
        raise HTTPException(404, str(error)) from None
    except StoreError as error:
        raise HTTPException(409, str(error)) from None


def _delivery(row: Delivery) -> dict[str, Any]:
    out = data.shanghai({name: getattr(row, name) for name in DeliveryOut.model_fields})
    out["last_error"] = REDACT(row.last_error) if row.last_error else None
    return out
