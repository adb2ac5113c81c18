"""The ASGI application: pages, /api/, /feeds/, /metrics, /healthz and /static/.

    app = create_app(WebContext(store, sites=lambda: loaded_sites, token=token, protect=False))

Every answer carries a strict Content-Security-Policy (no script at all, same-origin styles),
so even a piece of article text that escaped escaping could not run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from monitor.web import api, feeds, pages
from monitor.web.auth import CHALLENGE, OPEN_PATHS, matches, presented_token
from monitor.web.context import WebContext
from monitor.web.metrics import exposition, registry_for

STATIC = Path(__file__).parent / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"
Next = Callable[[Request], Awaitable[Response]]


def create_app(context: WebContext) -> FastAPI:
    app = FastAPI(
        title="eduwatch",
        summary="Changes of China's education authorities' notices, as JSON",
        version="1",
        openapi_url="/api/openapi.json",
        docs_url=None,  # the interactive docs load scripts from a CDN: not here
        redoc_url=None,
    )
    app.state.context = context
    registry = registry_for(context)

    @app.middleware("http")
    async def guard(request: Request, call_next: Next) -> Response:
        closed = context.protect and request.url.path not in OPEN_PATHS
        if closed and not matches(context.token, presented_token(request)):
            return Response("需要操作员令牌 / token required\n", 401, CHALLENGE)
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": error.detail}, error.status_code, error.headers)
        return pages.error_page(request, error.status_code, str(error.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": _plain(error)}, 422)
        return pages.error_page(request, 422, "请求参数有误：" + "; ".join(_messages(error)))

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        try:
            with context.store.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return JSONResponse({"status": "unavailable", "store": "unreachable"}, 503)
        return JSONResponse({"status": "ok"})

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(exposition(registry), media_type=METRICS_TYPE)

    app.include_router(api.router)
    app.include_router(feeds.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/feeds/"))


def _messages(error: RequestValidationError) -> list[str]:
    return [
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in error.errors()
    ]


def _plain(error: RequestValidationError) -> list[dict[str, object]]:
    """The validation errors without their `input` echo and with plain-text context."""
    return [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type"))}
        for e in error.errors()
    ]
