"""Request dependencies: one unit of work per request, the reader's language, CSRF tokens."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from yuanqu.core.auth import Principal, bearer_token, resolve_principal
from yuanqu.core.db import begin_writer
from yuanqu.core.errors import Forbidden

LANG_COOKIE = "yuanqu_lang"
LANGS = ("zh", "en")
CSRF_KEY = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def get_db(request: Request) -> Iterator[Session]:
    """The request's session: committed once if the handler succeeds, rolled back otherwise.

    Services never commit; this is the owner of the unit of work for a request.
    """
    session: Session = request.app.state.sessionmaker()
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        # A request that may write is the single writer on SQLite from its first statement.
        begin_writer(session)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def request_lang(request: Request) -> str:
    """The reader's language: ``?lang=``, then the cookie, then the site default (Chinese)."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if asked in LANGS:
        return asked
    return request.app.state.default_lang


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use; every form carries it."""
    token = request.session.get(CSRF_KEY)
    if not isinstance(token, str):
        token = request.session[CSRF_KEY] = secrets.token_urlsafe(32)
    return token


def _token_user(request: Request) -> Principal | None:
    """The user of the request's bearer token (401 if the token is bad), in a short session."""
    session: Session = request.app.state.sessionmaker()
    try:
        return resolve_principal(request, session)
    finally:
        session.close()


async def check_csrf(request: Request) -> None:
    """Refuse a state-changing request made with the session cookie but without its CSRF token.

    Only a valid bearer token exempts a request: it carries no ambient credential, and a request
    with one is that token's user, never the cookie's. Any other ``Authorization`` header (Basic,
    Token, a bearer token that is not ours) exempts nothing; a bad bearer token is a 401.
    """
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if bearer_token(request) is not None and await run_in_threadpool(_token_user, request):
        return
    expected = request.session.get(CSRF_KEY)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("multipart/form-data", "application/x-www-form-urlencoded")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not (isinstance(expected, str) and sent and hmac.compare_digest(expected, sent)):
        raise Forbidden(
            "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试",
            "the form expired or came from another site (CSRF check failed); reload and retry",
            code="csrf_failed",
        )
