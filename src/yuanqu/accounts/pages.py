"""Accounts pages: log in and out, the language switch, user administration (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session

from yuanqu.accounts import service
from yuanqu.accounts.schemas import UserCreate
from yuanqu.core.auth import EVERYONE, ROLE_NAMES, SESSION_USER_KEY, Principal, Role, allow, public
from yuanqu.core.deps import CSRF_KEY, LANG_COOKIE, LANGS, get_db, request_lang
from yuanqu.core.errors import YuanquError
from yuanqu.registry import service as registry
from yuanqu.web.templating import render

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def home_of(principal: Principal) -> str:
    """Where a user lands: the dashboard, or a firm user's own profile."""
    return f"/enterprises/{principal.uscc}" if principal.role == Role.enterprise else "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, next: str | None = None, principal: Principal | None = public()
) -> HTMLResponse:
    return render(request, "accounts/login.html", {"next": safe_next(next), "error": None})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    username: Annotated[str, Form(max_length=60)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=500)] = "/",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal | None = public(),
) -> Response:
    try:
        user = service.authenticate(session, username=username, password=password)
    except YuanquError as error:
        context = {"next": safe_next(next), "error": error.message(request_lang(request))}
        return render(request, "accounts/login.html", context, status_code=401)
    request.session.clear()  # a fresh session (and CSRF token) at every login
    request.session[SESSION_USER_KEY] = user.id
    target = safe_next(next)
    if target == "/":
        target = home_of(service.principal_of(user))
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request, principal: Principal = allow(EVERYONE)) -> RedirectResponse:
    request.session.pop(SESSION_USER_KEY, None)
    request.session.pop(CSRF_KEY, None)
    return RedirectResponse("/login", status_code=303)


@router.get("/lang/{code}")
def switch_language(
    code: Annotated[str, Path(pattern="^(zh|en)$")],
    next: str | None = None,
    principal: Principal | None = public(),
) -> RedirectResponse:
    """Remember the reader's language in a cookie (a year) and go back."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGS:
        response.set_cookie(
            LANG_COOKIE, code, max_age=365 * 24 * 3600, httponly=True, samesite="lax"
        )
    return response


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(
    request: Request,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(Role.admin),
) -> HTMLResponse:
    return render(request, "accounts/users.html", users_context(request, session, error=None))


def users_context(request: Request, session: Session, *, error: str | None) -> dict:
    lang = request_lang(request)
    return {
        "users": service.list_users(session),
        "roles": [(str(role), names[lang == "en"]) for role, names in ROLE_NAMES.items()],
        "role_names": {str(role): names[lang == "en"] for role, names in ROLE_NAMES.items()},
        "task_forces": registry.list_task_forces(session),
        "error": error,
        "json_url": "/api/v1/users",
    }


@router.post("/admin/users", response_class=HTMLResponse)
def create_user_form(
    request: Request,
    username: Annotated[str, Form(max_length=60)],
    password: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=32)],
    display_name: Annotated[str, Form(max_length=100)] = "",
    uscc: Annotated[str, Form(max_length=40)] = "",
    task_force: Annotated[str, Form(max_length=40)] = "",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(Role.admin),
) -> Response:
    lang = request_lang(request)
    try:
        data = UserCreate(
            username=username,
            password=password,
            role=role,  # type: ignore[arg-type]  # validated by pydantic
            display_name=display_name,
            uscc=uscc or None,
            task_forces=[task_force] if task_force else [],
        )
        service.create_user(session, data=data)
    except PydanticValidationError as invalid:
        message = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in invalid.errors())
        session.rollback()
        return render(
            request,
            "accounts/users.html",
            users_context(request, session, error=message),
            status_code=422,
        )
    except YuanquError as error:
        session.rollback()
        context = users_context(request, session, error=error.message(lang))
        return render(request, "accounts/users.html", context, status_code=error.status)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{username}/disable")
def disable_user_form(
    username: Annotated[str, Path(max_length=60)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(Role.admin),
) -> RedirectResponse:
    service.disable_user(session, username=username, acting=principal.username)
    return RedirectResponse("/admin/users", status_code=303)
