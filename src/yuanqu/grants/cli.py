"""`yuanqu grants ...`: match, list, show, transition, budget, batch, report."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from yuanqu.accounts.service import get_user, principal_of
from yuanqu.core.auth import Role
from yuanqu.core.db import cli_session, require_current, writer_scope
from yuanqu.core.errors import Forbidden, ValidationError
from yuanqu.core.industry import industry_catalog
from yuanqu.core.money import Money
from yuanqu.core.periods import parse_date
from yuanqu.core.terminal import OutputFormat, console, emit_json, emit_rows, lang, t
from yuanqu.grants import (
    batches,
    cases,
    flows,
    ledger,
    payments,
    queries,
    reports,
    transitions,
    workflow,
)
from yuanqu.grants.privacy import present_case
from yuanqu.registry.service import list_task_forces

app = typer.Typer(help="Grants: cases, review, public notice, payments.", no_args_is_help=True)

AsUser = Annotated[str, typer.Option("--as", help="the account acting (its role is checked)")]
Fmt = Annotated[OutputFormat, typer.Option("--format", "-f")]


def _principal(session, username: str):
    return principal_of(get_user(session, username=username))


def _day(value: str | None) -> date:
    return parse_date(value) if value else date.today()


def _fen(value: str | None) -> int | None:
    return None if value is None else Money.from_yuan(value).fen


@app.command("match")
def match(
    year: Annotated[int, typer.Argument(help="award year")],
    user: AsUser,
    policy: Annotated[list[str] | None, typer.Option("--policy", "-p")] = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """免申即享: create a case awaiting the firm's confirmation for every auto-entitlement award."""
    require_current()
    with writer_scope() as session:
        result = cases.match(session, year=year, actor=_principal(session, user), policy_ids=policy)
    if fmt == OutputFormat.json:
        emit_json(result)
    else:
        console.print(
            t(
                f"新建案件 {result['created']} 个，已有 {result['existing']} 个",
                f"{result['created']} cases created, {result['existing']} already there",
            )
        )


@app.command("list")
def list_cases(
    user: AsUser,
    status: str | None = None,
    policy: str | None = None,
    year: int | None = None,
    q: str | None = None,
    overdue: bool = False,
    limit: int = 200,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Cases the account may see, with filters; --overdue lists decisions past their deadline."""
    with cli_session() as session:
        cases = queries.list_cases(
            session,
            principal=_principal(session, user),
            status=status,
            policy_id=policy,
            year=year,
            q=q,
            overdue=overdue,
            limit=limit,
        )
        rows = [queries.case_dict(c, lang()) for c in cases]
    keys = (
        "id",
        "policy",
        "year",
        "uscc",
        "firm",
        "status_name",
        "amount_fen",
        "due_on",
        "overdue",
    )
    if fmt == OutputFormat.table:  # a person reads the policy's title, not its id
        from yuanqu.policies.service import shipped_policies

        titles = {p.id: p.title(lang()) for p in shipped_policies()}
        for row in rows:
            row["policy"] = titles.get(row["policy"], row["policy"])
    emit_rows([{k: r[k] for k in keys} for r in rows], fmt, title=t("兑现案件", "grant cases"))


@app.command("show")
def show(case_id: int, user: AsUser, fmt: Fmt = OutputFormat.json) -> None:
    """One case: its decision, inputs, evidence, objections and history."""
    with cli_session() as session:
        principal = _principal(session, user)
        case = transitions.get_case(session, case_id=case_id, principal=principal)
        data = present_case(queries.case_dict(case, lang(), full=True), principal)
        history = queries.case_history(session, case_id=case_id, principal=principal, lang=lang())
        data["history"] = [r.to_dict() for r in history]
    emit_json(data)


TRANSITIONS = (
    "confirm",
    "pass-preliminary",
    "pass-office",
    "approve",
    "reject",
    "appeal",
    "reopen",
    "withdraw",
    "pay",
)


@app.command("transition")
def transition(
    case_id: int,
    action: Annotated[str, typer.Argument(help=" | ".join(TRANSITIONS))],
    user: AsUser,
    reason: str | None = None,
    amount: Annotated[str | None, typer.Option(help="lowered amount in yuan")] = None,
    bank_account: str | None = None,
    bank_name: str | None = None,
    key: Annotated[str | None, typer.Option(help="idempotency key (pay)")] = None,
    today: Annotated[str | None, typer.Option(help="the day it happens (default today)")] = None,
) -> None:
    """Move one case along the workflow (one transition, checked and audited)."""
    if action not in TRANSITIONS:
        raise ValidationError(
            f"未知操作 {action}",
            f"unknown action {action} ({', '.join(TRANSITIONS)})",
            details={"field": "action", "value": action},
        )
    require_current()
    with writer_scope() as session:
        actor = _principal(session, user)
        common = {"case_id": case_id, "actor": actor}
        if action == "confirm":
            transitions.confirm(
                session, **common, bank_account=bank_account or "", bank_name=bank_name or ""
            )
        elif action == "pass-preliminary":
            transitions.pass_preliminary(session, **common, note=reason)
        elif action == "pass-office":
            transitions.pass_office(session, **common, amount_fen=_fen(amount), reason=reason)
        elif action == "approve":
            transitions.approve(
                session, **common, amount_fen=_fen(amount), reason=reason, today=_day(today)
            )
        elif action == "reject":
            transitions.reject(session, **common, reason=reason or "")
        elif action == "appeal":
            transitions.appeal(session, **common, reason=reason or "")
        elif action == "reopen":
            transitions.reopen(session, **common, reason=reason or "")
        elif action == "withdraw":
            transitions.withdraw(session, **common, reason=reason)
        else:
            payments.request_payment(
                session, case_id=case_id, actor=actor, today=_day(today), idempotency_key=key or ""
            )
        status = transitions.get_case(session, case_id=case_id, principal=actor).status
    console.print(
        t(
            f"案件 {case_id}：{workflow.status_name(status)}",
            f"case {case_id}: {workflow.status_name(status, 'en')}",
        )
    )


@app.command("budget")
def budget(
    policy: str,
    year: int,
    user: AsUser,
    amount: Annotated[str | None, typer.Argument(help="yuan; omit to show")] = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Show or set a policy's budget for a year (never below what is committed)."""
    require_current()
    with writer_scope() as session:
        actor = _principal(session, user)
        if amount is not None:
            row = ledger.set_budget(
                session, policy_id=policy, year=year, budget_fen=_fen(amount) or 0, actor=actor
            )
        else:
            row = ledger.lock_budget(session, policy, year)
        data = ledger.budget_dict(row)
    emit_rows([data], fmt, title=t("预算", "budget"))


batch_app = typer.Typer(help="Payment batches.", no_args_is_help=True)
app.add_typer(batch_app, name="batch")


@batch_app.command("run")
def batch_run(
    key: Annotated[str, typer.Argument(help="idempotency key of the batch, e.g. 2023-12-A")],
    user: AsUser,
    policy: str | None = None,
    year: int | None = None,
    today: str | None = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Schedule every payable case into batch KEY; run it again after a crash to finish it."""
    require_current()
    with writer_scope() as session:
        actor = _principal(session, user)
    result = flows.run_batch(
        None, key=key, actor=actor, today=_day(today), policy_id=policy, year=year
    )
    if fmt == OutputFormat.json:
        emit_json(result)
    else:
        n, new, total = result["payments"], result["scheduled_now"], Money(result["amount_fen"])
        console.print(
            t(
                f"批次 {key}：{n} 笔，合计 {total.format('zh')}，本次新增 {new} 笔",
                f"batch {key}: {n} payments, {total.format('en')}, {new} new",
            )
        )


@batch_app.command("export")
def batch_export(batch_id: int, output: Path, user: AsUser) -> None:
    """The batch as an xlsx for the finance bureau."""
    with cli_session() as session:
        principal = _principal(session, user)
        if principal.role not in (Role.admin, Role.policy_officer):
            raise Forbidden(
                "只有政策办或管理员可以导出付款批次", "only the policy office may export batches"
            )
        reports.export_batch(session, batch_id=batch_id, path=output, principal=principal)
    console.print(t(f"已导出 {output}", f"exported {output}"))


@batch_app.command("confirm")
def batch_confirm(batch_id: int, user: AsUser) -> None:
    """The finance bureau paid the batch: mark every payment (and case) paid."""
    require_current()
    with writer_scope() as session:
        batch, replayed = batches.confirm_batch(
            session, batch_id=batch_id, actor=_principal(session, user)
        )
        key = batch.key
    console.print(
        t(
            f"批次 {key} 已确认支付" + ("（此前已确认）" if replayed else ""),
            f"batch {key} confirmed paid" + (" (already)" if replayed else ""),
        )
    )


def _group_name(by: str, group: str | None, name: str | None, forces: dict[str, str]) -> str:
    """A payouts group as a person reads it: a policy's title, "3985 电子专用材料制造", a task
    force's name."""
    if name:
        return name
    if by == "industry" and group:
        found = industry_catalog().find(group)
        return f"{group} {found.label(lang())}" if found else group
    if by == "task_force":
        return forces.get(group, group) if group else t("未分配专班", "no task force")
    return group or "—"


@app.command("report")
def report(
    year: int,
    by: Annotated[str, typer.Option(help="policy | industry | task_force | firm")] = "policy",
    over: Annotated[str | None, typer.Option(help="only groups above this many yuan")] = None,
    fmt: Fmt = OutputFormat.table,
) -> None:
    """Payouts for an award year by policy, industry, task force or firm."""
    with cli_session() as session:
        data = reports.payouts(session, year=year, by=by, over_fen=_fen(over), lang=lang())
        forces = {tf.code: tf.name(lang()) for tf in list_task_forces(session)}
    if fmt == OutputFormat.json:
        emit_json(data)
        return
    rows = data["rows"]
    if fmt == OutputFormat.table and by != "firm":
        # A person reads the group's name; its code (a policy id, a task force) stays in the JSON.
        rows = [
            {"name": _group_name(by, r["group"], r["name"], forces)}
            | {k: v for k, v in r.items() if k not in ("group", "name")}
            for r in rows
        ]
    heads = {"payments": t("笔数", "payments")}
    emit_rows(rows, fmt, title=t(f"{year} 年兑现", f"payouts {year}"), headers=heads)
    console.print(t(data["headline"]["zh"], data["headline"]["en"]))
