"""The composition root of the web: the FastAPI factory that mounts every domain's api and pages."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute

from yuanqu import __version__
from yuanqu.accounts import api as accounts_api
from yuanqu.accounts import pages as accounts_pages
from yuanqu.accounts.service import AccountsBackend
from yuanqu.agreements import api as agreements_api
from yuanqu.agreements import pages as agreements_pages
from yuanqu.attraction import api as attraction_api
from yuanqu.attraction import pages as attraction_pages
from yuanqu.av import api as av_api
from yuanqu.av import pages as av_pages
from yuanqu.av.service import READERS as AV_READERS
from yuanqu.briefing import api as briefing_api
from yuanqu.briefing import pages as briefing_pages
from yuanqu.calendar.api import router as calendar_router
from yuanqu.chains import api as chains_api
from yuanqu.chains import pages as chains_pages
from yuanqu.core.auth import EVERYONE, STAFF, Role
from yuanqu.core.config import get_settings
from yuanqu.core.csrf import check_csrf
from yuanqu.core.db import get_engine, session_factory
from yuanqu.core.deps import request_lang
from yuanqu.core.errors import RateLimited, Unauthorized, YuanquError
from yuanqu.core.headers import SecurityHeaders
from yuanqu.core.tabular import MAX_LISTED_ERRORS, ImportRejected, cut
from yuanqu.core.uploads import UploadLimit
from yuanqu.funds import api as funds_api
from yuanqu.funds import pages as funds_pages
from yuanqu.grants import api as grants_api
from yuanqu.grants import pages as grants_pages
from yuanqu.insurance import api as insurance_api
from yuanqu.insurance import pages as insurance_pages
from yuanqu.mu import api as mu_api
from yuanqu.mu import pages as mu_pages
from yuanqu.mu.service import READERS as MU_READERS
from yuanqu.names import Names
from yuanqu.plans import api as plans_api
from yuanqu.plans import pages as plans_pages
from yuanqu.policies import api as policies_api
from yuanqu.policies import pages as policies_pages
from yuanqu.projects import api as projects_api
from yuanqu.projects import pages as projects_pages
from yuanqu.projects.access import READERS as PROJECT_READERS
from yuanqu.registry import api as registry_api
from yuanqu.registry import pages as registry_pages
from yuanqu.service import api as service_api
from yuanqu.service import pages as service_pages
from yuanqu.space import api as space_api
from yuanqu.space import pages as space_pages
from yuanqu.stats import api as stats_api
from yuanqu.stats import pages as stats_pages
from yuanqu.tracks import pages as tracks_pages
from yuanqu.watch import api as watch_api
from yuanqu.watch import pages as watch_pages
from yuanqu.web import pagecache
from yuanqu.web.templating import error_page, register_nav
from yuanqu.wiring import wire

log = logging.getLogger("yuanqu.web")
API_PREFIX = "/api/v1"
SESSION_COOKIE = "yuanqu_session"

# The menu: (path, message id, roles that see it). Pages still check their own roles.
NAVIGATION = (
    ("/", "Dashboard", STAFF),
    ("/portal", "My portal", frozenset({Role.enterprise})),
    ("/stats/economy", "Economy", frozenset(stats_api.READERS)),
    ("/enterprises", "Enterprises", EVERYONE),
    ("/chains", "Industry chains", frozenset(chains_api.READERS)),
    ("/projects", "Key projects", PROJECT_READERS),
    ("/leads", "Leads", PROJECT_READERS),
    ("/insurance", "Tech insurance", STAFF),
    ("/av", "AV test zone", AV_READERS),
    ("/mu", "Yield-per-mu grading", MU_READERS),
    ("/policies", "Policies", EVERYONE),
    ("/registry/import", "Import", frozenset(registry_api.IMPORTERS)),
    ("/grants", "Grants", frozenset(grants_api.READERS)),
    ("/plans", "Plans and targets", frozenset(plans_api.READERS)),
    ("/watch", "Early warning", frozenset(watch_api.READERS)),
    ("/briefing", "Monthly briefing", frozenset(briefing_api.READERS)),
    ("/funds", "Fund register", frozenset(funds_api.READERS)),
    ("/tracks", "Tracks", frozenset(tracks_pages.READERS)),
    ("/grants/notice", "Public notice", EVERYONE),
    ("/service", "Service desk", EVERYONE),
    ("/space", "Land and space", frozenset(space_api.READERS)),
    ("/agreements", "Agreements", EVERYONE),
    ("/admin/users", "Users", frozenset({Role.admin})),
)

HTTP_CODES = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
}
HTTP_MESSAGES = {
    404: ("找不到该页面或资源", "no such page or resource"),
    405: ("不支持该请求方法", "method not allowed"),
}


def secret_key() -> str:
    """The key that signs session cookies: the setting, or one kept in the data directory."""
    settings = get_settings()
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(database_url: str | None = None, *, key: str | None = None) -> FastAPI:
    """The web application: REST API under /api/v1, pages, vendored static files."""
    wire()
    app = FastAPI(
        title="yuanqu 园区",
        version=__version__,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # Swagger UI loads from a CDN; the site loads nothing from the internet
        redoc_url=None,
        dependencies=[Depends(check_csrf)],
    )
    app.state.sessionmaker = session_factory(get_engine(database_url))
    pagecache.bound(get_settings().page_cache_entries)
    app.state.auth_backend = AccountsBackend()
    # What the web kit reads from the composition root at request time: the route table (a menu
    # offers only what the reader may open) and the names of the domains' codes.
    app.state.route_table = lambda: route_table(app)
    app.state.names = Names
    app.state.default_lang = get_settings().lang if get_settings().lang in ("zh", "en") else "zh"
    app.add_middleware(
        SessionMiddleware,
        secret_key=key or secret_key(),
        session_cookie=SESSION_COOKIE,
        # The cookie only carries the session id; the server decides when a session ends.
        max_age=int(get_settings().session_max_hours * 3600),
        same_site="lax",
        https_only=False,  # the Secure flag is SecurityHeaders' (YUANQU_COOKIE_SECURE)
    )
    app.add_middleware(SecurityHeaders, cookie_secure=get_settings().cookie_secure)
    static = resources.files("yuanqu") / "web" / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.add_middleware(UploadLimit)
    page_routers = (
        accounts_pages.router,
        chains_pages.router,
        registry_pages.router,
        projects_pages.router,
        attraction_pages.router,
        stats_pages.router,
        insurance_pages.router,
        av_pages.router,
        policies_pages.router,
        grants_pages.router,
        service_pages.router,
        space_pages.router,
        agreements_pages.router,
        watch_pages.router,
        plans_pages.router,
        briefing_pages.router,
        funds_pages.router,
        tracks_pages.router,
        mu_pages.router,
    )
    # Pages first: a request is matched against the routes in order, one by one, and the pages
    # are what people wait for (an API path never matches a page: they all start /api/v1).
    for router in page_routers:
        app.include_router(router)
    api_routers = (
        registry_api.router,
        accounts_api.router,
        projects_api.router,
        attraction_api.router,
        chains_api.router,
        stats_api.router,
        insurance_api.router,
        av_api.router,
        policies_api.router,
        grants_api.router,
        service_api.router,
        space_api.router,
        agreements_api.router,
        watch_api.router,
        plans_api.router,
        briefing_api.router,
        funds_api.router,
        tracks_pages.api,
        mu_api.router,
        calendar_router,
    )
    for router in api_routers:
        app.include_router(router, prefix=API_PREFIX)
    for href, label, roles in NAVIGATION:
        register_nav(href, label, roles)
    install_error_handlers(app)
    app.openapi = lambda: openapi_schema(app)  # type: ignore[method-assign]
    return app


# --- the route table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteEntry:
    path: str
    methods: frozenset[str]
    route: BaseRoute


def route_table(app: FastAPI) -> list[RouteEntry]:
    """Every route of the app with its full path (recent FastAPI includes routers lazily)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before lazy router inclusion: app.routes is already flat
        return [
            RouteEntry(r.path, frozenset(getattr(r, "methods", None) or ()), r)  # type: ignore[attr-defined]
            for r in app.routes
        ]
    return [
        RouteEntry(str(c.path), frozenset(c.methods or ()), c.original_route)
        for c in iter_route_contexts(app.routes)
    ]


# --- errors --------------------------------------------------------------------------------------


def bounded(value: Any, depth: int = 0) -> Any:
    """An error's details as sent back: every text cut (:func:`yuanqu.core.tabular.cut`), every
    list cut to the errors a rejection lists, nothing nested without end. A bad value is never
    echoed whole."""
    if isinstance(value, str):
        return cut(value)
    if depth > 6:
        return None
    if isinstance(value, dict):
        return {cut(str(k)): bounded(v, depth + 1) for k, v in list(value.items())[:100]}
    if isinstance(value, list | tuple):
        return [bounded(v, depth + 1) for v in value[:MAX_LISTED_ERRORS]]
    return value


def wants_json(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX) or request.url.path.endswith(".json")


def error_response(
    request: Request, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response:
    """The JSON body ``{code, message, details}`` for the API; a friendly page for a person."""
    if wants_json(request):
        return JSONResponse(jsonable_encoder(body), status_code=status, headers=headers)
    if status == 401 and request.method == "GET":
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return error_page(request, body, status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(YuanquError)
    async def domain_error(request: Request, error: YuanquError) -> Response:
        lang = request_lang(request)
        body = error.to_dict(lang)
        if isinstance(error, ImportRejected):
            body["details"] = error.listed(lang)
            body["total"] = error.total
        body["details"] = bounded(body["details"])
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, Unauthorized) else None
        if isinstance(error, RateLimited):
            headers = error.headers
        return error_response(request, error.status, body, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        en = request_lang(request) == "en"
        details = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in error.errors()
        ]
        body = {
            "code": "validation_error",
            "message": "the request is not valid" if en else "请求参数无效",
            "details": bounded(details),
        }
        return error_response(request, 422, body)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        zh, en = HTTP_MESSAGES.get(error.status_code, (str(error.detail), str(error.detail)))
        details = None
        if isinstance(error.detail, dict) and "zh" in error.detail:  # our own (uploads.py)
            zh, en = error.detail["zh"], error.detail["en"]
            details = {k: v for k, v in error.detail.items() if k not in ("zh", "en")}
        body = {
            "code": HTTP_CODES.get(error.status_code, f"http_{error.status_code}"),
            "message": en if request_lang(request) == "en" else zh,
            "details": details,
        }
        return error_response(request, error.status_code, body, dict(error.headers or {}))

    @app.exception_handler(DataError)
    async def unstorable(request: Request, error: DataError) -> Response:
        # A value the database cannot hold (a NUL byte in text, a number out of range) that got
        # past validation: the request is refused and, its transaction rolled back, changes nothing.
        log.warning(
            "refused unstorable value on %s %s: %s", request.method, request.url.path, error.orig
        )
        en = request_lang(request) == "en"
        body = {
            "code": "validation_error",
            "message": "the request holds a value that cannot be stored (e.g. a NUL character)"
            if en
            else "请求中含有无法保存的值（如空字符 NUL）",
            "details": None,
        }
        return error_response(request, 422, body)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        body = {
            "code": "internal_error",
            "message": "internal error; it has been logged"
            if request_lang(request) == "en"
            else "系统内部错误，已记录",
            "details": None,
        }
        return error_response(request, 500, body)


# --- OpenAPI -------------------------------------------------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message", "details"],
    "properties": {
        "code": {"type": "string", "description": "stable machine-readable code"},
        "message": {"type": "string", "description": "human message (zh or en)"},
        "details": {"description": "what was wrong: a field, rows of a file..."},
    },
}


def openapi_schema(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema with bearer authentication and our error body on every 4xx."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    components.get("schemas", {}).pop("HTTPValidationError", None)
    components.get("schemas", {}).pop("ValidationError", None)
    components["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    schema["security"] = [{"bearer": []}]
    error = {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in (
                ("401", "not logged in, or a bad token"),
                ("403", "the role may not use this, or not this firm"),
                ("404", "not found"),
                ("422", "invalid request"),
            ):
                responses[status] = {"description": description, **error}
    app.openapi_schema = schema
    return schema


def serve(host: str = "127.0.0.1", port: int = 8000, *, access_log: bool = True) -> None:
    """Serve the site with uvicorn (one process; the database is the shared state)."""
    import uvicorn

    app = create_app()
    if get_settings().warmup:
        # The shared figures a first reader would wait for, computed beside the server and
        # again after every import (yuanqu/warmup.py).
        from yuanqu.warmup import Warmer, log

        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
        Warmer(app.state.sessionmaker, interval=get_settings().warmup_seconds).start()
    uvicorn.run(app, host=host, port=port, access_log=access_log, log_level="info")
