"""The Jinja2 environment every domain's pages share: filters for numbers, money and dates in the
reader's language, gettext from the catalogs, and ``render`` (HTML page or htmx fragment)."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlencode

from babel.numbers import format_decimal, format_percent
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from yuanqu.core.auth import ROLE_NAMES, Principal, Role, home_of
from yuanqu.core.cache import LruCache
from yuanqu.core.deps import csrf_token, request_lang
from yuanqu.core.i18n import LOCALES, translations
from yuanqu.core.money import format_yuan
from yuanqu.core.workdays import unknown_year_warning

TEMPLATES = resources.files("yuanqu") / "web" / "templates"


def number(value: int | float | Decimal | None, lang: str = "zh", digits: int = 0) -> str:
    """``12,345`` in both languages; ``—`` when missing."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=LOCALES[lang])


def count_short(value: int | None, lang: str = "zh") -> str:
    """A headline count: 万 in Chinese from 10,000 (``9.03万``), thousands separators in English."""
    if value is None:
        return "—"
    if lang == "zh" and value >= 10_000:
        return f"{Decimal(value) / 10_000:.2f}万"
    return number(value, lang)


def percent(value: float | None, lang: str = "zh") -> str:
    if value is None:
        return "—"
    return format_percent(value, format="#,##0.0%", locale=LOCALES[lang])


def iso_date(value: date | datetime | str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def calendar_warning(years: list[int] | None, lang: str = "zh") -> str:
    """The warning beside a deadline counted in years no holiday calendar knows ("" if none)."""
    separator = " " if lang == "en" else "；"
    return separator.join(unknown_year_warning(year).message(lang) for year in years or ())


def unknown_years(rows: Any) -> list[int]:
    """Every year any of these rows (dicts or models with ``unknown_years``) counted blind."""
    years: set[int] = set()
    for row in rows:
        found = row.get("unknown_years") if isinstance(row, dict) else row.unknown_years
        years.update(found or ())
    return sorted(years)


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        number=number,
        count_short=count_short,
        percent=percent,
        iso_date=iso_date,
        yuan=format_yuan,
        calendar_warning=calendar_warning,
        unknown_years=unknown_years,
    )
    return env


def page_url(request: Request, **changes: Any) -> str:
    """This page's URL with some query parameters changed (None removes one)."""
    params = dict(request.query_params.multi_items())
    multi = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    for key, value in changes.items():
        params.pop(key, None)
        if value is not None and value != "":
            multi.append((key, str(value)))
    query = urlencode(multi)
    return request.url.path + ("?" + query if query else "")


def may_open(request: Request, path: str) -> bool:
    """Whether the reader's role may open the page at ``path`` (GET), by the route's own access
    declaration: a menu, a tab or a link offers only what its reader may open."""
    app = request.scope.get("app")
    if app is None:
        return True
    principal: Principal | None = getattr(request.state, "principal", None)
    target = path.split("?")[0].split("#")[0]
    return _role_may_open(app, principal.role if principal is not None else None, target)


# Every page asks this for each menu entry and link: the answer depends on the role and the
# path only, so it is remembered (an answer walks up to every route's pattern). Bounded, as
# links name firms.
_MAY_OPEN = LruCache[bool](4096)


def _role_may_open(app: Any, role: Role | None, target: str) -> bool:
    def decide() -> bool:
        for pattern, accesses in _get_routes(app):
            if pattern.fullmatch(target):
                if not accesses or any(a.public for a in accesses):
                    return True
                return role is not None and all(role in a.roles for a in accesses)
        return False

    return _MAY_OPEN.get_or_compute((id(app), role, target), decide)


_ROUTES: dict[int, list[tuple[Any, list[Any]]]] = {}


def _get_routes(app: Any) -> list[tuple[Any, list[Any]]]:
    """The app's GET routes in dispatch order: each full path's pattern and its access rules."""
    found = _ROUTES.get(id(app))
    if found is None:
        from starlette.routing import compile_path

        from yuanqu.core.auth import route_access

        found = [
            (compile_path(entry.path)[0], route_access(entry.route))
            for entry in app.state.route_table()
            if "GET" in entry.methods and hasattr(entry.route, "dependant")
        ]
        _ROUTES[id(app)] = found
    return found


NAV: tuple[tuple[str, str, frozenset[Role]], ...] = ()


def navigation(principal: Principal | None) -> list[dict[str, str]]:
    """The menu entries this user may open (the app registers them at start-up)."""
    if principal is None:
        return []
    return [{"href": href, "label": label} for href, label, roles in NAV if principal.role in roles]


def register_nav(href: str, label: str, roles: frozenset[Role]) -> None:
    global NAV
    if href not in {h for h, _l, _r in NAV}:
        NAV = (*NAV, (href, label, roles))


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a page in the reader's language (a partial ``_x.html`` is an htmx fragment)."""
    values = {**page_values(request), **reader_values(request), **(context or {})}
    html = environment().get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code, headers=headers)


def error_page(
    request: Request,
    error: dict[str, Any],
    status: int,
    *,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The error page (``error.html``) of an error body ``{code, message, details}``.

    Every page that shows an error goes through here, so the page always has its status.
    """
    context = {"error": error, "status": status}
    return render(request, "error.html", context, status_code=status, headers=headers)


def page_values(request: Request) -> dict[str, Any]:
    """What every template may use that depends only on the URL and the language."""
    lang = request_lang(request)
    return {
        "request": request,
        "lang": lang,
        "_": translations(lang).gettext,
        "pgettext": translations(lang).pgettext,
        "page_url": lambda **changes: page_url(request, **changes),
        "json_url": None,
        # The names of the domains' codes: the app hands the reader over at start-up.
        "names": _names(request, lang),
    }


def reader_values(request: Request) -> dict[str, Any]:
    """What depends on who is reading: the user, the menu, the session's CSRF token."""
    lang = request_lang(request)
    gettext = translations(lang).gettext
    principal: Principal | None = getattr(request.state, "principal", None)
    return {
        "principal": principal,
        "home_url": home_of(principal) if principal else "/login",
        "may_open": lambda path: may_open(request, path),
        "role_name": (ROLE_NAMES[principal.role][lang == "en"] if principal else ""),
        "nav": [
            {"href": item["href"], "label": gettext(item["label"])}
            for item in navigation(principal)
            if may_open(request, item["href"])
        ],
        "csrf_token": csrf_token(request) if "session" in request.scope else "",
    }


def _names(request: Request, lang: str) -> Any:
    state = getattr(request.scope.get("app"), "state", None)
    factory = getattr(state, "names", None)
    if not factory:
        return None
    # The names are read through the request's own session while it is open: a second session
    # would take a second pooled connection per request, and twenty readers at once, each
    # holding one and waiting for another, exhausted the pool (HTTP 500 after 30 s).
    session = getattr(request.state, "db", None)
    if session is not None:
        return factory(lambda: nullcontext(session), lang)
    return factory(getattr(state, "sessionmaker", None), lang)
