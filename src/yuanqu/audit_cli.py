"""`yuanqu audit ...`: prove the audit chain intact, read an entity's history."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from yuanqu.core import audit
from yuanqu.core.db import cli_session
from yuanqu.core.terminal import OutputFormat, console, emit_json, emit_rows, err_console, lang, t

app = typer.Typer(help="The audit log.", no_args_is_help=True)


@app.command("verify")
def verify(
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Recompute the hash chain and compare the money tables with their audited state; name every
    problem and exit 1 if there is one."""
    with cli_session() as session:
        report = audit.verify_chain(session)
        problems = audit.verify_state(session)
    if fmt == OutputFormat.json:
        emit_json(report.to_dict(lang()) | {"problems": [p.to_dict(lang()) for p in problems]})
    elif report.intact:
        console.print(
            t(
                f"审计链完整：{report.records} 条记录，链头 #{report.head_seq} {report.head_hash}",
                f"audit chain intact: {report.records} records, head #{report.head_seq} "
                f"{report.head_hash}",
            )
        )
    else:
        err_console.print(
            t(
                f"[bold red]审计链已损坏[/]：第 {report.broken_seq} 条。{report.reason('zh')}",
                f"[bold red]audit chain broken[/] at record {report.broken_seq}: "
                f"{report.reason('en')}",
            )
        )
    if fmt != OutputFormat.json:
        for problem in problems:
            err_console.print(
                f"[bold red]{problem.table}:{problem.row}:{problem.field}[/] "
                f"{escape(problem.message(lang()))}",
                markup=True,
                highlight=False,
            )
        if problems:
            err_console.print(
                t(
                    f"[bold red]资金表与审计记录不符[/]：{len(problems)} 处",
                    f"[bold red]money tables disagree with the audit trail[/]: {len(problems)}",
                )
            )
    if not report.intact or problems:
        raise typer.Exit(1)


@app.command("log")
def log(
    entity: Annotated[str, typer.Argument(help="TYPE:ID, e.g. project:12 or lead:3")],
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Every audit record about one entity, oldest first."""
    kind, sep, ident = entity.partition(":")
    if not sep or not kind or not ident:
        raise typer.BadParameter(
            t("对象写作 类型:编号，如 project:12", "write the entity as TYPE:ID, e.g. project:12"),
            param_hint="ENTITY",
        )
    with cli_session() as session:
        rows = [r.to_dict() for r in audit.entity_history(session, entities=[(kind, ident)])]
    if fmt == OutputFormat.table:
        for row in rows:
            row["before"] = audit.canonical_json(row["before"])
            row["after"] = audit.canonical_json(row["after"])
    emit_rows(rows, fmt, title=entity)
