"""Request dependencies: one unit of work per request, the reader's language, CSRF tokens."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import date
from typing import Annotated

from fastapi import Request
from pydantic import BeforeValidator
from sqlalchemy.orm import Session

from yuanqu.core.db import begin_writer


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


# An empty date field of a form arrives as "as_of=": no criterion, not an error.
OptionalDate = Annotated[date | None, BeforeValidator(_blank_is_none)]

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
    request.state.db = session  # what the page's templates read names through
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        request.state.db = None
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
