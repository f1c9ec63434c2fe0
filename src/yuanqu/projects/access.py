"""The one place where a web request's user (core.auth Principal) becomes a project Actor.

Who reads: project officers, task-force members (their own task forces only), analysts and
administrators. Who edits is decided by the services (``permissions.py``): project officers every
project, task-force members the projects and leads of their own task forces; analysts only read.
Enterprise users see their own firm's projects on its profile, nowhere else.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from yuanqu.core.auth import Principal
from yuanqu.core.auth import Role as UserRole
from yuanqu.core.errors import Forbidden
from yuanqu.projects.permissions import Actor
from yuanqu.projects.permissions import Role as ActorRole
from yuanqu.registry import service as registry

log = logging.getLogger("yuanqu.auth")

READERS = frozenset(
    {UserRole.admin, UserRole.project_officer, UserRole.task_force, UserRole.analyst}
)
PROJECT_EDITORS = frozenset({UserRole.admin, UserRole.project_officer, UserRole.task_force})
LEAD_EDITORS = frozenset({UserRole.admin, UserRole.task_force})

_ROLES: dict[UserRole, frozenset[str]] = {
    UserRole.admin: frozenset({ActorRole.admin}),
    UserRole.project_officer: frozenset({ActorRole.project_officer}),
    UserRole.task_force: frozenset({ActorRole.task_force_member}),
    UserRole.analyst: frozenset({ActorRole.analyst}),
}


def actor_of(principal: Principal) -> Actor:
    """The actor the project and attraction services check (the audit log names the user)."""
    forces = frozenset(principal.task_forces) if principal.role == UserRole.task_force else None
    return Actor(
        f"web:{principal.username}",
        _ROLES.get(principal.role, frozenset()),
        forces or frozenset(),
    )


def scope_of(principal: Principal) -> frozenset[str] | None:
    """The task forces whose projects and leads this user may read; None: all of them."""
    if principal.role == UserRole.task_force:
        return frozenset(principal.task_forces)
    if principal.role in READERS:
        return None
    return frozenset()


def forbid_task_force(principal: Principal, task_force: str | None) -> None:
    """Refuse (403, logged) a project or lead of a task force the user may not read."""
    scope = scope_of(principal)
    if scope is None or task_force in scope:
        return
    log.warning(
        "refused: user=%s role=%s task_force=%s", principal.username, principal.role, task_force
    )
    raise Forbidden(
        f"无权查看专班 {task_force or '（无）'} 的项目与线索",
        f"access denied: you may not see task force {task_force or '(none)'}",
        details={"task_force": task_force},
    )


def readable_task_forces(session: Session, principal: Principal) -> list[Any]:
    """The task forces this user may read, for the pages' task-force filters."""
    scope = scope_of(principal)
    return [f for f in registry.list_task_forces(session) if scope is None or f.code in scope]
