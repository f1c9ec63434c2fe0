"""A key project's progress: moving it through the stages of the pipeline (七个一批: each stage with
its actual or planned date, forward only unless an officer says why) and its investment (the annual
plans and the investment completed each month). Creating and reading projects is the service's job
(:mod:`yuanqu.projects.service`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.db import bump_data_version
from yuanqu.core.errors import Conflict, ValidationError
from yuanqu.core.periods import Period
from yuanqu.projects.models import (
    AnnualPlan,
    MonthlyInvestment,
    Project,
    ProjectStageDate,
)
from yuanqu.projects.permissions import Actor, require_officer, require_project_editor
from yuanqu.projects.pipeline import Pipeline
from yuanqu.projects.service import active_pipeline, count_open_items

ENTITY = "project"
DATASET = "projects"


# --- stages --------------------------------------------------------------------------------------


def _stage_row(project: Project, stage: str) -> ProjectStageDate:
    for row in project.stage_dates:
        if row.stage == stage:
            return row
    row = ProjectStageDate(stage=stage)
    project.stage_dates.append(row)
    return row


def move_stage(
    session: Session,
    project: Project,
    *,
    actor: Actor,
    to: str,
    on: date,
    reason: str | None = None,
    waiver: str | None = None,
    today: date | None = None,
) -> Project:
    """Move a project to another stage on ``on``: the one transition, with every rule checked.

    Forward: stages before signing may be skipped; signed, started and production may not (no
    start before signing); the date may not be in the future nor before the current stage's.
    Reaching full production with open list items needs an officer's ``waiver``. Back: needs a
    ``reason``; the actual dates of the stages undone are cleared (the audit log keeps them).
    """
    require_project_editor(actor, project.task_force)
    today = today or date.today()
    pipeline = active_pipeline(session)
    current = pipeline.stage(project.stage)
    target = pipeline.find(to)
    if target.key == current.key:
        raise Conflict(
            f"项目已处于 {current.zh} 阶段",
            f"the project is already at {current.en}",
            code="same_stage",
        )
    if on > today:
        raise ValidationError(
            f"日期 {on} 在将来：阶段变更记录已发生的事",
            f"{on} is in the future: a stage change records what has happened",
            details={"on": on.isoformat()},
        )
    before = {"stage": project.stage, "stage_since": project.stage_since}
    dates = {d.stage: d.actual_on for d in project.stage_dates if d.actual_on}
    if target.index > current.index:
        _check_forward(pipeline, project, current.index, target.index, on, dates)
        blocked = target.index >= pipeline.close_out.index
        open_items = count_open_items(session, project_id=project.id) if blocked else 0
        if open_items:
            if not (waiver and waiver.strip()):
                raise Conflict(
                    f"项目还有 {open_items} 项未销号的清单事项，不能进入 {target.zh} 阶段；"
                    "如确需进入，须由项目办人员说明理由",
                    f"{open_items} list item(s) are still open: the project cannot reach "
                    f"{target.en} unless a project officer records why",
                    code="open_items",
                    details={"open_items": open_items},
                )
            require_officer(actor, "在清单未销号时确认达产", "waive open items at full production")
            project.close_out_waiver = waiver.strip()
        action = "stage_forward"
    else:
        if not (reason and reason.strip()):
            raise ValidationError(
                f"退回到 {target.zh} 阶段须说明理由",
                f"going back to {target.en} needs a reason",
                code="reason_required",
            )
        for row in project.stage_dates:
            if pipeline.index(row.stage) > target.index:
                row.actual_on = None
        if target.index < pipeline.close_out.index:
            project.close_out_waiver = None
        action = "stage_back"
    _stage_row(project, target.key).actual_on = (
        on if action == "stage_forward" else dates.get(target.key, on)
    )
    project.stage = target.key
    project.stage_since = on if action == "stage_forward" else dates.get(target.key, on)
    audit.record(
        session,
        actor=actor.user,
        entity_type=ENTITY,
        entity_id=project.id,
        action=action,
        before=before,
        after={"stage": project.stage, "stage_since": project.stage_since, "on": on},
        reason=(reason or waiver or None),
    )
    bump_data_version(session, DATASET)
    return project


def _check_forward(
    pipeline: Pipeline,
    project: Project,
    current: int,
    target: int,
    on: date,
    dates: Mapping[str, date | None],
) -> None:
    for marker in (pipeline.signed, pipeline.started, pipeline.marker("production")):
        if marker is None or not current < marker.index < target:
            continue
        raise Conflict(
            f"不能跳过 {marker.zh} 阶段（未签约不能开工）：请先进入 {marker.zh}",
            f"cannot skip {marker.en} (no start before signing): move to {marker.en} first",
            code="stage_skipped",
            details={"skipped": marker.key},
        )
    latest = max((d for d in dates.values() if d is not None), default=None)
    if latest is not None and on < latest:
        raise ValidationError(
            f"日期 {on} 早于项目上一阶段的日期 {latest}",
            f"{on} is before the project's previous stage date {latest}",
            details={"on": on.isoformat(), "latest": latest.isoformat()},
        )


def plan_stage(
    session: Session, project: Project, *, actor: Actor, stage: str, planned_on: date | None
) -> Project:
    """Set (or clear) the planned date of a stage: the timeline compares it with the actual."""
    require_project_editor(actor, project.task_force)
    key = active_pipeline(session).find(stage).key
    row = _stage_row(project, key)
    before = row.planned_on
    row.planned_on = planned_on
    audit.record(
        session,
        actor=actor.user,
        entity_type=ENTITY,
        entity_id=project.id,
        action="plan_stage",
        before={"stage": key, "planned_on": before},
        after={"stage": key, "planned_on": planned_on},
    )
    return project


# --- investment ----------------------------------------------------------------------------------


def set_annual_plan(
    session: Session, project: Project, *, actor: Actor, year: int, planned_fen: int
) -> AnnualPlan:
    require_project_editor(actor, project.task_force)
    if planned_fen < 0 or not 2000 <= year <= 2100:
        raise ValidationError("年度计划投资无效", "invalid annual plan", details={"year": year})
    plan = session.get(AnnualPlan, (project.id, year))
    before = plan.planned_fen if plan else None
    if plan is None:
        plan = AnnualPlan(project_id=project.id, year=year, planned_fen=planned_fen)
        session.add(plan)
    else:
        plan.planned_fen = planned_fen
    audit.record(
        session,
        actor=actor.user,
        entity_type=ENTITY,
        entity_id=project.id,
        action="annual_plan",
        before={"year": year, "planned_fen": before},
        after={"year": year, "planned_fen": planned_fen},
    )
    bump_data_version(session, DATASET)
    return plan


def record_investment(
    session: Session,
    project: Project,
    *,
    actor: Actor,
    period: str | Period,
    actual_fen: int,
    today: date | None = None,
) -> MonthlyInvestment:
    """The investment completed in one month (a correction replaces it, audited)."""
    require_project_editor(actor, project.task_force)
    month = Period.parse(period)
    today = today or date.today()
    if month.first_day > today:
        raise ValidationError(
            f"{month} 尚未开始，不能填报完成投资",
            f"{month} has not begun: no investment can be reported for it",
        )
    if actual_fen < 0:
        raise ValidationError("完成投资不能为负", "actual investment must not be negative")
    row = session.get(MonthlyInvestment, (project.id, str(month)))
    before = row.actual_fen if row else None
    if row is None:
        row = MonthlyInvestment(project_id=project.id, period=str(month), actual_fen=actual_fen)
        session.add(row)
    else:
        row.actual_fen = actual_fen
    audit.record(
        session,
        actor=actor.user,
        entity_type=ENTITY,
        entity_id=project.id,
        action="investment",
        before={"period": str(month), "actual_fen": before},
        after={"period": str(month), "actual_fen": actual_fen},
    )
    bump_data_version(session, DATASET)
    return row


def investment_to(session: Session, project_id: int, by: date) -> int | None:
    """The project's investment (fen) in the months up to ``by``; None if none was reported."""
    total, months = session.execute(
        select(func.sum(MonthlyInvestment.actual_fen), func.count()).where(
            MonthlyInvestment.project_id == project_id,
            MonthlyInvestment.period <= f"{by.year:04d}-{by.month:02d}",
        )
    ).one()
    return int(total) if months else None


def stage_date(session: Session, project_id: int | None, stage: str | None) -> date | None:
    """The day the project actually reached ``stage`` (None: not yet)."""
    if project_id is None or stage is None:
        return None
    return session.scalar(
        select(ProjectStageDate.actual_on).where(
            ProjectStageDate.project_id == project_id, ProjectStageDate.stage == stage
        )
    )
