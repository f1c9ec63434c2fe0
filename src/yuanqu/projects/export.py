"""The project list and the weekly progress report as xlsx (the project list re-imports as is)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import xlsxwriter
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from yuanqu.core.money import Money
from yuanqu.core.workdays import WorkCalendar
from yuanqu.projects import reports, service
from yuanqu.projects.models import AnnualPlan, Project


def _wan(fen: int) -> float:
    # xlsx cells are binary floats by nature; the value is shown to two decimals of 万元.
    return float(Money(fen).yuan / 10_000)


def export_projects(
    session: Session,
    *,
    path: Path | str,
    plan_year: int | None = None,
    task_forces: Sequence[str] | None = None,
) -> int:
    """Write every project (or those of ``task_forces``) in the import layout; returns how many."""
    pipeline = service.active_pipeline(session)
    plan_year = plan_year or date.today().year
    stmt = select(Project).options(selectinload(Project.stage_dates)).order_by(Project.code)
    if task_forces is not None:
        stmt = stmt.where(Project.task_force.in_(list(task_forces)))
    projects = list(session.scalars(stmt))
    plans = {
        pid: fen
        for pid, fen in session.execute(
            select(AnnualPlan.project_id, AnnualPlan.planned_fen).where(
                AnnualPlan.year == plan_year
            )
        )
    }
    page = {p.id: p for p in service.list_projects(session).items}
    header = [
        "项目编号",
        "项目名称",
        "投资方",
        "投资方信用代码",
        "行业代码",
        "产业链环节",
        "专班",
        "片区",
        "用地面积(平方米)",
        "空间",
        "计划总投资(万元)",
        "当前阶段",
        "本年计划投资(万元)",
        "责任人",
    ]
    for stage in pipeline.stages:
        header += [f"{stage.zh}日期", f"计划{stage.zh}日期"]
    header.append("低于500万元")
    workbook = xlsxwriter.Workbook(str(path))
    try:
        sheet = workbook.add_worksheet("重点项目")
        bold = workbook.add_format({"bold": True})
        day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        money = workbook.add_format({"num_format": "#,##0.00"})
        sheet.write_row(0, 0, header, bold)
        for r, project in enumerate(projects, start=1):
            read = page[project.id]
            values = [
                project.code,
                project.name,
                project.investor_name,
                read.investor_uscc or "",
                project.industry_code or "",
                project.chain_segment or "",
                project.task_force or "",
                project.sub_area or "",
                project.land_area_sqm,
                project.space or "",
            ]
            sheet.write_row(r, 0, values)
            sheet.write_number(r, 10, _wan(project.planned_investment_fen), money)
            sheet.write(r, 11, pipeline.stage(project.stage).zh)
            if project.id in plans:
                sheet.write_number(r, 12, _wan(plans[project.id]), money)
            sheet.write(r, 13, project.officer or "")
            dates = {d.stage: d for d in project.stage_dates}
            for i, stage in enumerate(pipeline.stages):
                row = dates.get(stage.key)
                col = 14 + 2 * i
                if row and row.actual_on:
                    sheet.write_datetime(r, col, _dt(row.actual_on), day)
                if row and row.planned_on:
                    sheet.write_datetime(r, col + 1, _dt(row.planned_on), day)
            sheet.write(r, len(header) - 1, "是" if project.below_fai_threshold else "")
        sheet.freeze_panes(1, 2)
        sheet.autofilter(0, 0, len(projects), len(header) - 1)
        sheet.set_column(0, 0, 12)
        sheet.set_column(1, 2, 32)
        sheet.set_column(3, 3, 22)
        sheet.set_column(4, len(header) - 1, 14)
    finally:
        workbook.close()
    return len(projects)


def _dt(day: date):
    from datetime import datetime

    return datetime(day.year, day.month, day.day)


def export_weekly(
    session: Session,
    *,
    path: Path | str,
    week_end: date,
    task_force: str | None = None,
    calendar: WorkCalendar | None = None,
) -> int:
    """The weekly progress report: one sheet of projects, one of overdue items."""
    report = reports.weekly_report(
        session, week_end=week_end, task_force=task_force, calendar=calendar
    )
    from yuanqu.registry.service import list_task_forces

    forces = {tf.code: tf.name_zh for tf in list_task_forces(session)}
    kinds = {"task": "任务", "problem": "问题", "milestone": "节点"}
    workbook = xlsxwriter.Workbook(str(path))
    try:
        bold = workbook.add_format({"bold": True})
        money = workbook.add_format({"num_format": "#,##0.00"})
        sheet = workbook.add_worksheet("项目周报")
        sheet.write(0, 0, f"重点项目周报 {report.week_start} 至 {report.week_end}", bold)
        header = [
            "项目编号",
            "项目名称",
            "专班",
            "当前阶段",
            "本周进展",
            "计划总投资(万元)",
            "本年计划(万元)",
            "本年完成(万元)",
            "未销号事项",
            "逾期事项",
            "本周销号",
        ]
        sheet.write_row(1, 0, header, bold)
        sheet.freeze_panes(2, 2)
        sheet.autofilter(1, 0, 1 + len(report.rows), len(header) - 1)
        sheet.set_column(0, 0, 12)
        sheet.set_column(1, 1, 32)
        sheet.set_column(2, 4, 18)
        sheet.set_column(5, len(header) - 1, 14)
        for r, row in enumerate(report.rows, start=2):
            sheet.write_row(
                r,
                0,
                [
                    row.code,
                    row.name,
                    forces.get(row.task_force, row.task_force) if row.task_force else "",
                    row.stage_name,
                    "；".join(row.stage_moves),
                ],
            )
            for c, fen in enumerate(
                (row.planned_investment_fen, row.year_plan_fen, row.year_actual_fen), start=5
            ):
                sheet.write_number(r, c, _wan(fen), money)
            sheet.write_row(r, 8, [row.open_items, row.overdue_items, row.closed_this_week])
        overdue = workbook.add_worksheet("逾期事项")
        overdue.write_row(
            0, 0, ["项目", "专班", "类型", "事项", "责任人", "截止日期", "逾期工作日"], bold
        )
        overdue.freeze_panes(1, 0)
        overdue.autofilter(0, 0, len(report.overdue), 6)
        overdue.set_column(0, 0, 32)
        overdue.set_column(1, 4, 18)
        overdue.set_column(5, 6, 12)
        for r, item in enumerate(report.overdue, start=1):
            overdue.write_row(
                r,
                0,
                [
                    item.project_name,
                    forces.get(item.task_force, item.task_force) if item.task_force else "",
                    kinds.get(item.kind, item.kind),
                    item.title,
                    item.owner,
                    item.due_on.isoformat(),
                    item.overdue_workdays,
                ],
            )
        for i, warning in enumerate(report.calendar_warnings):
            sheet.write(len(report.rows) + 3 + i, 0, warning)
    finally:
        workbook.close()
    return len(report.rows)
