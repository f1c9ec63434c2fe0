"""The project list and the weekly progress report as xlsx.

The project list is a report for people by default (headers in the reader's language with units,
names beside codes, one unit per column); ``layout="canonical"`` is the import layout, which
re-imports as it is.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import xlsxwriter
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from yuanqu.core.industry import industry_catalog
from yuanqu.core.money import Money
from yuanqu.core.report_xlsx import ReportColumn, ReportSheet, write_report
from yuanqu.core.workdays import WorkCalendar
from yuanqu.projects import reports, service
from yuanqu.projects.models import AnnualPlan, Project


def _wan(fen: int) -> float:
    # xlsx cells are binary floats by nature; the value is shown to two decimals of 万元.
    return float(Money(fen).yuan / 10_000)


ExportLayout = Literal["report", "canonical"]


def export_projects(
    session: Session,
    *,
    path: Path | str,
    plan_year: int | None = None,
    task_forces: Sequence[str] | None = None,
    layout: ExportLayout = "report",
    lang: str = "zh",
) -> int:
    """Write every project (or those of ``task_forces``); returns how many.

    The default is a report for people in ``lang``; ``canonical`` is the import layout.
    """
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
    if layout == "report":
        return _write_report(session, projects, plans, path, plan_year, lang)
    return _write_canonical(session, projects, plans, path)


def report_columns(session: Session, plan_year: int, lang: str) -> list[ReportColumn]:
    """The project report's columns: what a person reads, each with its unit."""
    en = lang == "en"
    columns = [
        ReportColumn("Project code" if en else "项目编号", "text", 12),
        ReportColumn("Project" if en else "项目名称", "text", 36),
        ReportColumn("Investor" if en else "投资方", "text", 32),
        ReportColumn("Investor's credit code" if en else "投资方统一社会信用代码", "text", 22),
        ReportColumn("Industry (GB/T 4754)" if en else "所属行业（国民经济行业分类）", "text", 30),
        ReportColumn("Chain segment" if en else "产业链环节", "text", 18),
        ReportColumn("Task force" if en else "产业专班", "text", 24),
        ReportColumn("Sub-area" if en else "片区", "text", 12),
        ReportColumn("Land area (m²)" if en else "用地面积（平方米）", "int", 14),
        ReportColumn("Space" if en else "载体空间", "text", 18),
        ReportColumn("Planned investment (CNY 10k)" if en else "计划总投资（万元）", "amount", 16),
        ReportColumn("Stage" if en else "当前阶段", "text", 10),
        ReportColumn(
            f"Planned investment {plan_year} (CNY 10k)" if en else f"{plan_year}年计划投资（万元）",
            "amount",
            16,
        ),
        ReportColumn("Officer" if en else "责任人", "text", 12),
    ]
    for stage in service.active_pipeline(session).stages:
        name = stage.name(lang)
        columns += [
            ReportColumn(f"{name}: date" if en else f"{name}日期", "date", 12),
            ReportColumn(f"{name}: planned date" if en else f"计划{name}日期", "date", 12),
        ]
    columns.append(
        ReportColumn("Below CNY 5 million" if en else "低于500万元", "text", 12),
    )
    return columns


def _write_report(
    session: Session,
    projects: list[Project],
    plans: dict[int, int],
    path: Path | str,
    plan_year: int,
    lang: str,
) -> int:
    from yuanqu.registry.service import list_task_forces

    en = lang == "en"
    pipeline = service.active_pipeline(session)
    catalog = industry_catalog()
    forces = {tf.code: tf.name(lang) for tf in list_task_forces(session)}
    investors = {p.id: p.investor_uscc for p in service.list_projects(session).items}

    def industry(code: str | None) -> str | None:
        found = catalog.find(code) if code else None
        return f"{code} {found.label(lang)}" if found else code

    def rows() -> Iterator[tuple[Any, ...]]:
        for project in projects:
            dates = {d.stage: d for d in project.stage_dates}
            stage_cells: list[date | None] = []
            for stage in pipeline.stages:
                row = dates.get(stage.key)
                stage_cells += [row.actual_on if row else None, row.planned_on if row else None]
            planned = plans.get(project.id)
            yield (
                project.code,
                project.name,
                project.investor_name,
                investors.get(project.id),
                industry(project.industry_code),
                project.chain_segment,
                forces.get(project.task_force, project.task_force) if project.task_force else None,
                project.sub_area,
                project.land_area_sqm,
                project.space,
                _wan_exact(project.planned_investment_fen),
                pipeline.stage(project.stage).name(lang),
                None if planned is None else _wan_exact(planned),
                project.officer,
                *stage_cells,
                ("yes" if en else "是") if project.below_fai_threshold else ("no" if en else "否"),
            )

    sheet = ReportSheet(
        "Key projects" if en else "重点项目", report_columns(session, plan_year, lang), rows()
    )
    return write_report(path, [sheet])[0]


def _wan_exact(fen: int) -> Decimal:
    return Decimal(fen) / 1_000_000  # fen -> 万元


def _write_canonical(
    session: Session, projects: list[Project], plans: dict[int, int], path: Path | str
) -> int:
    """The import layout: the importer's Chinese headers, re-importable as it is."""
    pipeline = service.active_pipeline(session)
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
