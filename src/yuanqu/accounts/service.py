"""Account verbs: create, list, disable, log in, issue tokens; and the request lookup."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from yuanqu.accounts import sessions
from yuanqu.accounts.models import ApiToken, User
from yuanqu.accounts.passwords import check_password
from yuanqu.accounts.schemas import UserCreate
from yuanqu.core import audit
from yuanqu.core.auth import (
    Principal,
    Role,
    hash_password,
    new_token,
    token_hash,
    verify_no_password,
    verify_password,
)
from yuanqu.core.db import read
from yuanqu.core.errors import Conflict, NotFound, Unauthorized, ValidationError
from yuanqu.registry import service as registry
from yuanqu.registry.schemas import EnterpriseFilter


def get_user(session: Session, *, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(
            f"没有用户名为 {username} 的账号",
            f"no account named {username}",
            details={"username": username},
        )
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


_SHOWN = select(
    User.username, User.display_name, User.role, User.uscc, User.task_forces, User.active
).order_by(User.username)


def users_shown(session: Session) -> tuple[tuple, ...]:
    """What the users page shows of every account, as a key the kept page changes with."""
    return tuple(
        (*row[:4], tuple(row.task_forces or ()), row.active) for row in read(session, _SHOWN)
    )


def create_user(
    session: Session, *, data: UserCreate, acting: str | None = None, check_strength: bool = True
) -> User:
    """A new account; an enterprise user needs a firm, a task-force user its task forces.

    The password must pass ``passwords.check_password``; only the demo, whose passwords are
    printed for everyone anyway, creates accounts with ``check_strength=False``.
    """
    if session.scalar(select(User.id).where(User.username == data.username)) is not None:
        raise Conflict(
            f"用户名 {data.username} 已被使用",
            f"the username {data.username} is taken",
            details={"username": data.username},
        )
    uscc = None
    if data.role == Role.enterprise:
        if not data.uscc:
            raise ValidationError(
                "企业用户必须绑定一个统一社会信用代码",
                "an enterprise user must be bound to a credit code (uscc)",
                details={"field": "uscc"},
            )
        uscc = registry.get_enterprise(session, uscc=data.uscc).uscc
    forces: list[str] = []
    if data.role == Role.task_force:
        known = {force.code for force in registry.list_task_forces(session)}
        unknown = sorted(set(data.task_forces) - known)
        if not data.task_forces or unknown:
            raise ValidationError(
                f"专班用户须指定已有的产业专班（未知：{', '.join(unknown) or '无'}）",
                f"a task-force user needs existing task forces (unknown: {', '.join(unknown)})",
                details={"field": "task_forces", "known": sorted(known)},
            )
        forces = sorted(set(data.task_forces))
    if check_strength:
        check_password(data.password, username=data.username, display_name=data.display_name)
    user = User(
        username=data.username,
        display_name=data.display_name,
        password_hash=hash_password(data.password),
        role=str(data.role),
        uscc=uscc,
        task_forces=forces,
        active=True,
    )
    session.add(user)
    session.flush()  # the id, for tokens issued in the same unit of work
    audit.record(
        session,
        actor=acting or "system",
        entity_type="user",
        entity_id=user.username,
        action="created",
        after={"role": user.role, "uscc": user.uscc, "task_forces": forces},
    )
    return user


def change_password(
    session: Session, *, username: str, password: str, acting: str | None = None
) -> User:
    """A new password (checked for strength); every session of the account ends."""
    user = get_user(session, username=username)
    check_password(password, username=user.username, display_name=user.display_name)
    user.password_hash = hash_password(password)
    ended = sessions.end_user_sessions(session, user_id=user.id, reason="password")
    audit.record(
        session,
        actor=acting or "system",
        entity_type="user",
        entity_id=user.username,
        action="password_changed",
        after={"sessions_ended": ended},
    )
    return user


def change_own_password(
    session: Session, *, username: str, current: str, password: str, repeat: str
) -> User:
    """A user's own change: the current password first, the new one twice."""
    user = get_user(session, username=username)
    if not verify_password(user.password_hash, current):
        raise ValidationError(
            "当前密码不正确", "the current password is wrong", details={"field": "current"}
        )
    if password != repeat:
        raise ValidationError(
            "两次输入的新密码不一致", "the two new passwords differ", details={"field": "repeat"}
        )
    return change_password(session, username=username, password=password, acting=username)


def disable_user(session: Session, *, username: str, acting: str | None = None) -> User:
    """Disable an account and revoke its tokens; nobody disables themselves."""
    if acting is not None and acting == username:
        raise Conflict(
            "不能停用自己的账号",
            "you cannot disable your own account",
            details={"username": username},
        )
    user = get_user(session, username=username)
    was_active = user.active
    user.active = False
    now = datetime.now(UTC)
    revoked = 0
    for token in session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        token.revoked_at = now
        revoked += 1
    ended = sessions.end_user_sessions(session, user_id=user.id, reason="disabled")
    if was_active or revoked or ended:
        audit.record(
            session,
            actor=acting or "system",
            entity_type="user",
            entity_id=user.username,
            action="disabled",
            after={"tokens_revoked": revoked, "sessions_ended": ended},
        )
    return user


def issue_token(session: Session, *, username: str, name: str = "") -> str:
    """A new bearer token for an active user; the token itself is shown only once."""
    user = get_user(session, username=username)
    if not user.active:
        raise Conflict(
            f"账号 {username} 已停用",
            f"the account {username} is disabled",
            details={"username": username},
        )
    token = new_token()
    session.add(ApiToken(user_id=user.id, name=name, token_hash=token_hash(token)))
    return token


def authenticate(session: Session, *, username: str, password: str) -> User:
    """The active user with these credentials; one vague error for every failure.

    An unknown or disabled name costs the same argon2 check as a real one, so the time of the
    answer does not tell which names exist.
    """
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        verified = verify_no_password(password)
    else:
        verified = verify_password(user.password_hash, password)
    if user is None or not verified:
        raise Unauthorized(
            "用户名或密码错误，或账号已停用",
            "wrong username or password, or the account is disabled",
            code="login_failed",
        )
    user.last_login_at = datetime.now(UTC)
    return user


def principal_of(user: User | Row[Any], via: str = "cookie") -> Principal:
    """The principal of a user (or of a row of the same columns: ``sessions.session_user``)."""
    return Principal(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        uscc=user.uscc,
        task_forces=tuple(user.task_forces or ()),
        via="token" if via == "token" else "cookie",
        display_name=user.display_name,
    )


class AccountsBackend:
    """The accounts domain's answer to ``core.auth.AuthBackend``."""

    def from_token(self, session: Session, token: str) -> Principal | None:
        user = session.scalar(
            select(User)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == token_hash(token), ApiToken.revoked_at.is_(None))
        )
        return principal_of(user, "token") if user is not None and user.active else None

    def from_session(self, session: Session, session_id: str) -> Principal | None:
        row = sessions.session_user(session, session_id)
        return principal_of(row) if row is not None else None


# --- the demo accounts ---------------------------------------------------------------------------

DEMO_ACCOUNTS: tuple[tuple[str, Role, str], ...] = (
    ("admin", Role.admin, "演示管理员"),
    ("analyst", Role.analyst, "演示分析员"),
    ("taskforce", Role.task_force, "演示专班成员"),
    ("policy", Role.policy_officer, "演示政策兑现专员"),
    ("project", Role.project_officer, "演示项目办专员"),
    ("enterprise", Role.enterprise, "演示企业用户"),
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    password: str
    uscc: str | None = None
    task_forces: tuple[str, ...] = ()


def demo_password(seed: int, username: str) -> str:
    """Deterministic from the seed: a demo convenience, never for a real site."""
    digest = hashlib.sha256(f"yuanqu-demo:{seed}:{username}".encode()).hexdigest()
    return f"{username}-{digest[:8]}"


def ensure_demo_accounts(session: Session, *, seed: int = 2023) -> list[DemoAccount]:
    """One account per role (created if missing); the firm user owns a task-force firm."""
    codes = [force.code for force in registry.list_task_forces(session)]
    forces = ["ic"] if "ic" in codes else codes[:1]  # the demo zone's integrated-circuit task force
    # The firm user's firm is one the task-force user follows, so the two demo views meet.
    firms = registry.list_enterprises(
        session, filters=EnterpriseFilter(task_forces=forces or None), sort="uscc", page_size=1
    )
    accounts = []
    for username, role, display in DEMO_ACCOUNTS:
        password = demo_password(seed, username)
        uscc = firms.items[0].uscc if role == Role.enterprise and firms.items else None
        task_forces = forces if role == Role.task_force else []
        if (role == Role.enterprise and uscc is None) or (role == Role.task_force and not forces):
            continue  # an empty registry: no firm or task force to bind to
        existing = session.scalar(select(User).where(User.username == username))
        if existing is None:
            create_user(  # printed for all to see: a demo convenience, exempt from the check
                session,
                check_strength=False,
                data=UserCreate(
                    username=username,
                    password=password,
                    role=role,
                    display_name=display,
                    uscc=uscc,
                    task_forces=task_forces,
                ),
            )
        else:
            uscc, task_forces = existing.uscc, list(existing.task_forces or ())
        accounts.append(DemoAccount(username, role, password, uscc, tuple(task_forces)))
    return accounts
