"""The money tables against the audit trail and the ledger's invariants (`yuanqu audit verify`).

An intact hash chain proves no audit record was changed; it cannot see a row changed behind the
audit's back. This check can: every case's money fields and bank account, and every payment's
amount, status and bank account, must equal their latest audited state, and every budget's
running totals must agree with its cases and payments (``paid <= scheduled <= committed <=
budget``). Each problem names the table, the row and the field.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.audit import StateProblem
from yuanqu.grants.ledger import ledger_problems
from yuanqu.grants.models import Budget, GrantCase, Payment
from yuanqu.grants.transitions import ENTITY

CASE_FIELDS = ("status", "amount_fen", "engine_amount_fen", "committed_fen", "bank_account")
PAYMENT_FIELDS = ("amount_fen", "status", "case", "policy", "year", "idempotency_key")
BUDGET_TOTALS = ("committed_fen", "scheduled_fen", "paid_fen")


def _differs(table: str, row: Any, field: str, audited: Any, actual: Any) -> StateProblem:
    return StateProblem(
        table,
        str(row),
        field,
        audited,
        actual,
        f"{table} 第 {row} 行的 {field} 为 {actual}，审计记录为 {audited}（未经审计的改动）",
        f"{table} row {row}: {field} is {actual}, the audit trail says {audited} "
        "(changed without an audit record)",
    )


def _unaudited(table: str, row: Any) -> StateProblem:
    return StateProblem(
        table,
        str(row),
        "*",
        None,
        "present",
        f"{table} 第 {row} 行没有任何审计记录",
        f"{table} row {row} has no audit record at all",
    )


def _case_problems(session: Session) -> list[StateProblem]:
    states = audit.latest_states(session, ENTITY, having="status")
    problems = []
    for case in session.scalars(select(GrantCase).order_by(GrantCase.id)):
        state = states.get(str(case.id))
        if state is None:
            problems.append(_unaudited("grant_cases", case.id))
            continue
        for field in CASE_FIELDS:
            actual = getattr(case, field)
            if field in state and state[field] != actual:
                problems.append(_differs("grant_cases", case.id, field, state[field], actual))
    return problems


def _payment_problems(session: Session) -> list[StateProblem]:
    states = audit.latest_states(session, "grant_payment", having="amount_fen")
    accounts = {
        int(k): v.get("bank_account")
        for k, v in audit.latest_states(session, ENTITY, having="bank_account").items()
    }
    problems = []
    for payment in session.scalars(select(Payment).order_by(Payment.id)):
        state = states.get(str(payment.id))
        if state is None:
            problems.append(_unaudited("grant_payments", payment.id))
            continue
        actual = {
            "amount_fen": payment.amount_fen,
            "status": payment.status,
            "case": payment.case_id,
            "policy": payment.policy_id,
            "year": payment.year,
            "idempotency_key": payment.idempotency_key,
        }
        for field in PAYMENT_FIELDS:
            if field in state and state[field] != actual[field]:
                problems.append(
                    _differs("grant_payments", payment.id, field, state[field], actual[field])
                )
        audited_account = accounts.get(payment.case_id)
        if audited_account is not None and audited_account != payment.bank_account:
            problems.append(
                _differs(
                    "grant_payments",
                    payment.id,
                    "bank_account",
                    audited_account,
                    payment.bank_account,
                )
            )
    return problems


def _budget_problems(session: Session) -> list[StateProblem]:
    states = audit.latest_states(session, "grant_budget", having="budget_fen")
    problems = []
    for budget in session.scalars(select(Budget).order_by(Budget.id)):
        state = states.get(str(budget.id))
        if state is None:
            problems.append(_unaudited("grant_budgets", budget.id))
        elif state["budget_fen"] != budget.budget_fen:
            problems.append(
                _differs(
                    "grant_budgets", budget.id, "budget_fen", state["budget_fen"], budget.budget_fen
                )
            )
    for bad in ledger_problems(session):
        row = f"{bad['policy']}/{bad['year']}"
        actual = dict(zip(BUDGET_TOTALS, bad["actual"], strict=True))
        for field in BUDGET_TOTALS:
            if bad[field] != actual[field]:
                problems.append(
                    StateProblem(
                        "grant_budgets",
                        row,
                        field,
                        actual[field],
                        bad[field],
                        f"预算 {row} 的 {field} 为 {bad[field]}，按案件与付款应为 {actual[field]}",
                        f"budget {row}: {field} is {bad[field]}, its cases and payments "
                        f"add up to {actual[field]}",
                    )
                )
        if not bad["paid_fen"] <= bad["scheduled_fen"] <= bad["committed_fen"] <= bad["budget_fen"]:
            problems.append(
                StateProblem(
                    "grant_budgets",
                    row,
                    "budget_fen",
                    "paid <= scheduled <= committed <= budget",
                    [bad[k] for k in ("paid_fen", "scheduled_fen", "committed_fen", "budget_fen")],
                    f"预算 {row} 不满足 已付 ≤ 已排 ≤ 已承诺 ≤ 预算",
                    f"budget {row} breaks paid <= scheduled <= committed <= budget",
                )
            )
    return problems


def money_problems(session: Session) -> list[StateProblem]:
    """Every money row that disagrees with its audited state or with the ledger's invariants."""
    return [*_case_problems(session), *_payment_problems(session), *_budget_problems(session)]
