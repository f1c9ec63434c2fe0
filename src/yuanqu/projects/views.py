"""What the project pages and their JSON twins show, read once through the services and
scoped to the reader's task forces (a task-force member sees only its own)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuanqu.projects import ledger, reports, service
from yuanqu.projects.models import ProjectStageDate
from yuanqu.projects.schemas import BatchReport, ItemRead, ProjectDetail, ProjectRead
from yuanqu.web import charts


class BoardColumn(BaseModel):
    stage: str
    name: str
    projects: int
    investment_fen: int
    items: list[ProjectRead]


class Board(BaseModel):
    task_force: str | None
    stages: list[str]
    columns: list[BoardColumn]


class ProjectView(BaseModel):
    project: ProjectDetail
    items: list[ItemRead]


def _in_scope(task_force: str | None, scope: frozenset[str] | None) -> bool:
    return scope is None or task_force in scope


def board(
    session: Session,
    *,
    scope: frozenset[str] | None,
    task_force: str | None = None,
    q: str | None = None,
    lang: str = "zh",
) -> Board:
    """Every visible project in its stage's column, in pipeline order."""
    pipeline = service.active_pipeline(session)
    page = service.list_projects(session, task_force=task_force, q=q, lang=lang)
    visible = [p for p in page.items if _in_scope(p.task_force, scope)]
    columns = []
    for stage in pipeline.stages:
        items = [p for p in visible if p.stage == stage.key]
        columns.append(
            BoardColumn(
                stage=stage.key,
                name=stage.name(lang),
                projects=len(items),
                investment_fen=sum(p.planned_investment_fen for p in items),
                items=items,
            )
        )
    return Board(task_force=task_force, stages=[s.key for s in pipeline.stages], columns=columns)


def project_view(session: Session, *, project_id: int, lang: str = "zh") -> ProjectView:
    detail = service.project_detail(session, project_id=project_id, lang=lang)
    items = ledger.list_items(session, project_id=project_id, as_of=date.today())
    return ProjectView(project=detail, items=items)


def timeline_chart(detail: ProjectDetail, *, lang: str = "zh") -> dict[str, Any]:
    names = ("Planned", "Actual") if lang == "en" else ("计划", "实际")
    return charts.timeline(
        [s.name for s in detail.stages],
        [s.planned_on.isoformat() if s.planned_on else None for s in detail.stages],
        [s.actual_on.isoformat() if s.actual_on else None for s in detail.stages],
        names=names,
    )


def batches_charts(report: BatchReport, *, lang: str = "zh") -> dict[str, Any]:
    en = lang == "en"
    names = [b.name for b in report.batches]
    return {
        "projects": charts.grouped_bars(
            names,
            {
                ("in the period" if en else "本期"): [b.projects for b in report.batches],
                ("year to date" if en else "年累计"): [b.ytd_projects for b in report.batches],
                ("target" if en else "年度目标"): [b.target_projects for b in report.batches],
            },
            unit="projects" if en else "个",
        ),
        "investment": charts.grouped_bars(
            names,
            {
                ("year to date, 100 million yuan" if en else "年累计（亿元）"): [
                    round(b.ytd_investment_fen / 1e10, 2) for b in report.batches
                ],
                ("target, 100 million yuan" if en else "年度目标（亿元）"): [
                    None
                    if b.target_investment_fen is None
                    else round(b.target_investment_fen / 1e10, 2)
                    for b in report.batches
                ],
            },
            unit="100M yuan" if en else "亿元",
        ),
    }


def overdue(
    session: Session, *, scope: frozenset[str] | None, by: str, as_of: date
) -> dict[str, list[ItemRead]]:
    groups = ledger.overdue_by(session, as_of=as_of, by=by)
    out = {}
    for key, items in groups.items():
        kept = [i for i in items if _in_scope(i.task_force, scope)]
        if kept:
            out[key] = kept
    return out


def seven_batches(session: Session, *, span: str, lang: str = "zh") -> BatchReport:
    start, end = reports.parse_span(span)
    return reports.seven_batches(session, start=start, end=end, lang=lang)


# --- the period a page opens on ------------------------------------------------------------------


def latest_year(session: Session, kind: str = "batches") -> int | None:
    """The last year a stage was reached: 七个一批 opens on it and says so, never on an empty
    current year."""
    last = session.scalar(select(func.max(ProjectStageDate.actual_on)))
    if last is None:
        return None
    return last.year if isinstance(last, date) else int(str(last)[:4])


def late_stages(
    session: Session, *, scope: frozenset[str] | None, as_of: date, lang: str = "zh"
) -> list[dict[str, Any]]:
    """Milestones missed: a stage planned before ``as_of`` that the project has not reached
    (it is not past it in the pipeline and has no actual date), latest first by days late."""
    from sqlalchemy import select

    from yuanqu.projects.models import Project, ProjectStageDate

    pipeline = service.active_pipeline(session)
    order = {s.key: i for i, s in enumerate(pipeline.stages)}
    names = {s.key: s.name(lang) for s in pipeline.stages}
    rows = session.execute(
        select(Project, ProjectStageDate)
        .join(ProjectStageDate, ProjectStageDate.project_id == Project.id)
        .where(ProjectStageDate.planned_on < as_of, ProjectStageDate.actual_on.is_(None))
    )
    late = []
    for project, stage in rows:
        if stage.stage not in order or order.get(project.stage, -1) >= order[stage.stage]:
            continue  # the project is at or past that stage: the milestone was reached
        if not _in_scope(project.task_force, scope):
            continue
        late.append(
            {
                "project_id": project.id,
                "project_name": project.name,
                "stage": names[stage.stage],
                "current": names.get(project.stage, project.stage),
                "planned_on": stage.planned_on,
                "days_late": (as_of - stage.planned_on).days,
                "officer": project.officer,
                "task_force": project.task_force,
            }
        )
    return sorted(late, key=lambda r: (-r["days_late"], r["project_name"]))
