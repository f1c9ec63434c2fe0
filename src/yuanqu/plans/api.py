"""Plans and targets over JSON (/api/v1/plans...): the same service calls as the pages.

Analysts and administrators read every plan; a task-force member reads the plans of its task
forces; administrators edit a plan's YAML (checked, every mistake FILE:LINE)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from yuanqu.core.auth import Principal, Role, allow
from yuanqu.core.deps import get_db
from yuanqu.plans import service
from yuanqu.plans.schemas import PlanPage, PlanRead, PlanText

router = APIRouter(prefix="/plans", tags=["plans and targets"])

READERS = (Role.admin, Role.analyst, Role.task_force)
EDITORS = (Role.admin,)
PlanKey = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{1,59}$")]
LangQuery = Annotated[str, Query(pattern="^(zh|en)$")]


def scope(principal: Principal) -> list[str] | None:
    return list(principal.task_forces) if principal.role == Role.task_force else None


@router.get("", response_model=PlanPage)
def get_plans(
    lang: LangQuery = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Any:
    """Every plan the reader may see, with how many targets are on track."""
    return service.list_plans(session, task_forces=scope(principal), lang=lang)


@router.get("/{key}", response_model=PlanRead)
def get_plan(
    key: PlanKey,
    lang: LangQuery = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Any:
    """One plan with every target's computed progress."""
    return service.plan_progress(session, key=key, task_forces=scope(principal), lang=lang)


@router.put("/{key}", response_model=PlanRead)
def put_plan(
    key: PlanKey,
    body: PlanText,
    lang: LangQuery = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EDITORS),
) -> Any:
    """Replace a plan's YAML (administrators); a file with any mistake changes nothing."""
    service.save_plan(session, text=body.source, file=f"{key}.yaml", by=principal.username, key=key)
    return service.plan_progress(session, key=key, lang=lang)
