"""`yuanqu service ...`: import 12345 exports, list requests, the yearly report, units."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from yuanqu.core.auth import Principal, Role
from yuanqu.core.db import cli_session
from yuanqu.core.errors import ValidationError
from yuanqu.core.tabular import ImportRejected, write_error_report
from yuanqu.core.terminal import OutputFormat, console, emit_json, emit_rows, err_console, lang, t
from yuanqu.service import catalogue, importer, report, units
from yuanqu.service.models import RequestStatus
from yuanqu.service.queries import RequestFilter, is_overdue, list_requests
from yuanqu.service.requests import iso, local_now
from yuanqu.service.transitions import overdue_by_unit

app = typer.Typer(help="The enterprise service desk (接诉即办).", no_args_is_help=True)
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f")]
DESK = Principal(0, "cli:service", Role.admin)


@contextmanager
def one_line() -> Iterator[None]:
    """A usage mistake is one line (the message without its details) and exit 2."""
    try:
        yield
    except ImportRejected:
        raise
    except ValidationError as error:
        raise ValidationError(error.zh, error.en, code=error.code) from None


def _year(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or not 2000 <= int(value) <= 2100:
        raise ValidationError(
            f"--year 应为 2000 到 2100 之间的年份，而不是 {value!r}",
            f"--year must be a year from 2000 to 2100, not {value!r}",
        )
    return int(value)


@app.command("import")
def import_file(
    file: Path,
    errors: Annotated[Path | None, typer.Option(help="write bad rows to this xlsx/csv")] = None,
) -> None:
    """Import a 12345 export (xlsx/CSV): every row or none; bad rows listed, exit 2."""
    try:
        with cli_session() as session:
            result = importer.import_requests(session, actor=DESK, source=file)
    except ImportRejected as rejected:
        if errors is not None:
            write_error_report(rejected.errors, errors, lang=lang())
            err_console.print(t(f"错误报告已写入 {errors}", f"error report written to {errors}"))
        raise
    states = "，".join(
        f"{catalogue.name(RequestStatus, s, lang())} {n}"
        for s, n in sorted(result.by_status.items())
    )
    console.print(
        t(f"已导入 {result.created} 条诉求（{states}）", f"imported {result.created} requests")
    )


@app.command("list")
def list_cmd(
    status: Annotated[str | None, typer.Option(help="state: code or Chinese name")] = None,
    unit: Annotated[str | None, typer.Option(help="owning or assisting unit: code or name")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="only requests past due")] = False,
    year: Annotated[str | None, typer.Option(help="received in this year")] = None,
    limit: Annotated[
        int | None, typer.Option(help="at most this many (default: all for json, 50 shown)")
    ] = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Requests, newest first: ticket, state, type, urgency, received, due, overdue."""
    with one_line():
        filters = RequestFilter(status=status, unit=unit, overdue=overdue, year=_year(year))
        size = limit or (50 if fmt == OutputFormat.table else 1_000_000)
        with cli_session() as session:
            page = list_requests(session, principal=DESK, filters=filters, page_size=size)
    now = local_now()
    rows = [
        {
            "ticket_no": r.ticket_no,
            "status": r.status,
            "type": r.type,
            "urgency": r.urgency,
            "received_at": iso(r.received_at),
            "due_at": iso(r.due_at),
            "overdue": is_overdue(r, now),
        }
        for r in page.items
    ]
    if fmt != OutputFormat.table:
        emit_rows(rows, fmt)
        return
    language = lang()
    shown = [
        {
            "ticket_no": r["ticket_no"],
            "status": catalogue.name(RequestStatus, r["status"], language),
            "type": catalogue.name(catalogue.RequestType, r["type"], language),
            "urgency": catalogue.name(catalogue.Urgency, r["urgency"], language),
            "received": r["received_at"].replace("T", " ")[:16],
            "due": r["due_at"].replace("T", " ")[:16],
            "overdue": t("超期", "late") if r["overdue"] else "",
        }
        for r in rows
    ]
    title = (
        t(f"显示 {len(rows)} 条，共 {page.total} 条", f"{len(rows)} of {page.total} shown")
        if page.total > len(rows)
        else t(f"共 {page.total} 条诉求", f"{page.total} requests")
    )
    heads = {
        "ticket_no": t("工单编号", "ticket"),
        "status": t("状态", "state"),
        "type": t("类型", "type"),
        "urgency": t("紧急程度", "urgency"),
        "received": t("受理时间", "received"),
        "due": t("办理期限", "due"),
        "overdue": t("超期", "late"),
    }
    emit_rows(shown, fmt, title=title, headers=heads)


@app.command("report")
def report_cmd(
    year: Annotated[str, typer.Option(help="the year the requests were received")],
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """The year's rates (响应率, 解决率, 满意率), closed share, overdue, by unit and type."""
    with one_line():
        wanted = _year(year)
        assert wanted is not None
        with cli_session() as session:
            data = report.yearly_report(session, year=wanted, lang=lang())
    if fmt == OutputFormat.json:
        emit_json({key: data[key] for key in report.CLI_KEYS})
        return

    def pct(value: float | None) -> str:
        return "—" if value is None else f"{value:.1f}%"

    console.print(
        t(
            f"{wanted} 年受理诉求 {data['tickets']} 件，办结 {data['closed']} 件"
            f"（{pct(data['closed_pct'])}），"
            f"响应率 {pct(data['response_rate_pct'])}，解决率 {pct(data['resolution_rate_pct'])}，"
            f"满意率 {pct(data['satisfaction_rate_pct'])}，超期 {data['overdue']} 件",
            f"{wanted}: {data['tickets']} requests, {data['closed']} closed "
            f"({pct(data['closed_pct'])}), response {pct(data['response_rate_pct'])}, "
            f"resolution {pct(data['resolution_rate_pct'])}, satisfaction "
            f"{pct(data['satisfaction_rate_pct'])}, {data['overdue']} overdue",
        )
    )
    for title, rows in (
        (t("按承办单位", "by unit"), data["by_unit"]),
        (t("按诉求类型", "by type"), data["by_type"]),
    ):
        emit_rows(
            [
                {
                    "name": r["name"],
                    "tickets": r["tickets"],
                    "closed_pct": pct(r["closed_pct"]),
                    "response": pct(r["response_rate_pct"]),
                    "satisfaction": pct(r["satisfaction_rate_pct"]),
                    "overdue": r["overdue"],
                    "median_h": "—" if r["median_hours"] is None else r["median_hours"],
                }
                for r in rows
            ],
            OutputFormat.table,
            title=title,
            headers={
                "name": t("名称", "name"),
                "tickets": t("件数", "requests"),
                "closed_pct": t("办结率", "closed"),
                "response": t("响应率", "response"),
                "satisfaction": t("满意率", "satisfied"),
                "overdue": t("超期(件)", "overdue"),
                "median_h": t("办结中位数(小时)", "median (hours)"),
            },
        )


@app.command("overdue")
def overdue_cmd(fmt: FormatOpt = OutputFormat.table) -> None:
    """Open requests past their deadline, by owning unit."""
    with cli_session() as session:
        rows = overdue_by_unit(session, principal=DESK, lang=lang())
    emit_rows(rows, fmt, title=t("超期未办结诉求（按承办单位）", "overdue requests by unit"))


@app.command("units")
def units_cmd(
    sync: Annotated[
        bool, typer.Option("--sync", help="write data/service/units.yaml first")
    ] = False,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """The units that own and assist requests (a configurable list)."""
    with cli_session() as session:
        if sync:
            units.sync_units(session)
        rows = [
            {"code": u.code, "name": u.name(lang()), "kind": u.kind, "head": u.head}
            for u in units.all_units(session).values()
        ]
    emit_rows(rows, fmt, title=t(f"共 {len(rows)} 个承办单位", f"{len(rows)} units"))


@app.command("member")
def member_cmd(
    username: Annotated[str, typer.Argument(help="the staff account")],
    unit: Annotated[str, typer.Argument(help="the unit: code or name")],
    head: Annotated[bool, typer.Option("--head", help="the unit's head (escalations)")] = False,
) -> None:
    """Make a staff account work for a unit (it then sees and handles the unit's requests)."""
    with one_line(), cli_session() as session:
        code = units.find_unit(session, unit)
        units.add_member(session, unit=code, username=username, is_head=head)
        name = units.unit_name(session, code, lang())
    console.print(t(f"{username} 已加入 {name}", f"{username} now works for {name}"))
