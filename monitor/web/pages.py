"""The server-rendered pages (Jinja2, autoescaped; no script): sites, changes, an article, its
diff, deliveries; and the operator's retry form."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from monitor.errors import NotFoundError, StoreError
from monitor.logs import REDACT
from monitor.store.queries import article_versions
from monitor.store.timeline import ChangeFilter, list_changes
from monitor.store.types import utcnow
from monitor.web import data, labels
from monitor.web.api import SortKey, Status
from monitor.web.diffview import side_by_side
from monitor.web.feeds import feed_title
from monitor.web.params import Id, PageNumber, VersionId, change_filter
from monitor.web.sites import site_rows

router = APIRouter(include_in_schema=False)
TEMPLATES = Path(__file__).parent / "templates"
PER_PAGE = 30


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["t"] = _shown
    env.filters["day"] = lambda moment: _shown(moment, "%Y-%m-%d")
    env.filters["href"] = external_href
    env.filters["redact"] = lambda text: REDACT(str(text)) if text else ""
    env.globals["L"] = labels
    env.globals["query"] = lambda **values: urlencode({k: v for k, v in values.items() if v})
    return env


def _shown(moment: Any, form: str = "%Y-%m-%d %H:%M") -> str:
    return moment.astimezone(data.SHANGHAI).strftime(form) if moment else "—"


def external_href(url: Any) -> str | None:
    """A link to another site only when it is http(s): a `javascript:` URL is never a link."""
    text = str(url or "")
    return text if urlsplit(text).scheme in ("http", "https") else None


templates = Jinja2Templates(env=_environment())


def render(request: Request, name: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    values.setdefault("feed", str(request.url_for("feed_changes")))
    values.setdefault("feed_title", feed_title(ChangeFilter()))
    return templates.TemplateResponse(request, name, values, status_code=status_code)


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/changes", status_code=307)


@router.get("/sites", response_class=HTMLResponse, name="sites_page")
def sites_page(
    request: Request,
    authority: Annotated[str | None, Query()] = None,
    sort: Annotated[SortKey, Query()] = "id",
    desc: bool = False,
) -> HTMLResponse:
    ctx = data.context(request)
    with ctx.read() as session:
        rows = site_rows(session, ctx.sites(), utcnow(), authority or None, sort, desc)
    return render(
        request, "sites.html.j2", rows=rows, authorities=ctx.authorities,
        authority=authority or "", sort=sort, desc=desc,
    )  # fmt: skip


@router.get("/changes", response_class=HTMLResponse, name="changes_page")
def changes_page(
    request: Request,
    filters: Annotated[ChangeFilter, Depends(change_filter)],
    page: PageNumber = 1,
) -> HTMLResponse:
    ctx = data.context(request)
    with ctx.read() as session:
        found = list_changes(session, filters, page, PER_PAGE)
    feed = request.url_for("feed_changes").include_query_params(**filters.query_args())
    return render(
        request, "changes.html.j2", found=found, filters=filters, args=filters.query_args(),
        sites=ctx.sites(), authorities=ctx.authorities, categories=ctx.categories,
        feed=str(feed), feed_title=feed_title(filters),
    )  # fmt: skip


@router.get("/articles/{article_id}", response_class=HTMLResponse, name="article_page")
def article_page(request: Request, article_id: Id, version: VersionId = None) -> HTMLResponse:
    ctx = data.context(request)
    with ctx.read() as session:
        article, item = data.article_view(session, article_id, version)
    return render(
        request, "article.html.j2", a=item, current=article.current_version_id,
        feed=str(request.url_for("feed_site", site=article.site_id)),
        feed_title=feed_title(ChangeFilter(site=article.site_id)),
    )  # fmt: skip


@router.get("/articles/{article_id}/diff", response_class=HTMLResponse, name="diff_page")
def diff_page(
    request: Request,
    article_id: Id,
    against: Annotated[str, Query(pattern=r"^(previous|predecessor|\d{1,12})$")] = "previous",
    version: VersionId = None,
    context: Annotated[int, Query(ge=-1, le=50)] = 2,
) -> HTMLResponse:
    ctx = data.context(request)
    with ctx.read() as session:
        article = data.article_or_404(session, article_id)
        versions = list(article_versions(session, article.id))
        try:
            comparison = data.comparison(session, article_id, against, version)
        except NotFoundError as error:
            raise HTTPException(404, _why_no_diff(str(error))) from None
        view = side_by_side(comparison.change, context)
        old, new = data.side(comparison.old), data.side(comparison.new)
    return render(
        request, "diff.html.j2", article_id=article.id, url=article.url, versions=versions,
        c=comparison, old=old, new=new, view=view, against=against, version=version,
        context=context, feed=str(request.url_for("feed_site", site=article.site_id)),
        feed_title=feed_title(ChangeFilter(site=article.site_id)),
    )  # fmt: skip


def _why_no_diff(message: str) -> str:
    if "only one version" in message:
        return "这篇文章只有一个版本，没有可比较的上一版本；可与前一份文件（predecessor）比较。"
    if "no predecessor" in message:
        return "这篇文章没有找到前一份文件。"
    return f"找不到要比较的版本（{message}）"


@router.get("/deliveries", response_class=HTMLResponse, name="deliveries_page")
def deliveries_page(
    request: Request,
    status: Annotated[Status | None, Query()] = None,
    page: PageNumber = 1,
    notice: Annotated[Literal["retried", "waiting"] | None, Query()] = None,
) -> HTMLResponse:
    ctx = data.context(request)
    with ctx.read() as session:
        found, counts = data.deliveries(session, status, page, PER_PAGE)
    return render(
        request, "deliveries.html.j2", found=found, counts=counts, status=status or "",
        notice=notice, can_retry=bool(ctx.token),
    )  # fmt: skip


@router.post("/deliveries/{delivery_id}/retry", name="retry_delivery")
def retry_page(
    request: Request,
    delivery_id: Id,
    token: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "",
) -> Response:
    ctx = data.context(request)
    data.require_operator(ctx, request, token)
    try:
        retried = data.retry(ctx, delivery_id)
    except NotFoundError:
        raise HTTPException(404, f"没有投递 {delivery_id}") from None
    except StoreError:
        raise HTTPException(409, f"投递 {delivery_id} 已经发送，不会再发送") from None
    back = {"notice": "retried" if retried else "waiting"}
    if status in labels.DELIVERY_LABELS:
        back["status"] = status
    return RedirectResponse(f"/deliveries?{urlencode(back)}", status_code=303)


def error_page(request: Request, status_code: int, detail: str) -> HTMLResponse:
    return render(
        request, "error.html.j2", status_code=status_code, code=status_code, detail=detail
    )
