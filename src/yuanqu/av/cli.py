"""`yuanqu av ...`: import the test records, list permits, move a permit, the annual report."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from yuanqu.av import permits as workflow
from yuanqu.av import report as reports
from yuanqu.av import service, views
from yuanqu.av.importer import ImportKind, import_records
from yuanqu.core.db import cli_session
from yuanqu.core.errors import ValidationError
from yuanqu.core.tabular import ImportRejected, write_error_report
from yuanqu.core.terminal import OutputFormat, console, emit_json, emit_rows, err_console, lang, t

app = typer.Typer(help="The autonomous-driving test zone.", no_args_is_help=True)
WINDOWS = (30, 60, 90)


def _day(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            f"日期应写作 YYYY-MM-DD：{text}", f"a date is written YYYY-MM-DD: {text}"
        ) from None


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="xlsx or csv: canonical columns or the DMV's")],
    kind: Annotated[ImportKind, typer.Option(help="mileage or disengagements")],
    replace: Annotated[bool, typer.Option(help="replace kilometres imported before")] = False,
    errors: Annotated[Path | None, typer.Option(help="write the bad rows to xlsx/csv")] = None,
) -> None:
    """Import monthly kilometres or disengagements (all rows or none, every bad cell named)."""
    try:
        with cli_session() as session:
            result = import_records(
                session, source=file, kind=kind, today=date.today(), replace=replace
            )
    except ImportRejected as rejected:
        if errors is not None:
            write_error_report(rejected.errors, errors, lang=lang())
            err_console.print(t(f"错误清单已写入 {errors}", f"errors written to {errors}"))
        raise
    console.print(
        t(
            f"已导入 {result.rows:,} 行（新增 {result.created:,}，替换 {result.replaced:,}）",
            f"imported {result.rows:,} rows ({result.created:,} new, {result.replaced:,} replaced)",
        )
    )


@app.command("permits")
def permits_cmd(
    expiring: Annotated[
        int | None, typer.Option(help="only permits ending within 30, 60 or 90 days")
    ] = None,
    status: Annotated[
        str | None, typer.Option(help="active, suspended, revoked or expired")
    ] = None,
    today: Annotated[str | None, typer.Option(help="count days from this date")] = None,
    page: Annotated[int, typer.Option(min=1)] = 1,
    page_size: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """The permits (soonest end first), with their true total."""
    if expiring is not None and expiring not in WINDOWS:
        raise ValidationError(
            "--expiring 只能是 30、60 或 90", "--expiring is 30, 60 or 90", code="bad_option"
        )
    if status is not None and status not in ("active", "suspended", "revoked", "expired"):
        raise ValidationError(
            "--status 只能是 active、suspended、revoked 或 expired",
            "--status is active, suspended, revoked or expired",
            code="bad_option",
        )
    day = _day(today)
    with cli_session() as session:
        if expiring is not None:
            total, rows = service.expiring_permits(
                session, today=day, within_days=expiring, page=page, page_size=page_size
            )
        else:
            total, rows = service.list_permits(
                session, today=day, status=status, page=page, page_size=page_size
            )
        names = views.firm_names(session, {r.uscc for r in rows})
    items = [views.permit_item(r, lang(), names) for r in rows]
    if fmt == OutputFormat.json:
        emit_json({"total": total, "page": page, "page_size": page_size, "items": items})
        return
    emit_rows(
        [views.permit_cells(i, lang()) for i in items],
        fmt,
        title=t("测试牌照", "test permits"),
    )
    if fmt == OutputFormat.table:
        console.print(views.page_note(total, page, page_size, len(rows), lang()))


@app.command("permit")
def permit_cmd(
    move: Annotated[str, typer.Argument(help="issue, renew, suspend, reinstate or revoke")],
    target: Annotated[str, typer.Argument(help="issue: the VIN; otherwise the permit number")],
    stage: Annotated[str | None, typer.Option(help="issue: the stage")] = None,
    scenario: Annotated[str | None, typer.Option(help="issue: the scenario it licenses")] = None,
    until: Annotated[str | None, typer.Option(help="the last valid day (YYYY-MM-DD)")] = None,
    reason: Annotated[str | None, typer.Option(help="suspend, reinstate, revoke: why")] = None,
    on: Annotated[str | None, typer.Option(help="the day of the move (default today)")] = None,
    actor: Annotated[str, typer.Option(help="who decides (written in the audit log)")] = "cli",
) -> None:
    """Move a permit through its workflow; every move is written to the audit log."""
    day = _day(on)
    last = _day(until) if until else None
    with cli_session() as session:
        if move == "issue":
            if stage not in views.STAGE_KEYS:
                raise ValidationError(
                    f"--stage 应为：{', '.join(views.STAGE_KEYS)}",
                    f"--stage is one of: {', '.join(views.STAGE_KEYS)}",
                    code="bad_option",
                )
            permit = workflow.issue(
                session,
                vin=target,
                stage=stage,
                on=day,
                actor=actor,
                valid_until=last,
                scenario=scenario,
            )
        elif move == "renew":
            permit = workflow.renew(
                session, permit_no=target, on=day, actor=actor, valid_until=last
            )
        elif move in ("suspend", "reinstate", "revoke"):
            permit = getattr(workflow, move)(
                session, permit_no=target, on=day, actor=actor, reason=reason
            )
        else:
            raise ValidationError(
                "操作应为 issue、renew、suspend、reinstate 或 revoke",
                "the move is issue, renew, suspend, reinstate or revoke",
                code="bad_option",
            )
        console.print(
            t(
                f"牌照 {permit.permit_no}：{views.status_word(permit.status, 'zh')}，"
                f"有效期 {permit.valid_from} 至 {permit.valid_until}",
                f"permit {permit.permit_no}: {views.status_word(permit.status, 'en')}, valid "
                f"{permit.valid_from} to {permit.valid_until}",
            )
        )


@app.command("report")
def report_cmd(
    year: Annotated[int | None, typer.Option(help="default: the latest year on record")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """The annual road-test report: subjects, vehicles, kilometres, disengagements by firm."""
    if year is not None and not 2000 <= year <= 2100:
        raise ValidationError(f"年份不合理：{year}", f"not a plausible year: {year}")
    with cli_session() as session:
        year = year or reports.latest_year(session) or date.today().year
        result = reports.annual_report(session, year=year)
    if fmt == OutputFormat.json:
        emit_json(reports.summary(result))
        return
    rows = [views.subject_cells(s, lang()) for s in result["by_subject"]]
    emit_rows(rows, fmt, title=t(f"{year} 年道路测试报告", f"road tests {year}"))
    if fmt == OutputFormat.table:
        console.print(views.headline(result, lang()))
