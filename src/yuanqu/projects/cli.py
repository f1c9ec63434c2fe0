"""`yuanqu projects ...`: the key-project list, stages, lists and reports on the command line."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from yuanqu.core.db import cli_session
from yuanqu.core.money import format_yuan
from yuanqu.core.periods import parse_date
from yuanqu.core.tabular import ImportRejected, write_error_report
from yuanqu.core.terminal import (
    OutputFormat,
    console,
    emit_json,
    emit_rows,
    err_console,
    lang,
    t,
    wan_to_fen,
)
from yuanqu.projects import export as exporter
from yuanqu.projects import importer, ledger, reports, service, stages
from yuanqu.projects.permissions import Actor

app = typer.Typer(help="Key projects.", no_args_is_help=True)
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f")]
#: What a stage marker makes a stage count as, in words (七个一批 reads the markers).
MARKER_NAMES = {
    "signed": ("签约", "Signed"),
    "started": ("开工", "Started"),
    "production": ("投产", "In production"),
    "full_production": ("达产", "At full production"),
}
DateOpt = Annotated[str | None, typer.Option(help="YYYY-MM-DD (default today)")]


def _day(value: str | None):
    from datetime import date

    return parse_date(value) if value else date.today()


def _yuan(fen: int) -> str:
    return format_yuan(fen, lang=lang())  # type: ignore[arg-type]


@app.command("list")
def list_projects(
    stage: Annotated[str | None, typer.Option(help="stage key or name")] = None,
    task_force: Annotated[str | None, typer.Option("--task-force")] = None,
    below_threshold: Annotated[
        bool | None, typer.Option("--below-threshold/--above-threshold", help="5 million yuan")
    ] = None,
    search: Annotated[str | None, typer.Option("--search", "-q")] = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """List key projects in pipeline order."""
    with cli_session() as session:
        page = service.list_projects(
            session,
            stage=stage,
            task_force=task_force,
            below_threshold=below_threshold,
            q=search,
            lang=lang(),
        )
        forces = _task_force_names(session)
    if fmt == OutputFormat.json:
        emit_json(page.model_dump(mode="json"))
        return
    rows = [
        {
            "code": p.code,
            "name": p.name,
            "investor": p.investor_name,
            "task_force": forces.get(p.task_force, p.task_force) if p.task_force else None,
            "stage": p.stage_name,
            "since": p.stage_since,
            "investment": p.planned_investment + (" *" if p.below_fai_threshold else ""),
        }
        for p in page.items
    ]
    emit_rows(rows, fmt, title=t(f"共 {page.total} 个项目", f"{page.total} projects"))


def _task_force_names(session) -> dict[str, str]:
    """Task-force code -> name in the reader's language (a table shows names, not codes)."""
    from yuanqu.registry.service import list_task_forces

    return {tf.code: tf.name(lang()) for tf in list_task_forces(session)}


@app.command("show")
def show(
    ref: Annotated[str, typer.Argument(help="id or code")], fmt: FormatOpt = OutputFormat.table
) -> None:
    """One project: stage timeline (planned vs actual), plans, investment, open items."""
    with cli_session() as session:
        project = service.find_project(session, ref=ref)
        detail = service.project_detail(session, project_id=project.id, lang=lang())
    if fmt == OutputFormat.json:
        emit_json(detail.model_dump(mode="json"))
        return
    console.print(f"[bold]{detail.code} {detail.name}[/]  {detail.investor_name}")
    console.print(
        f"  {detail.stage_name} · {detail.planned_investment} · "
        + t(f"未销号事项 {detail.open_items}", f"open items {detail.open_items}")
    )
    # The table names each stage (the JSON above keeps its key).
    timeline = [s.model_dump(exclude={"stage"}) for s in detail.stages]
    emit_rows(timeline, OutputFormat.table, headers={"name": t("阶段", "stage")})


@app.command("stage")
def stage(
    ref: Annotated[str, typer.Argument(help="id or code")],
    to: Annotated[str, typer.Argument(help="target stage (key or name)")],
    on: DateOpt = None,
    reason: Annotated[str | None, typer.Option(help="required when going back")] = None,
    waiver: Annotated[str | None, typer.Option(help="officer's reason to pass open items")] = None,
) -> None:
    """Move a project to another stage (validated and audited)."""
    with cli_session() as session:
        project = service.find_project(session, ref=ref)
        stages.move_stage(
            session, project, actor=Actor.system(), to=to, on=_day(on), reason=reason, waiver=waiver
        )
        name = service.active_pipeline(session).stage(project.stage).name(lang())
    console.print(t(f"{ref} 已进入 {name}", f"{ref} is now at {name}"))


@app.command("plan")
def plan(
    ref: str,
    stage_key: Annotated[str, typer.Argument(metavar="STAGE")],
    planned_on: Annotated[str, typer.Argument(metavar="DATE")],
) -> None:
    """Set the planned date of a stage."""
    with cli_session() as session:
        project = service.find_project(session, ref=ref)
        stages.plan_stage(
            session,
            project,
            actor=Actor.system(),
            stage=stage_key,
            planned_on=parse_date(planned_on),
        )
    console.print(t("已更新计划日期", "planned date set"))


@app.command("invest")
def invest(
    ref: str,
    period: Annotated[str, typer.Argument(help="YYYY-MM")],
    wan: Annotated[str, typer.Argument(help="investment completed that month, 万元")],
) -> None:
    """Record the investment a project completed in one month (in 万元)."""

    fen = wan_to_fen(wan, param="WAN")
    with cli_session() as session:
        project = service.find_project(session, ref=ref)
        stages.record_investment(
            session, project, actor=Actor.system(), period=period, actual_fen=fen
        )
    console.print(t(f"{period} 完成投资 {_yuan(fen)}", f"{period}: {_yuan(fen)} invested"))


@app.command("item")
def item(
    ref: str,
    title: str,
    owner: Annotated[str, typer.Option(help="责任人 or unit")],
    workdays: Annotated[int, typer.Option(help="time limit in working days")],
    kind: Annotated[str, typer.Option(help="task|problem|milestone")] = "task",
    category: Annotated[str, typer.Option(help="land|permit|power|financing|...")] = "other",
    opened: DateOpt = None,
) -> None:
    """Add a task or problem to a project's list; its deadline counts working days."""
    with cli_session() as session:
        project = service.find_project(session, ref=ref)
        row = ledger.open_item(
            session,
            project,
            actor=Actor.system(),
            kind=kind,
            category=category,
            title=title,
            owner=owner,
            opened_on=_day(opened),
            workdays=workdays,
        )
        due, ident = row.due_on, row.id
    console.print(t(f"事项 #{ident}，截止 {due}", f"item #{ident}, due {due}"))


@app.command("close")
def close(
    item_id: int,
    resolution: Annotated[str, typer.Option(help="how it was resolved (required)")],
    on: DateOpt = None,
) -> None:
    """Close an item (销号): only with its resolution and date."""
    with cli_session() as session:
        row, project = ledger.get_item(session, item_id=item_id)
        ledger.close_item(
            session, row, project, actor=Actor.system(), resolution=resolution, closed_on=_day(on)
        )
    console.print(t(f"事项 #{item_id} 已销号", f"item #{item_id} closed"))


@app.command("overdue")
def overdue(
    as_of: DateOpt = None,
    by: Annotated[str | None, typer.Option(help="owner|task_force")] = None,
    owner: str | None = None,
    task_force: Annotated[str | None, typer.Option("--task-force")] = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Items past their deadline, not closed."""
    day = _day(as_of)
    with cli_session() as session:
        if by:
            groups = ledger.overdue_by(session, as_of=day, by=by)
            if fmt == OutputFormat.json:
                emit_json({k: [i.model_dump(mode="json") for i in v] for k, v in groups.items()})
                return
            emit_rows([{"group": k, "overdue": len(v)} for k, v in groups.items()], fmt)
            return
        items = ledger.overdue_items(session, as_of=day, owner=owner, task_force=task_force)
    rows = [
        i.model_dump(include={"id", "project_name", "title", "owner", "due_on", "overdue_workdays"})
        for i in items
    ]
    emit_rows(rows, fmt, title=t(f"截至 {day} 逾期事项", f"overdue as of {day}"))


@app.command("batches")
def batches(
    period: Annotated[str, typer.Argument(help="2023, 2023-06, 2023Q2 or 2023-01..2023-06")],
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """The seven batches (七个一批): projects and investment per stage reached, vs targets."""
    start, end = reports.parse_span(period)
    with cli_session() as session:
        report = reports.seven_batches(session, start=start, end=end, lang=lang())
    if fmt == OutputFormat.json:
        emit_json(report.model_dump(mode="json"))
        return
    rows = [
        {
            "batch": b.name,
            "projects": b.projects,
            "investment": _yuan(b.investment_fen),
            "ytd": b.ytd_projects,
            "target": b.target_projects,
            "rate": f"{b.projects_rate:.0%}" if b.projects_rate is not None else None,
        }
        for b in report.batches
    ]
    emit_rows(
        rows,
        fmt,
        title=t(
            f"{start} 至 {end}：七个一批共 {report.tracked_projects} 个项目，"
            f"计划总投资 {_yuan(report.tracked_investment_fen)}",
            f"{start} to {end}: {report.tracked_projects} projects in the seven batches, "
            f"{_yuan(report.tracked_investment_fen)} planned",
        ),
    )


@app.command("board")
def board(
    task_force: Annotated[str | None, typer.Option("--task-force")] = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Projects and investment in each stage now."""
    with cli_session() as session:
        rows = [c.model_dump() for c in reports.board(session, task_force=task_force, lang=lang())]
    emit_rows(rows, fmt)


@app.command("target")
def target(
    year: int,
    stage_key: Annotated[str, typer.Argument(metavar="STAGE")],
    projects: int,
    wan: Annotated[str, typer.Argument(help="investment target, 万元")],
) -> None:
    """Set the year's target for a batch (stage): number of projects and investment in 万元."""

    with cli_session() as session:
        reports.set_batch_target(
            session,
            actor=Actor.system(),
            year=year,
            stage=stage_key,
            projects=projects,
            investment_fen=wan_to_fen(wan, param="WAN"),
        )
    console.print(t("目标已设定", "target set"))


@app.command("pipeline")
def pipeline(
    load: Annotated[Path | None, typer.Option(help="YAML file to make the zone's pipeline")] = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Show the zone's stage pipeline, or load a new one from YAML."""
    with cli_session() as session:
        if load is not None:
            service.load_pipeline(
                session, actor=Actor.system(), text=load.read_text("utf-8"), source=load.name
            )
        current = service.active_pipeline(session).to_dict(lang())
    if fmt == OutputFormat.json:
        emit_json(current)
        return
    # The table names each stage and what it counts as; the keys stay in the JSON.
    counts_as: dict[str, list[str]] = {}
    for marker, key in current["markers"].items():
        counts_as.setdefault(key, []).append(t(*MARKER_NAMES.get(marker, (marker, marker))))
    rows = [
        {
            "order": s["index"] + 1,
            "name": s["name"],
            "counts_as": "、".join(counts_as.get(s["key"], [])),
        }
        for s in current["stages"]
    ]
    heads = {
        "order": t("顺序", "order"),
        "name": t("阶段", "stage"),
        "counts_as": t("计为", "counts as"),
    }
    emit_rows(rows, OutputFormat.table, title=t("项目阶段", "project stages"), headers=heads)


@app.command("import")
def import_file(
    file: Path,
    plan_year: Annotated[int | None, typer.Option(help="year of the 本年计划投资 column")] = None,
    errors: Annotated[Path | None, typer.Option(help="write bad rows to this xlsx/csv")] = None,
) -> None:
    """Import a project list; any bad row: nothing is written, every bad row listed, exit 2."""
    try:
        with cli_session() as session:
            result = importer.import_projects(
                session, actor=Actor.system(), source=file, plan_year=plan_year
            )
    except ImportRejected as rejected:
        if errors is not None:
            write_error_report(rejected.errors, errors, lang=lang())
            err_console.print(t(f"错误报告已写入 {errors}", f"error report written to {errors}"))
        raise
    console.print(t(f"已导入 {result.created} 个项目", f"imported {result.created} projects"))


class ExportLayout(StrEnum):
    report = "report"
    canonical = "canonical"


@app.command("export")
def export(
    file: Path,
    weekly: Annotated[
        str | None, typer.Option(help="write the weekly report for the week ending this date")
    ] = None,
    plan_year: Annotated[int | None, typer.Option()] = None,
    task_force: Annotated[str | None, typer.Option("--task-force")] = None,
    layout: Annotated[
        ExportLayout,
        typer.Option(
            "--format",
            "-f",
            help="report (default: for people) or canonical (the import layout, re-importable)",
        ),
    ] = ExportLayout.report,
) -> None:
    """Export the project list (a report; --format canonical to re-import) or the weekly report."""
    with cli_session() as session:
        if weekly:
            n = exporter.export_weekly(
                session, path=file, week_end=parse_date(weekly), task_force=task_force
            )
        else:
            n = exporter.export_projects(
                session,
                path=file,
                plan_year=plan_year,
                task_forces=[task_force] if task_force else None,
                layout=layout.value,
                lang=lang(),
            )
    console.print(t(f"已导出 {n} 个项目到 {file}", f"exported {n} projects to {file}"))


@app.command("history")
def history(ref: str, fmt: FormatOpt = OutputFormat.table) -> None:
    """The project's audit trail, starting with its lead's."""
    with cli_session() as session:
        project = service.find_project(session, ref=ref)
        rows = [r.to_dict() for r in service.project_history(session, project_id=project.id)]
    if fmt == OutputFormat.table:
        for row in rows:
            row.pop("before")
            row["after"] = str(row["after"])[:60]
    emit_rows(rows, fmt)
