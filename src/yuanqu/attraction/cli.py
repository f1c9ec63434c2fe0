"""`yuanqu leads ...`: task forces' leads, signing them into projects, and the funnel."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from yuanqu.attraction import importer, service
from yuanqu.core.db import cli_session
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
from yuanqu.projects import service as projects
from yuanqu.projects.permissions import Actor
from yuanqu.projects.reports import parse_span
from yuanqu.registry import service as registry

app = typer.Typer(help="Investment leads.", no_args_is_help=True)
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f")]
DateOpt = Annotated[str | None, typer.Option(help="YYYY-MM-DD (default today)")]


def _day(value: str | None) -> date:
    return parse_date(value) if value else date.today()


def _fen(wan: str) -> int:
    return wan_to_fen(wan, param="--investment")


@app.command("list")
def list_leads(
    task_force: Annotated[str | None, typer.Option("--task-force")] = None,
    stage: str | None = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Leads, per task force."""
    with cli_session() as session:
        rows = [
            r.model_dump(mode="json")
            for r in service.list_leads(session, task_force=task_force, stage=stage)
        ]
        forces = {tf.code: tf.name(lang()) for tf in registry.list_task_forces(session)}
    if fmt == OutputFormat.table:  # what a person reads: names, stages in words, 万元
        from yuanqu.attraction.models import LEAD_STAGE_NAMES

        en = lang() == "en"
        rows = [
            {
                "id": r["id"],
                "task_force": forces.get(r["task_force"], r["task_force"]),
                "prospect_name": r["prospect_name"],
                "stage": LEAD_STAGE_NAMES.get(r["stage"], (r["stage"], r["stage"]))[en],
                "contacted_on": r["contacted_on"],
                "expected_investment_fen": r["expected_investment_fen"],
                "next_action": r["next_action"],
                "next_action_on": r["next_action_on"],
            }
            for r in rows
        ]
    emit_rows(rows, fmt)


@app.command("add")
def add(
    task_force: str,
    prospect: str,
    source: Annotated[str, typer.Option(help="exhibition|referral|chain|agency|visit|...")],
    wan: Annotated[str, typer.Option("--investment", help="expected investment, 万元")] = "0",
    industry: str | None = None,
    chain_gap: Annotated[str | None, typer.Option("--chain-gap")] = None,
    uscc: str | None = None,
    contacted: DateOpt = None,
) -> None:
    """Add a lead at the contacted stage."""
    with cli_session() as session:
        lead = service.create_lead(
            session,
            actor=Actor.system(),
            task_force=task_force,
            prospect_name=prospect,
            source=source,
            contacted_on=_day(contacted),
            expected_investment_fen=_fen(wan),
            industry_code=industry,
            chain_gap=chain_gap,
            uscc=uscc,
        )
        ident = lead.id
    console.print(t(f"线索 #{ident} 已登记", f"lead #{ident} added"))


@app.command("move")
def move(
    lead_id: int,
    to: Annotated[str, typer.Argument(help="negotiating|intent|lost|contacted")],
    on: DateOpt = None,
    reason: str | None = None,
) -> None:
    """Move a lead (lost, back and revived need --reason); a linked project follows."""
    with cli_session() as session:
        lead = service.get_lead(session, lead_id=lead_id)
        service.move_lead(session, lead, actor=Actor.system(), to=to, on=_day(on), reason=reason)
    console.print(t(f"线索 #{lead_id}：{to}", f"lead #{lead_id}: {to}"))


@app.command("sign")
def sign(
    lead_id: int,
    on: DateOpt = None,
    wan: Annotated[str | None, typer.Option("--investment", help="signed investment, 万元")] = None,
    name: Annotated[str | None, typer.Option(help="project name")] = None,
) -> None:
    """Sign a lead: it becomes (or advances) its key project in one step."""
    with cli_session() as session:
        lead = service.get_lead(session, lead_id=lead_id)
        project = service.sign_lead(
            session,
            lead,
            actor=Actor.system(),
            signed_on=_day(on),
            planned_investment_fen=_fen(wan) if wan else None,
            project_name=name,
        )
        code = project.code
    console.print(
        t(f"线索 #{lead_id} 已签约，项目 {code}", f"lead #{lead_id} signed: project {code}")
    )


@app.command("link")
def link(lead_id: int, project: Annotated[str, typer.Argument(help="project id or code")]) -> None:
    """Join a lead to the project office's pre-signing project (one undertaking)."""
    with cli_session() as session:
        lead = service.get_lead(session, lead_id=lead_id)
        service.link_project(
            session, lead, projects.find_project(session, ref=project), actor=Actor.system()
        )
    console.print(t("已关联", "linked"))


@app.command("funnel")
def funnel(
    period: Annotated[str, typer.Argument(help="2023, 2023-06, 2023Q2 or 2023-01..2023-06")],
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Funnel and conversion per task force for leads first contacted in the period."""
    start, end = parse_span(period)
    with cli_session() as session:
        rows = [r.model_dump() for r in service.funnel(session, start=start, end=end)]
        forces = {tf.code: tf.name(lang()) for tf in registry.list_task_forces(session)}
    if fmt == OutputFormat.json:
        emit_json(rows)
        return
    for row in rows:
        row["conversion"] = f"{row['conversion']:.0%}" if row["conversion"] is not None else None
        if fmt == OutputFormat.table and row.get("task_force"):
            row["task_force"] = forces.get(row["task_force"], row["task_force"])
    from yuanqu.attraction.models import LEAD_STAGE_NAMES

    en = lang() == "en"
    headers = {stage: names[en] for stage, names in LEAD_STAGE_NAMES.items()}
    headers["conversion"] = t("签约转化率", "conversion")
    headers["signed_investment_fen"] = t("签约投资（元）", "signed investment (CNY)")
    emit_rows(rows, fmt, title=f"{start} .. {end}", headers=headers)


@app.command("member")
def member(
    task_force: str, user: str, name: str, leader: Annotated[bool, typer.Option()] = False
) -> None:
    """Add or update a task-force member."""
    with cli_session() as session:
        service.add_member(
            session,
            actor=Actor.system(),
            task_force=task_force,
            user=user,
            name=name,
            leader=leader,
        )
    console.print(t("已更新专班成员", "member saved"))


@app.command("cover")
def cover(task_force: str, industry: str) -> None:
    """Record an industry (GB/T 4754 code) a task force covers."""
    with cli_session() as session:
        service.cover_industry(
            session, actor=Actor.system(), task_force=task_force, industry_code=industry
        )
        summary = service.task_force_summary(session, lang=lang())
    emit_rows(
        [
            {**s, "members": len(s["members"]), "industries": ",".join(s["industries"])}
            for s in summary
        ],
        OutputFormat.table,
    )


@app.command("import")
def import_file(
    file: Path,
    errors: Annotated[Path | None, typer.Option(help="write bad rows to this xlsx/csv")] = None,
) -> None:
    """Import leads; any bad row: nothing is written, every bad row listed, exit 2."""
    try:
        with cli_session() as session:
            result = importer.import_leads(session, actor=Actor.system(), source=file)
    except ImportRejected as rejected:
        if errors is not None:
            write_error_report(rejected.errors, errors, lang=lang())
            err_console.print(t(f"错误报告已写入 {errors}", f"error report written to {errors}"))
        raise
    console.print(
        t(
            f"已导入 {result.created} 条线索，其中 {result.signed} 条已签约转为项目",
            f"imported {result.created} leads, {result.signed} signed into projects",
        )
    )


@app.command("show")
def show(lead_id: int) -> None:
    """One lead as JSON."""
    with cli_session() as session:
        lead = service.get_lead(session, lead_id=lead_id)
        data = service.LeadRead.model_validate(lead, from_attributes=True).model_dump(mode="json")
    emit_json(data)
