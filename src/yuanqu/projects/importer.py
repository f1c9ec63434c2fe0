"""Importing the project list from xlsx or CSV as the project office keeps it: all rows or none.

Cells are parsed first (every bad cell reported); then each row goes through the same service
call a person would make (:func:`yuanqu.projects.service.create_project`), inside a savepoint, so
every rule (stage order, no start before signing, known task force, valid credit code) is checked
once, in one place. Any bad row rejects the file and the caller's unit of work rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from yuanqu.core.errors import YuanquError
from yuanqu.core.tabular import (
    CellError,
    Column,
    ErrorList,
    ImportRejected,
    RowContext,
    RowError,
    map_headers,
    parse_amount_fen,
    parse_date_cell,
    parse_int,
    parse_text,
    read_table,
)
from yuanqu.projects import service, stages
from yuanqu.projects.permissions import Actor
from yuanqu.projects.pipeline import Pipeline

BASE_COLUMNS = (
    Column("code", ("项目编号", "编号")),
    Column("name", ("项目名称", "名称", "project"), required=True),
    Column("investor", ("投资方", "投资主体", "investor_name"), required=True),
    Column("uscc", ("投资方信用代码", "统一社会信用代码", "信用代码")),
    Column("industry_code", ("行业代码", "industry")),
    Column("chain_segment", ("产业链环节", "链条环节", "chain")),
    Column("task_force", ("专班", "产业专班")),
    Column("sub_area", ("片区", "所属片区")),
    Column("land_area_sqm", ("用地面积(平方米)", "用地面积", "land")),
    Column("space", ("空间", "厂房", "载体")),
    Column(
        "planned_investment",
        ("计划总投资(元)", "planned_investment_yuan"),
        required=False,
        unit_aliases={
            "计划总投资(万元)": 10_000,
            "计划总投资": 10_000,
            "总投资(万元)": 10_000,
            "计划总投资(亿元)": 100_000_000,
        },
    ),
    Column("stage", ("当前阶段", "阶段", "项目阶段"), required=True),
    Column("year_plan", ("本年计划投资(元)",), unit_aliases={"本年计划投资(万元)": 10_000}),
    Column("officer", ("责任人", "项目负责人")),
    # Written by the export for readers; derived from the investment, so ignored on import.
    Column("below_threshold", ("低于500万元",)),
)


def columns_for(pipeline: Pipeline) -> tuple[Column, ...]:
    """The base columns plus an actual and a planned date column per stage of the pipeline."""
    stage_columns = []
    for stage in pipeline.stages:
        stage_columns.append(
            Column(f"actual:{stage.key}", (f"{stage.zh}日期", f"{stage.key}_on", f"{stage.zh}时间"))
        )
        stage_columns.append(
            Column(f"planned:{stage.key}", (f"计划{stage.zh}日期", f"planned_{stage.key}_on"))
        )
    return (*BASE_COLUMNS, *stage_columns)


@dataclass
class ProjectImportResult:
    rows: int
    created: int
    source: str = ""


def import_projects(
    session: Session,
    *,
    actor: Actor,
    source: Path | str | bytes,
    filename: str | None = None,
    plan_year: int | None = None,
    today: date | None = None,
) -> ProjectImportResult:
    """Read, validate and create every project of the file, or none (ImportRejected)."""
    today = today or date.today()
    plan_year = plan_year or today.year
    table = read_table(source, filename=filename)
    pipeline = service.active_pipeline(session)
    columns = map_headers(table.header, columns_for(pipeline))
    errors = ErrorList()
    parsed: list[tuple[int, dict[str, Any]]] = []
    seen_codes: dict[str, int] = {}
    for offset, values in enumerate(table.rows):
        number = offset + 2
        ctx = RowContext(number, values, columns, errors)
        before = len(errors)
        row = _parse_row(ctx, pipeline, today)
        code = row["code"]
        if code:
            if code in seen_codes:
                ctx.fail(
                    "code",
                    code,
                    f"与第 {seen_codes[code]} 行重复",
                    f"repeats row {seen_codes[code]}",
                )
            seen_codes.setdefault(code, number)
        if len(errors) == before:
            parsed.append((number, row))
    created = 0
    # Rows whose cells parsed still go through the service rules, so the report lists every bad
    # row at once; an outer savepoint undoes the good ones when any row is bad.
    outer = session.begin_nested()
    for number, row in parsed:
        year_plan = row.pop("year_plan")
        try:
            with session.begin_nested():
                project = service.create_project(session, actor=actor, today=today, **row)
                if year_plan is not None:
                    stages.set_annual_plan(
                        session, project, actor=actor, year=plan_year, planned_fen=year_plan
                    )
            created += 1
        except YuanquError as exc:
            errors.append(RowError(number, "", row.get("name") or "", exc.zh, exc.en))
    if errors:
        outer.rollback()
        raise ImportRejected(errors.sorted_by_row())
    outer.commit()
    return ProjectImportResult(rows=len(parsed), created=created, source=table.source)


def _parse_stage(pipeline: Pipeline):
    def parse(value: Any) -> str:
        try:
            return pipeline.find(str(value)).key
        except YuanquError as exc:
            raise CellError(exc.zh, exc.en) from None

    return parse


def _parse_row(ctx: RowContext, pipeline: Pipeline, today: date) -> dict[str, Any]:
    def text(field: str, n: int, required: bool = False) -> str | None:
        return ctx.cell(field, parse_text, required=required, max_length=n) or None

    actual: dict[str, date] = {}
    planned: dict[str, date] = {}
    for stage in pipeline.stages:
        on = ctx.cell(f"actual:{stage.key}", parse_date_cell, latest=today)
        if on is not None:
            actual[stage.key] = on
        plan = ctx.cell(f"planned:{stage.key}", parse_date_cell)
        if plan is not None:
            planned[stage.key] = plan
    stage = ctx.cell("stage", _parse_stage(pipeline), required=True)
    if stage and stage not in actual:
        ctx.fail(
            "stage",
            stage,
            f"缺少当前阶段（{pipeline.stage(stage).zh}）的日期列",
            f"the current stage ({pipeline.stage(stage).en}) needs its date column",
        )
    return {
        "code": text("code", 40),
        "name": text("name", 200, True),
        "investor_name": text("investor", 200, True),
        "uscc": text("uscc", 18),
        "industry_code": text("industry_code", 10),
        "chain_segment": text("chain_segment", 80),
        "task_force": text("task_force", 40),
        "sub_area": text("sub_area", 60),
        "land_area_sqm": ctx.cell("land_area_sqm", parse_int),
        "space": text("space", 200),
        "planned_investment_fen": ctx.cell("planned_investment", parse_amount_fen) or 0,
        "stage": stage,
        "stage_dates": actual,
        "planned_dates": planned,
        "year_plan": ctx.cell("year_plan", parse_amount_fen),
        "officer": text("officer", 100),
    }
