"""`yuanqu watch ...`: the watch list (监测预警), its rules, cases and precision."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from yuanqu.core.db import cli_session
from yuanqu.core.errors import ValidationError
from yuanqu.core.terminal import OutputFormat, console, emit_json, emit_rows, err_console, lang, t
from yuanqu.watch import export, service
from yuanqu.watch.rules import rules_from_file, shipped_rules

app = typer.Typer(help="Early warning: the watch list.", no_args_is_help=True)


class ListFormat(StrEnum):
    table = "table"
    json = "json"
    xlsx = "xlsx"


RulesOpt = Annotated[Path | None, typer.Option(help="a rules file (default: the shipped one)")]


def _no_source(rules: list[tuple[str, str]]) -> None:
    for rule, name in rules:
        err_console.print(
            t(
                f"规则 {rule}（{name}）：无数据来源（企业服务台尚未接入）",
                f"rule {rule} ({name}): no source (no service desk wired)",
            )
        )


@app.command("list")
def list_cmd(
    as_of: Annotated[str | None, typer.Option(help="YYYY-MM; default: the latest month")] = None,
    fmt: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.table,
    rules: RulesOpt = None,
    task_force: Annotated[str | None, typer.Option(help="only this task force's firms")] = None,
    out: Annotated[Path | None, typer.Option(help="xlsx file to write")] = None,
) -> None:
    """The watch list: each flagged firm, its signals and score, highest score first."""
    chosen = rules_from_file(rules) if rules else None
    scope = [task_force] if task_force else None
    with cli_session() as session:
        if fmt == ListFormat.json:
            _period, rows, results = service.watch_rows(
                session, as_of=as_of, rules=chosen, task_forces=scope
            )
            _no_source([(r.rule.id, r.rule.name(lang())) for r in results if not r.source])
            emit_json(rows)
            return
        listing = service.watch_list(
            session, as_of=as_of, rules=chosen, task_forces=scope, lang=lang()
        )
    _no_source([(s.rule, s.name) for s in listing.rules if not s.source])
    if fmt == ListFormat.xlsx:
        target = out or Path(f"watch-{listing.as_of}.xlsx")
        export.write_xlsx(listing, target, lang=lang())
        console.print(t(f"预警名单已写入 {target}", f"watch list written to {target}"))
        return
    rows = [
        {
            "name": e.name,
            "uscc": e.uscc,
            "signals": "、".join(s.name for s in e.signal_details),
            "score": e.score,
            "owner": e.owner_name or e.owner,
        }
        for e in listing.items
    ]
    headers = {
        "name": t("企业", "firm"),
        "uscc": t("信用代码", "credit code"),
        "signals": t("信号", "signals"),
        "score": t("风险分", "score"),
        "owner": t("责任专班", "owner"),
    }
    emit_rows(
        rows,
        OutputFormat.table,
        title=t(
            f"监测预警名单 {listing.as_of}（共 {listing.total} 家）",
            f"watch list {listing.as_of} ({listing.total} firms)",
        ),
        headers=headers,
    )


@app.command("rules")
def rules_cmd(
    file: Annotated[Path | None, typer.Argument(help="a rules file to check")] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Check a rules file (every mistake as FILE:LINE) and list its rules."""
    rules = rules_from_file(file) if file else shipped_rules()
    rows = [{"id": r.id, "name": r.name(lang()), "kind": r.kind, "weight": r.weight} for r in rules]
    emit_rows(rows, fmt, title=t("预警规则", "watch rules"))


def _day(text: str | None) -> date:
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            f"无效的日期 {text!r}（应为 YYYY-MM-DD）", f"invalid date {text!r} (YYYY-MM-DD)"
        ) from None


@app.command("open")
def open_cmd(
    uscc: Annotated[str, typer.Argument(help="the firm's credit code")],
    as_of: Annotated[str, typer.Option(help="the watch list's period YYYY-MM")],
    follow_up: Annotated[str, typer.Option(help="visit or request")] = "visit",
    on: Annotated[str | None, typer.Option(help="YYYY-MM-DD; default today")] = None,
    note: Annotated[str | None, typer.Option()] = None,
    by: Annotated[str, typer.Option(help="who opens it")] = "cli",
) -> None:
    """Take a flagged firm up: record the visit or request opened from the watch list."""
    if follow_up not in ("visit", "request"):
        raise ValidationError("--follow-up 应为 visit 或 request", "--follow-up: visit or request")
    with cli_session() as session:
        case = service.open_case(
            session,
            uscc=uscc,
            as_of=as_of,
            follow_up=follow_up,
            follow_up_on=_day(on),
            note=note,
            opened_by=by,
        )
        case_id = case.id
    console.print(t(f"已建立预警跟进 #{case_id}", f"case #{case_id} opened"))


@app.command("close")
def close_cmd(
    case_id: Annotated[int, typer.Argument(help="the case number")],
    outcome: Annotated[str, typer.Option(help="resolved, false_alarm or lost")],
    note: Annotated[str | None, typer.Option()] = None,
    by: Annotated[str, typer.Option(help="who decides")] = "cli",
) -> None:
    """Record a case's outcome, fed back into the rules' precision."""
    if outcome not in ("resolved", "false_alarm", "lost"):
        raise ValidationError(
            "--outcome 应为 resolved、false_alarm 或 lost", "--outcome: resolved, false_alarm, lost"
        )
    with cli_session() as session:
        service.record_outcome(session, case_id=case_id, outcome=outcome, note=note, decided_by=by)
    console.print(t(f"跟进 #{case_id} 已办结", f"case #{case_id} closed"))


@app.command("precision")
def precision_cmd(
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """How often the watch list was right: (resolved + lost) / decided cases, by rule."""
    with cli_session() as session:
        rows = [p.model_dump() for p in service.precision(session, lang=lang())]
    emit_rows(rows, fmt, title=t("预警准确率", "watch-list precision"))
