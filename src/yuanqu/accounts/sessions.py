"""Server-side sessions: the cookie carries a random id, the ``user_sessions`` table its fate.

A copied cookie is worth nothing once its session has ended: at logout, at a password change,
when the user is disabled, after ``session_idle_minutes`` unused, and ``session_max_hours``
after the login whatever happens. Every login starts a new session (a new id), ending the one
the browser had.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Row, bindparam, delete, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.sql import Update

from yuanqu.accounts.models import User, UserSession
from yuanqu.core.auth import new_session_id, token_hash
from yuanqu.core.config import get_settings
from yuanqu.core.db import SQLITE_BEGIN_OPTION, is_sqlite, read, side_engine

log = logging.getLogger("yuanqu.auth")
TOUCH_EVERY = timedelta(seconds=60)
FORGET_AFTER = timedelta(days=30)
_touching: set[int] = set()  # sessions whose touch another request is writing now
_touching_lock = threading.Lock()


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored here is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def idle_limit() -> timedelta:
    return timedelta(minutes=get_settings().session_idle_minutes)


def start_session(session: Session, *, user: User, client: str = "") -> str:
    """A new session of ``user``; returns the id for the cookie (only its hash is kept)."""
    session_id = new_session_id()
    now = _now()
    # Sessions over for a month are history nobody reads: forget them as logins come.
    session.execute(delete(UserSession).where(UserSession.expires_at < now - FORGET_AFTER))
    session.add(
        UserSession(
            user_id=user.id,
            session_hash=token_hash(session_id),
            client=client[:64],
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=get_settings().session_max_hours),
        )
    )
    return session_id


def end_session(session: Session, session_id: str, *, reason: str) -> None:
    """End one session (logout; a login ends the browser's previous one)."""
    session.execute(
        update(UserSession)
        .where(UserSession.session_hash == token_hash(session_id), UserSession.ended_at.is_(None))
        .values(ended_at=_now(), end_reason=reason)
    )


def end_user_sessions(session: Session, *, user_id: int, reason: str) -> int:
    """End every live session of a user (password change, disabled); returns how many."""
    result = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=_now(), end_reason=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# Built once: constructing the statement cost as much as running it, on every request.
_LIVE_SESSION = (
    select(
        UserSession.id.label("session_row_id"),
        UserSession.expires_at,
        UserSession.last_seen_at,
        User.id,
        User.username,
        User.role,
        User.uscc,
        User.task_forces,
        User.display_name,
    )
    .join(User, User.id == UserSession.user_id)
    .where(
        UserSession.session_hash == bindparam("session_hash"),
        UserSession.ended_at.is_(None),
        User.active.is_(True),
    )
)


def session_user(session: Session, session_id: str) -> Row[Any] | None:
    """The active user of a live session; None if it is unknown, ended, idle or too old.

    Asked on every request, so in one query of the columns a principal needs (``id``,
    ``username``, ``role``, ``uscc``, ``task_forces``, ``display_name``), not two ORM loads."""
    writer = _is_writer(session)
    row = read(session, _LIVE_SESSION, {"session_hash": token_hash(session_id)}).first()
    if row is None:
        return None
    now = _now()
    idle = idle_limit()
    if now >= _aware(row.expires_at) or now - _aware(row.last_seen_at) > idle:
        return None
    if now - _aware(row.last_seen_at) >= min(TOUCH_EVERY, idle / 4):
        _touch(
            session,
            update(UserSession).where(UserSession.id == row.session_row_id),
            now,
            writer=writer,
            session_row_id=row.session_row_id,
        )
    return row


def _is_writer(session: Session) -> bool:
    """Has this unit of work begun as SQLite's writer (see ``core.db.begin_writer``)?"""
    if not session.in_transaction():
        return False
    return session.connection().get_execution_options().get(SQLITE_BEGIN_OPTION) == "immediate"


def _touch(
    session: Session, statement: Update, now: datetime, *, writer: bool, session_row_id: int
) -> None:
    """Record that the session was used (at most once a minute per session).

    A request that reads (GET) holds no write lock on SQLite, and a read transaction there cannot
    become a write once another writer has committed: so its touch is a write of its own, that
    waits a quarter of a second at most and is skipped if the database is busy (the next request
    touches again). PostgreSQL, and a request that writes anyway, touch in their own unit of work.
    The separate write takes a connection of its own, outside the request pool: twenty readers of
    one session at once, each holding a pooled connection and each asking for a second, waited
    for each other until the pool's timeout and answered 500. A session another request is
    touching already is left to that request.
    """
    statement = statement.values(last_seen_at=now)
    bind = session.get_bind()
    if writer or not is_sqlite(session) or not isinstance(bind, Engine):
        session.execute(statement)
        return
    with _touching_lock:
        if session_row_id in _touching:
            return
        _touching.add(session_row_id)
    try:
        _touch_apart(side_engine(bind), statement)
    finally:
        with _touching_lock:
            _touching.discard(session_row_id)


def _touch_apart(engine: Engine, statement: Update) -> None:
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA busy_timeout = 250")
        conn.commit()
        try:
            conn.execute(statement)
            conn.commit()
        except OperationalError:
            conn.rollback()
            log.info("session touch skipped: the database is busy")
