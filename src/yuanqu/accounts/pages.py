"""Accounts pages: log in and out, the language switch, user administration (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session

from yuanqu.accounts import logins, service, sessions
from yuanqu.accounts.schemas import UserCreate
from yuanqu.core.auth import (
    EVERYONE,
    ROLE_NAMES,
    SESSION_ID_KEY,
    Principal,
    Role,
    allow,
    home_of,
    public,
)
from yuanqu.core.deps import LANG_COOKIE, LANGS, get_db, request_lang
from yuanqu.core.errors import RateLimited, YuanquError
from yuanqu.registry import service as registry
from yuanqu.registry.firms import firms_by_code
from yuanqu.web.pagecache import render_cached, render_kept
from yuanqu.web.templating import render

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def client_address(request: Request) -> str:
    """The client's address as the server sees it (behind a proxy: see uvicorn --proxy-headers)."""
    return request.client.host if request.client else ""


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
    client = client_address(request)
    try:
        user = logins.log_in(session, username=username, password=password, client=client)
    except YuanquError as error:
        context = {"next": safe_next(next), "error": error.message(request_lang(request))}
        status, headers = error.status, getattr(error, "headers", None)
        if not isinstance(error, RateLimited):
            status, headers = 401, None
        return render(request, "accounts/login.html", context, status_code=status, headers=headers)
    previous = request.session.get(SESSION_ID_KEY)
    if isinstance(previous, str):
        sessions.end_session(session, previous, reason="login")
    request.session.clear()  # a fresh session id (and CSRF token) at every login
    request.session[SESSION_ID_KEY] = sessions.start_session(session, user=user, client=client)
    target = safe_next(next)
    if target == "/":
        target = home_of(service.principal_of(user))
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(
    request: Request,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> RedirectResponse:
    """End the session on the server too: a copy of the cookie opens nothing afterwards."""
    current = request.session.get(SESSION_ID_KEY)
    if isinstance(current, str):
        sessions.end_session(session, current, reason="logout")
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/account/password", response_class=HTMLResponse)
def password_form(request: Request, principal: Principal = allow(EVERYONE)) -> HTMLResponse:
    # The blank form reads no data: kept once per language and role.
    return render_cached(
        request,
        "accounts/password.html",
        key="blank",
        context=lambda: {"error": None, "done": False},
    )


@router.post("/account/password", response_class=HTMLResponse)
def change_password_form(
    request: Request,
    current: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=200)],
    repeat: Annotated[str, Form(max_length=200)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> Response:
    """Change one's own password: every session of the account ends, this browser gets a new one."""
    lang = request_lang(request)
    try:
        service.change_own_password(
            session, username=principal.username, current=current, password=password, repeat=repeat
        )
    except YuanquError as error:
        session.rollback()
        context = {"error": error.message(lang), "done": False}
        return render(
            request,
            "accounts/password.html",
            context,
            status_code=error.status,
            headers=getattr(error, "headers", None),
        )
    user = service.get_user(session, username=principal.username)
    request.session.clear()
    request.session[SESSION_ID_KEY] = sessions.start_session(
        session, user=user, client=client_address(request)
    )
    return render(request, "accounts/password.html", {"error": None, "done": True})


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
    # Kept like every page: accounts move no data version, so the key holds what the table
    # shows of every account, and who reads it (an administrator cannot disable themself).
    return render_kept(
        request,
        "accounts/users.html",
        session,
        lambda: users_context(request, session, error=None),
        also=(service.users_shown(session), principal.username),
    )


def users_context(request: Request, session: Session, *, error: str | None) -> dict:
    lang = request_lang(request)
    principal = request.state.principal
    users = service.list_users(session)
    firms = firms_by_code(session, {u.uscc for u in users if u.uscc})
    return {
        "me": principal.username,
        "users": users,
        "firm_names": {code: firm.name for code, firm in firms.items()},
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
        service.create_user(session, data=data, acting=principal.username)
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
