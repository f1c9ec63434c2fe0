"""Who may change what, checked in the services (so the API, the pages and the CLI agree).

Roles: project officers (项目办) edit every project and may waive the close-out rule; task-force
members (产业专班) edit the projects and leads of their own task forces; analysts read;
administrators do everything. The web app's authenticated user maps onto :class:`Actor`; the CLI
acts as a system actor with every role, since whoever runs it has the database already.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from enum import StrEnum

from yuanqu.core.errors import Forbidden


class Role(StrEnum):
    admin = "admin"
    project_officer = "project_officer"
    task_force_member = "task_force_member"
    analyst = "analyst"


@dataclass(frozen=True)
class Actor:
    """The person (or job) doing something: a user name, roles, and task forces they belong to."""

    user: str
    roles: frozenset[str] = field(default_factory=frozenset)
    task_forces: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def system(cls, name: str | None = None) -> Actor:
        """The CLI or a job: every role."""
        who = name or f"cli:{_login()}"
        return cls(who, frozenset(Role))

    def has(self, *roles: Role) -> bool:
        return bool(self.roles & {str(r) for r in roles})

    def may_edit_projects_of(self, task_force: str | None) -> bool:
        if self.has(Role.admin, Role.project_officer):
            return True
        return self.has(Role.task_force_member) and task_force in self.task_forces


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers; the audit still needs a name
        return "unknown"


def require_project_editor(actor: Actor, task_force: str | None) -> None:
    if not actor.may_edit_projects_of(task_force):
        raise Forbidden(
            f"{actor.user} 无权修改专班 {task_force or '（无）'} 的项目",
            f"{actor.user} may not edit projects of task force {task_force or '(none)'}",
            details={"user": actor.user, "task_force": task_force},
        )


def require_officer(actor: Actor, what_zh: str, what_en: str) -> None:
    if not actor.has(Role.admin, Role.project_officer):
        raise Forbidden(
            f"只有项目办人员可以{what_zh}",
            f"only a project officer may {what_en}",
            details={"user": actor.user},
        )


def require_lead_editor(actor: Actor, task_force: str | None) -> None:
    if actor.has(Role.admin):
        return
    if actor.has(Role.task_force_member) and task_force in actor.task_forces:
        return
    raise Forbidden(
        f"{actor.user} 无权修改专班 {task_force or '（无）'} 的招商线索",
        f"{actor.user} may not edit the leads of task force {task_force or '(none)'}",
        details={"user": actor.user, "task_force": task_force},
    )
