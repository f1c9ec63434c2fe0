"""Builders for project test data: actors with roles, and projects at a stage."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from tests.factories.registry import make_task_force
from yuanqu.projects import service
from yuanqu.projects.models import Project
from yuanqu.projects.permissions import Actor, Role

_codes = itertools.count(1)

OFFICER = Actor("officer", frozenset({Role.project_officer}))
ANALYST = Actor("analyst", frozenset({Role.analyst}))
TODAY = date(2024, 12, 31)


def member(task_force: str = "ic", user: str = "member") -> Actor:
    return Actor(user, frozenset({Role.task_force_member}), frozenset({task_force}))


def make_project(
    session: Session,
    *,
    stage: str = "signed",
    dates: dict[str, date] | None = None,
    actor: Actor = OFFICER,
    **overrides: Any,
) -> Project:
    """A project at ``stage``; default dates: each stage up to it, a month apart from 2023-01."""
    pipeline = service.active_pipeline(session)
    if dates is None:
        reached = [s for s in pipeline.stages if s.index <= pipeline.index(stage)]
        dates = {s.key: date(2023, 1 + i, 2) for i, s in enumerate(reached)}
    task_force = overrides.pop("task_force", "ic")
    if task_force:
        make_task_force(session, task_force)
    values: dict[str, Any] = {
        "name": f"测试项目{next(_codes)}",
        "investor_name": "测试投资有限公司",
        "planned_investment_fen": 10_000_000_000,
        "industry_code": "3973",
        "task_force": task_force,
        "code": f"T-{next(_codes):04d}",
    }
    values.update(overrides)
    return service.create_project(
        session, actor=actor, stage=stage, stage_dates=dates, today=TODAY, **values
    )
