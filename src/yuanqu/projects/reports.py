"""The reports the committee reads: the seven batches (七个一批), the board by stage, the weekly."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.errors import ValidationError
from yuanqu.core.holidays import work_calendar
from yuanqu.core.periods import Period
from yuanqu.core.workdays import WorkCalendar
from yuanqu.projects import ledger
from yuanqu.projects.models import (
    FAI_THRESHOLD_FEN,
    AnnualPlan,
    BatchTarget,
    ItemStatus,
    MonthlyInvestment,
    Project,
    ProjectItem,
    ProjectStageDate,
)
from yuanqu.projects.permissions import Actor, require_officer
from yuanqu.projects.schemas import (
    BatchReport,
    BatchRow,
    StageCount,
    WeeklyReport,
    WeeklyRow,
)
from yuanqu.projects.service import active_pipeline


def parse_span(text: str) -> tuple[date, date]:
    """``2023`` (a year), ``2023-06`` (a month), ``2023Q2`` or ``2023-01..2023-06`` (months)."""
    value = text.strip()
    try:
        if value.isdigit() and len(value) == 4:
            year = int(value)
            return date(year, 1, 1), date(year, 12, 31)
        if len(value) == 6 and value[4] in "Qq" and value[5] in "1234":
            first = Period(int(value[:4]), (int(value[5]) - 1) * 3 + 1)
            return first.first_day, (first + 2).last_day
        start, sep, end = value.partition("..")
        first = Period.parse(start)
        last = Period.parse(end) if sep else first
    except (ValidationError, ValueError):  # ValueError: a year date() refuses, e.g. 0000
        raise ValidationError(
            f"无法识别的期间 '{text}'（例：2023、2023-06、2023Q2、2023-01..2023-06）",
            f"not a period: '{text}' (e.g. 2023, 2023-06, 2023Q2, 2023-01..2023-06)",
        ) from None
    if last < first:
        raise ValidationError(f"期间 '{text}' 的终点早于起点", f"'{text}' ends before it starts")
    return first.first_day, last.last_day


def set_batch_target(
    session: Session, *, actor: Actor, year: int, stage: str, projects: int, investment_fen: int
) -> BatchTarget:
    """The year's target for a batch (a stage reached): number of projects and investment."""
    require_officer(actor, "设定年度目标", "set the year's targets")
    key = active_pipeline(session).find(stage).key
    if projects < 0 or investment_fen < 0:
        raise ValidationError("目标不能为负", "targets must not be negative")
    target = session.get(BatchTarget, (year, key))
    before = (
        {"projects": target.projects, "investment_fen": target.investment_fen} if target else None
    )
    if target is None:
        target = BatchTarget(year=year, stage=key, projects=projects, investment_fen=investment_fen)
        session.add(target)
    else:
        target.projects, target.investment_fen = projects, investment_fen
    audit.record(
        session,
        actor=actor.user,
        entity_type="batch_target",
        entity_id=f"{year}:{key}",
        action="set",
        before=before,
        after={"projects": projects, "investment_fen": investment_fen},
    )
    return target


def _reached(session: Session, start: date, end: date) -> list[tuple[int, str, int]]:
    """(project id, stage, planned investment) for every stage reached within [start, end]."""
    rows = session.execute(
        select(ProjectStageDate.project_id, ProjectStageDate.stage, Project.planned_investment_fen)
        .join(Project, Project.id == ProjectStageDate.project_id)
        .where(ProjectStageDate.actual_on >= start, ProjectStageDate.actual_on <= end)
    )
    return [(a, b, c) for a, b, c in rows]


class SignedProject(NamedTuple):
    """A key project signed on a day, with its contracted investment (计划总投资 as signed)."""

    signed_on: date
    investment_fen: int
    task_force: str | None
    sub_area: str | None
    industry_code: str | None
    enterprise_id: int | None


def signed_projects(session: Session, *, start: date, end: date) -> list[SignedProject]:
    """Every key project that reached the pipeline's signed stage within [start, end] (its actual
    date), with its planned total investment: the investment attracted (签约投资额). A signed
    lead is one of them, as signing a lead makes or moves its project."""
    signed = active_pipeline(session).signed.key
    rows = session.execute(
        select(
            ProjectStageDate.actual_on,
            Project.planned_investment_fen,
            Project.task_force,
            Project.sub_area,
            Project.industry_code,
            Project.enterprise_id,
        )
        .join(Project, Project.id == ProjectStageDate.project_id)
        .where(
            ProjectStageDate.stage == signed,
            ProjectStageDate.actual_on >= start,
            ProjectStageDate.actual_on <= end,
        )
        .order_by(ProjectStageDate.actual_on, Project.id)
    )
    return [SignedProject(*row) for row in rows]


def seven_batches(session: Session, *, start: date, end: date, lang: str = "zh") -> BatchReport:
    """For each stage: projects that reached it in [start, end], the year to ``end``, the target.

    A project counts in a batch by the actual date it reached that stage, so a signing on
    30 June belongs to June and one on 1 July to July. Investment is the projects' planned total.
    """
    if end < start:
        raise ValidationError("期间终点早于起点", "the period ends before it starts")
    pipeline = active_pipeline(session)
    in_period = _reached(session, start, end)
    ytd = _reached(session, date(end.year, 1, 1), end)
    targets = {
        t.stage: t for t in session.scalars(select(BatchTarget).where(BatchTarget.year == end.year))
    }

    def tally(rows: list[tuple[int, str, int]]) -> dict[str, tuple[int, int]]:
        out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for _, stage, fen in rows:
            out[stage][0] += 1
            out[stage][1] += fen
        return {k: (v[0], v[1]) for k, v in out.items()}

    period_tally, ytd_tally = tally(in_period), tally(ytd)
    batches = []
    for stage in pipeline.stages:
        count, fen = period_tally.get(stage.key, (0, 0))
        ytd_count, ytd_fen = ytd_tally.get(stage.key, (0, 0))
        target = targets.get(stage.key)
        batches.append(
            BatchRow(
                stage=stage.key,
                name=stage.name(lang),
                projects=count,
                investment_fen=fen,
                ytd_projects=ytd_count,
                ytd_investment_fen=ytd_fen,
                target_projects=target.projects if target else None,
                target_investment_fen=target.investment_fen if target else None,
                projects_rate=(ytd_count / target.projects) if target and target.projects else None,
                investment_rate=(ytd_fen / target.investment_fen)
                if target and target.investment_fen
                else None,
            )
        )
    tracked = {pid: fen for pid, _, fen in in_period}
    return BatchReport(
        start=start,
        end=end,
        tracked_projects=len(tracked),
        tracked_investment_fen=sum(tracked.values()),
        batches=batches,
        below_fai_threshold=sum(1 for fen in tracked.values() if fen < FAI_THRESHOLD_FEN),
    )


def board(session: Session, *, task_force: str | None = None, lang: str = "zh") -> list[StageCount]:
    """The project board: how many projects and how much investment sit in each stage now."""
    pipeline = active_pipeline(session)
    stmt = select(Project.stage, func.count(Project.id), func.sum(Project.planned_investment_fen))
    if task_force:
        stmt = stmt.where(Project.task_force == task_force)
    counts = {s: (n, int(f or 0)) for s, n, f in session.execute(stmt.group_by(Project.stage))}
    return [
        StageCount(
            stage=s.key,
            name=s.name(lang),
            projects=counts.get(s.key, (0, 0))[0],
            investment_fen=counts.get(s.key, (0, 0))[1],
        )
        for s in pipeline.stages
    ]


def weekly_report(
    session: Session,
    *,
    week_end: date,
    task_force: str | None = None,
    calendar: WorkCalendar | None = None,
    lang: str = "zh",
) -> WeeklyReport:
    """The weekly progress report (项目周报): the seven days to ``week_end``, every project."""
    calendar = calendar or work_calendar(session)
    pipeline = active_pipeline(session)
    week_start = week_end - timedelta(days=6)
    stmt = select(Project)
    if task_force:
        stmt = stmt.where(Project.task_force == task_force)
    projects = list(session.scalars(stmt))
    ids = [p.id for p in projects]
    moves: dict[int, list[str]] = defaultdict(list)
    for pid, stage, on in session.execute(
        select(ProjectStageDate.project_id, ProjectStageDate.stage, ProjectStageDate.actual_on)
        .where(ProjectStageDate.actual_on >= week_start, ProjectStageDate.actual_on <= week_end)
        .order_by(ProjectStageDate.actual_on)
    ):
        moves[pid].append(f"{pipeline.stage(stage).name(lang)} {on}")
    plans: dict[int, int] = {
        pid: fen
        for pid, fen in session.execute(
            select(AnnualPlan.project_id, AnnualPlan.planned_fen).where(
                AnnualPlan.year == week_end.year
            )
        )
    }
    actual: dict[int, int] = defaultdict(int)
    year_prefix = f"{week_end.year:04d}-"
    last_month = f"{week_end.year:04d}-{week_end.month:02d}"
    for pid, period, fen in session.execute(
        select(
            MonthlyInvestment.project_id, MonthlyInvestment.period, MonthlyInvestment.actual_fen
        ).where(MonthlyInvestment.period.startswith(year_prefix))
    ):
        if period <= last_month:
            actual[pid] += fen
    open_counts: dict[int, int] = defaultdict(int)
    overdue_counts: dict[int, int] = defaultdict(int)
    closed_counts: dict[int, int] = defaultdict(int)
    for item in session.scalars(select(ProjectItem).where(ProjectItem.project_id.in_(ids or [0]))):
        if item.status != ItemStatus.closed and item.opened_on <= week_end:
            open_counts[item.project_id] += 1
            if item.due_on < week_end:
                overdue_counts[item.project_id] += 1
        elif item.closed_on and week_start <= item.closed_on <= week_end:
            closed_counts[item.project_id] += 1
    projects.sort(key=lambda p: (pipeline.index(p.stage), p.code))
    rows = [
        WeeklyRow(
            project_id=p.id,
            code=p.code,
            name=p.name,
            task_force=p.task_force,
            stage_name=pipeline.stage(p.stage).name(lang),
            stage_moves=moves.get(p.id, []),
            planned_investment_fen=p.planned_investment_fen,
            year_plan_fen=plans.get(p.id, 0),
            year_actual_fen=actual.get(p.id, 0),
            open_items=open_counts.get(p.id, 0),
            overdue_items=overdue_counts.get(p.id, 0),
            closed_this_week=closed_counts.get(p.id, 0),
        )
        for p in projects
    ]
    overdue = ledger.overdue_items(
        session, as_of=week_end, task_force=task_force, calendar=calendar
    )
    return WeeklyReport(
        week_start=week_start,
        week_end=week_end,
        rows=rows,
        overdue=overdue,
        calendar_warnings=[w.message(lang) for w in calendar.warnings],
    )
