"""Accounts: users with a role and their API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from yuanqu.core.db import Base, BigId


class User(Base):
    """A person who logs in; one role, and for some roles a scope."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(200), comment="argon2id")
    role: Mapped[str] = mapped_column(String(32), comment="yuanqu.core.auth.Role")
    uscc: Mapped[str | None] = mapped_column(
        String(18), comment="the one firm an enterprise user belongs to"
    )
    task_forces: Mapped[list[str]] = mapped_column(
        JSON, default=list, comment="task force codes a task_force user covers"
    )
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A bearer token for the API; only the SHA-256 of the token is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UserSession(Base):
    """A logged-in browser: the cookie carries a random id, the server keeps its hash and its end.

    A session ends at logout, at a password change, when its user is disabled, when unused for
    ``session_idle_minutes`` and ``session_max_hours`` after its login, whichever comes first.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_hash: Mapped[str] = mapped_column(
        String(64), unique=True, comment="SHA-256 of the session id in the cookie"
    )
    client: Mapped[str] = mapped_column(String(64), default="", comment="address at login")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), comment="refreshed at most once a minute"
    )
    expires_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), comment="the absolute end: login + session_max_hours"
    )
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(
        String(20), comment="logout, login (rotated), password, disabled"
    )


class LoginFailure(Base):
    """One failed login: counted per account name and per client address over a window."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), index=True, comment="as typed")
    client: Mapped[str] = mapped_column(String(64), index=True)
    failed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
