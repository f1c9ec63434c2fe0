"""Who is asking and what they may do: roles, the principal of a request, passwords, the check.

Every route declares who may use it with ``allow(...)`` (or ``public()``) as the default of a
parameter; the one ``Access`` dependency resolves the principal and refuses everyone else with 403
(401 when nobody is logged in), logging the refusal. The accounts domain supplies the lookup
(``AuthBackend``) at start-up, so ``core`` never imports a domain.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from yuanqu.core.config import get_settings
from yuanqu.core.errors import Forbidden, RateLimited, Unauthorized

log = logging.getLogger("yuanqu.auth")


class Role(StrEnum):
    """What a user is there for; one role per account."""

    admin = "admin"
    analyst = "analyst"  # reads everything except money paid to firms
    task_force = "task_force"  # scoped to its task forces (产业专班)
    policy_officer = "policy_officer"
    project_officer = "project_officer"
    enterprise = "enterprise"  # bound to one firm (uscc): sees only its own data


ROLE_NAMES: dict[str, tuple[str, str]] = {
    Role.admin: ("管理员", "Administrator"),
    Role.analyst: ("经发局分析员", "Economic analyst"),
    Role.task_force: ("产业专班", "Task force member"),
    Role.policy_officer: ("政策兑现", "Policy officer"),
    Role.project_officer: ("项目办", "Project officer"),
    Role.enterprise: ("企业用户", "Enterprise user"),
}

EVERYONE: frozenset[Role] = frozenset(Role)
STAFF: frozenset[Role] = EVERYONE - {Role.enterprise}


@dataclass(frozen=True)
class Principal:
    """The authenticated user of one request."""

    user_id: int
    username: str
    role: Role
    uscc: str | None = None
    task_forces: tuple[str, ...] = ()
    via: Literal["cookie", "token"] = "cookie"
    display_name: str = ""

    @property
    def is_enterprise(self) -> bool:
        return self.role == Role.enterprise

    def sees_firm(self, uscc: str, task_force: str | None) -> bool:
        """May this principal read this firm's data?"""
        if self.role == Role.enterprise:
            return uscc == self.uscc
        if self.role == Role.task_force:
            return task_force in self.task_forces
        return True


class AuthBackend(Protocol):
    """How a request's credentials become a principal (implemented by the accounts domain)."""

    def from_token(self, session: Session, token: str) -> Principal | None: ...

    def from_session(self, session: Session, session_id: str) -> Principal | None:
        """The user of a live server-side session (None: unknown, ended, idle or too old)."""
        ...


# --- passwords and tokens ------------------------------------------------------------------------

_hasher = PasswordHasher()
HASH_WAIT_SECONDS = 10.0


class HashingSlots:
    """At most ``login_hash_concurrency`` argon2 computations at once in this process.

    argon2 is slow and memory-hard on purpose (about 64 MiB and a few hundred ms each): without a
    bound, a burst of parallel logins would take every thread and the memory of the server. A
    request that waits longer than ``HASH_WAIT_SECONDS`` for a slot is answered 503 with
    ``Retry-After``. ``running`` and ``peak`` are what the process has seen (the tests read them).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._size = 0
        self._slots = threading.BoundedSemaphore(1)
        self.running = 0
        self.peak = 0

    @contextmanager
    def slot(self) -> Iterator[None]:
        size = get_settings().login_hash_concurrency
        with self._lock:
            if size != self._size:  # the setting changed (tests, configure()): new slots
                self._size, self._slots = size, threading.BoundedSemaphore(size)
            slots = self._slots
        if not slots.acquire(timeout=HASH_WAIT_SECONDS):
            log.warning("refused: every password-hashing slot busy for %ss", HASH_WAIT_SECONDS)
            raise RateLimited(
                "系统繁忙，请稍后再试",
                "the server is busy; try again in a moment",
                code="busy",
                status=503,
                retry_after=2,
            )
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            yield
        finally:
            with self._lock:
                self.running -= 1
            slots.release()


HASHING = HashingSlots()


def hash_password(password: str) -> str:
    with HASHING.slot():
        return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    with HASHING.slot():
        try:
            return _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


_dummy_hash: str | None = None


def verify_no_password(password: str) -> bool:
    """Spend on an unknown or disabled user the time a real check takes, and answer False.

    Without it a login for an unknown name answers in a few ms and one for a real name in the
    hundreds of ms argon2 takes: the difference tells an attacker which names exist.
    """
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hash_password(secrets.token_urlsafe(16))
    verify_password(_dummy_hash, password)
    return False


def new_token() -> str:
    """A bearer token; only its hash is stored."""
    return "yq_" + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    # A token carries 256 random bits, so a fast hash is enough (no salt, no argon2): it lets the
    # lookup be one indexed equality per request.
    return hashlib.sha256(token.encode()).hexdigest()


# --- the check -----------------------------------------------------------------------------------

SESSION_ID_KEY = "sid"  # the cookie carries a random session id; the server keeps its hash


def new_session_id() -> str:
    """A session id (256 random bits); like a token, only its hash is stored."""
    return secrets.token_urlsafe(32)


def bearer_token(request: Request) -> str | None:
    """The request's ``Authorization: Bearer`` token, if it has one."""
    return _bearer(request)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def resolve_principal(request: Request, session: Session) -> Principal | None:
    """The request's user from its bearer token or its server-side session, once per request.

    A request with a bearer token is that token's user or nobody: its cookie is never read.
    """
    if hasattr(request.state, "principal"):
        return request.state.principal
    backend: AuthBackend = request.app.state.auth_backend
    principal: Principal | None = None
    token = _bearer(request)
    if token is not None:
        principal = backend.from_token(session, token)
        if principal is None:
            raise Unauthorized(
                "访问令牌无效或已停用", "the bearer token is invalid or revoked", code="bad_token"
            )
    else:
        session_id = request.session.get(SESSION_ID_KEY) if "session" in request.scope else None
        if isinstance(session_id, str):
            principal = backend.from_session(session, session_id)
            if principal is None:  # ended, idle or too old: the cookie is worth nothing now
                request.session.clear()
    request.state.principal = principal
    return principal


@dataclass(frozen=True)
class Access:
    """The declaration of who may use a route; ``check`` below enforces it."""

    roles: frozenset[Role] = field(default_factory=frozenset)
    public: bool = False


def check_access(request: Request, session: Session, access: Access) -> Principal | None:
    """The central check: 401 without a user, 403 (logged) for a role not allowed."""
    principal = resolve_principal(request, session)
    if access.public:
        return principal
    if principal is None:
        raise Unauthorized("请先登录", "please log in first", code="login_required")
    if principal.role not in access.roles:
        log.warning(
            "refused: user=%s role=%s %s %s (allowed: %s)",
            principal.username,
            principal.role,
            request.method,
            request.url.path,
            ",".join(sorted(access.roles)),
        )
        raise Forbidden(
            f"无权访问：“{ROLE_NAMES[principal.role][0]}”角色不能使用此功能",
            f"access denied: the role '{ROLE_NAMES[principal.role][1]}' may not use this",
            details={
                "role": str(principal.role),
                "allowed_roles": sorted(str(r) for r in access.roles),
                "path": request.url.path,
            },
        )
    return principal


def _dependency(access: Access) -> Any:
    from yuanqu.core.deps import get_db

    def access_check(
        request: Request, session: Session = Depends(get_db, scope="function")
    ) -> Principal | None:
        return check_access(request, session, access)

    access_check.access = access  # type: ignore[attr-defined]  # read by the route inventory
    return Depends(access_check)


def allow(*roles: Role | Iterable[Role]) -> Any:
    """Declare the roles that may use a route; the parameter receives the Principal."""
    flat: set[Role] = set()
    for role in roles:
        flat.update([role] if isinstance(role, Role) else role)
    return _dependency(Access(frozenset(flat)))


def public() -> Any:
    """Declare a route open to everyone; the parameter receives the Principal or None."""
    return _dependency(Access(public=True))


def route_access(route: Any) -> list[Access]:
    """Every access declaration in a route's dependency tree (the authorization inventory)."""
    found: list[Access] = []
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        access = getattr(dependant.call, "access", None)
        if isinstance(access, Access):
            found.append(access)
        stack.extend(dependant.dependencies)
    return found


def forbid_other_firm(principal: Principal, uscc: str, task_force: str | None) -> None:
    """Refuse (403, logged) a firm the principal may not see."""
    if principal.sees_firm(uscc, task_force):
        return
    log.warning("refused: user=%s role=%s firm=%s", principal.username, principal.role, uscc)
    raise Forbidden(
        "无权查看该企业的数据",
        "access denied: you may not see this enterprise's data",
        details={"uscc": uscc},
    )


def home_of(principal: Principal) -> str:
    """Where a user lands: the dashboard, or a firm user's own portal."""
    return "/portal" if principal.role == Role.enterprise else "/"
