"""The CSRF check of every state-changing request, run as an app-wide dependency.

Apart from ``core.deps`` (the unit of work, the reader's language, the CSRF token forms carry)
because it needs the request's user, and ``core.auth`` reaches the unit of work through
``core.deps``: this module sits above both, so neither imports the other in a circle.
"""

from __future__ import annotations

import hmac

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from yuanqu.core.auth import Principal, bearer_token, resolve_principal
from yuanqu.core.deps import CSRF_FIELD, CSRF_HEADER, CSRF_KEY
from yuanqu.core.errors import Forbidden


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
