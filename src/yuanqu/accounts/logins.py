"""Logging in without letting anyone guess: failed logins are counted in the database.

``login_max_failures`` failures within ``login_window_seconds``, for one account name or from
one client address, close logins for that name or address: the answer is 429 with
``Retry-After`` (the seconds until enough failures have aged out), logged, and the lock audited
once. Nothing is hashed while locked, and a right password does not open a locked account
(otherwise guessing would simply go on). The counts live in the database, so every server
process sees the same ones. A successful login clears its account's failures.
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from yuanqu.accounts.models import LoginFailure, User
from yuanqu.core import audit
from yuanqu.core.auth import verify_no_password, verify_password
from yuanqu.core.config import get_settings
from yuanqu.core.db import begin_writer, is_sqlite
from yuanqu.core.errors import RateLimited, Unauthorized

log = logging.getLogger("yuanqu.auth")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _retry_after(session: Session, column: object, value: str, now: datetime) -> int | None:
    """Seconds until ``value`` (an account name or an address) may try again; None: it may."""
    settings = get_settings()
    window = timedelta(seconds=settings.login_window_seconds)
    since = now - window
    recent = list(
        session.scalars(
            select(LoginFailure.failed_at)
            .where(column == value, LoginFailure.failed_at > since)  # type: ignore[operator]
            .order_by(LoginFailure.failed_at.desc())
            .limit(settings.login_max_failures)
        )
    )
    if len(recent) < settings.login_max_failures:
        return None
    # Open again when the oldest of the last ``max`` failures leaves the window.
    reopens = _aware(recent[-1]) + window
    return max(1, math.ceil((reopens - now).total_seconds()))


def _locked(session: Session, *, username: str, client: str, now: datetime) -> int | None:
    waits = [
        _retry_after(session, LoginFailure.username, username, now),
        _retry_after(session, LoginFailure.client, client, now),
    ]
    found = [w for w in waits if w is not None]
    return max(found) if found else None


def _refusal(retry_after: int) -> RateLimited:
    minutes = max(1, math.ceil(retry_after / 60))
    return RateLimited(
        f"登录失败次数过多，请 {minutes} 分钟后再试",
        f"too many failed logins; try again in {minutes} minute{'s' if minutes > 1 else ''}",
        retry_after=retry_after,
        details={"retry_after": retry_after},
    )


def log_in(session: Session, *, username: str, password: str, client: str) -> User:
    """The user with these credentials, unless this name or address has failed too often.

    One vague error for every failure, and the same argon2 cost for an unknown or disabled name
    as for a real one, so neither the answer nor its time tells which names exist.
    """
    client = client[:64]
    username = username[:60]
    now = datetime.now(UTC)
    wait = _locked(session, username=username, client=client, now=now)
    if wait is not None:
        log.warning("refused: login locked for user=%s client=%s (%ss)", username, client, wait)
        raise _refusal(wait)
    user = session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None and user.active else None
    _release_before_hashing(session)
    verified = verify_password(stored, password) if stored else verify_no_password(password)
    begin_writer(session)
    if user is None or stored is None or not verified:
        _record_failure(session, username=username, client=client, now=now)
        raise Unauthorized(
            "用户名或密码错误，或账号已停用",
            "wrong username or password, or the account is disabled",
            code="login_failed",
        )
    user = session.get(User, user.id)
    assert user is not None  # read a moment ago; accounts are disabled, never deleted
    user.last_login_at = datetime.now(UTC)
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    return user


def _release_before_hashing(session: Session) -> None:
    """End the read phase of the login's unit of work (nothing is written yet) before argon2.

    On SQLite a request that may write holds the database's single write lock from its first
    statement (``core.db.begin_writer``): held through a few hundred ms of argon2, it would make
    every login, and every other write of the site, wait for each login in turn. The unit of work
    starts again as a writer once the password is checked. PostgreSQL locks no rows here.
    """
    if is_sqlite(session) and not session.new and not session.dirty:
        session.rollback()


def _record_failure(session: Session, *, username: str, client: str, now: datetime) -> None:
    settings = get_settings()
    window = timedelta(seconds=settings.login_window_seconds)
    # Failures that left the window count for nothing: forget them as we go.
    session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= now - window))
    session.add(LoginFailure(username=username, client=client, failed_at=now))
    session.flush()  # counted below, in this unit of work
    log.info("login failed: user=%s client=%s", username, client)
    for kind, column, value in (
        ("account", LoginFailure.username, username),
        ("client", LoginFailure.client, client),
    ):
        count = session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(column == value, LoginFailure.failed_at > now - window)
        )
        if count == settings.login_max_failures:  # the failure that closes it: audited once
            log.warning("login locked: %s=%s after %s failures", kind, value, count)
            audit.record(
                session,
                actor=f"client:{client}",
                entity_type="login",
                entity_id=f"{kind}:{value}",
                action="locked",
                after={
                    "username": username,
                    "client": client,
                    "failures": count,
                    "window_seconds": settings.login_window_seconds,
                },
            )
