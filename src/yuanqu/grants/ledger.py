"""The money: budgets per policy-year, commitments, payments and batches, safe under concurrency.

Every function here that moves money locks, in this order, the case row, then the budget row
(SELECT ... FOR UPDATE on PostgreSQL; on SQLite the unit of work already holds the database's
single write lock, see :func:`yuanqu.core.db.begin_writer`), so concurrent requests queue instead
of racing, and always in the same order, so they never deadlock. The database checks the result
again: ``paid <= scheduled <= committed <= budget`` per policy-year, one payment per case, one
payment per idempotency key.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuanqu.core import audit, txcache
from yuanqu.core.auth import Principal, Role
from yuanqu.core.errors import Conflict, Forbidden, NotFound, ValidationError
from yuanqu.core.money import INT64_MAX, Money
from yuanqu.grants.models import Budget, GrantCase, Objection, Payment


def lock_case(session: Session, case_id: int) -> GrantCase:
    """The case, locked for this unit of work and read fresh (another writer may have changed it
    while this one waited for the lock). Locked once: a unit of work that holds the lock already
    (see :mod:`yuanqu.core.txcache`) has the row as no other writer can change it."""
    held = txcache.get(session, ("grant_case", case_id))
    if held is not None:
        return held
    in_range = 1 <= case_id <= INT64_MAX
    case = (
        session.get(GrantCase, case_id, with_for_update=True, populate_existing=True)
        if in_range
        else None
    )
    if case is None:
        raise NotFound(f"没有编号为 {case_id} 的兑现案件", f"no grant case {case_id}")
    return txcache.put(session, ("grant_case", case_id), case)


def lock_budget(session: Session, policy_id: str, year: int) -> Budget:
    """The policy-year's budget, locked for this unit of work (once, as :func:`lock_case`)."""
    held = txcache.get(session, ("budget", policy_id, year))
    if held is not None:
        return held
    budget = session.scalars(
        select(Budget)
        .where(Budget.policy_id == policy_id, Budget.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if budget is not None:
        txcache.put(session, ("budget", policy_id, year), budget)
    if budget is None:
        raise Conflict(
            f"政策 {policy_id} 尚未设定 {year} 年预算"
            f"（yuanqu grants budget {policy_id} {year} 金额）",
            f"policy {policy_id} has no budget for {year} "
            f"(set one: yuanqu grants budget {policy_id} {year} AMOUNT)",
            code="no_budget",
            details={"policy": policy_id, "year": year},
        )
    return budget


def budget_dict(budget: Budget) -> dict[str, Any]:
    return {
        "policy": budget.policy_id,
        "year": budget.year,
        "budget_fen": budget.budget_fen,
        "committed_fen": budget.committed_fen,
        "scheduled_fen": budget.scheduled_fen,
        "paid_fen": budget.paid_fen,
        "available_fen": budget.budget_fen - budget.committed_fen,
    }


def set_budget(
    session: Session, *, policy_id: str, year: int, budget_fen: int, actor: Principal
) -> Budget:
    """Create or change a policy-year's budget; never below what is already committed."""
    if actor.role not in (Role.admin, Role.policy_officer):
        raise Forbidden("只有政策办或管理员可以设定预算", "only the policy office may set budgets")
    if budget_fen < 0 or budget_fen > Money.from_yuan("1000000000000").fen:
        raise ValidationError(
            f"预算金额无效：{budget_fen} 分",
            f"invalid budget: {budget_fen} fen",
            details={"field": "budget_fen", "value": budget_fen},
        )
    existing = session.scalars(
        select(Budget).where(Budget.policy_id == policy_id, Budget.year == year).with_for_update()
    ).one_or_none()
    before = budget_dict(existing) if existing else None
    if existing is None:
        existing = Budget(
            policy_id=policy_id,
            year=year,
            budget_fen=budget_fen,
            committed_fen=0,
            scheduled_fen=0,
            paid_fen=0,
        )
        session.add(existing)
    else:
        if budget_fen < existing.committed_fen:
            raise Conflict(
                f"预算不能低于已承诺金额 {existing.committed_fen} 分",
                f"the budget cannot go below the {existing.committed_fen} fen already committed",
                code="budget_below_commitments",
                details={"committed_fen": existing.committed_fen, "budget_fen": budget_fen},
            )
        existing.budget_fen = budget_fen
    session.flush()  # the audit record names the budget's id
    audit.record(
        session,
        actor=actor.username,
        entity_type="grant_budget",
        entity_id=existing.id,
        action="set_budget",
        before=before,
        after=budget_dict(existing),
    )
    return existing


def commit_amount(session: Session, case: GrantCase) -> Budget:
    """Reserve the case's amount in its policy-year budget; refuse what the budget cannot cover."""
    budget = lock_budget(session, case.policy_id, case.year)
    if budget.committed_fen + case.amount_fen > budget.budget_fen:
        raise Conflict(
            f"预算不足：{case.policy_id} {case.year} 年预算 {budget.budget_fen} 分，"
            f"已承诺 {budget.committed_fen} 分，本案 {case.amount_fen} 分",
            f"over budget: {case.policy_id} {case.year} has {budget.budget_fen} fen, "
            f"{budget.committed_fen} committed, this case needs {case.amount_fen}",
            code="budget_exceeded",
            details=budget_dict(budget) | {"case": case.id, "amount_fen": case.amount_fen},
        )
    budget.committed_fen += case.amount_fen
    case.committed_fen = case.amount_fen
    return budget


def release_commitment(session: Session, case: GrantCase) -> None:
    """Give a case's commitment back to its budget (an objection upheld before payment)."""
    if case.committed_fen:
        budget = lock_budget(session, case.policy_id, case.year)
        budget.committed_fen -= case.committed_fen
        case.committed_fen = 0


def open_objections(session: Session, case_id: int) -> int:
    return (
        session.scalar(
            select(func.count()).where(Objection.case_id == case_id, Objection.status == "open")
        )
        or 0
    )


def payment_dict(payment: Payment, *, replayed: bool = False) -> dict[str, Any]:
    return {
        "id": payment.id,
        "case": payment.case_id,
        "batch": payment.batch_id,
        "idempotency_key": payment.idempotency_key,
        "policy": payment.policy_id,
        "year": payment.year,
        "amount_fen": payment.amount_fen,
        "status": payment.status,
        "replayed": replayed,
    }


def check_key(key: str) -> str:
    key = (key or "").strip()
    if not 8 <= len(key) <= 100:
        raise ValidationError(
            "付款请求须带 8 到 100 个字符的幂等键（Idempotency-Key）",
            "a payment request needs an idempotency key of 8 to 100 characters",
            details={"field": "idempotency_key", "value": key},
        )
    return key


def ledger_problems(session: Session) -> list[dict[str, Any]]:
    """Every policy-year whose running totals disagree with its cases and payments (expect [])."""
    problems = []
    for budget in session.scalars(select(Budget)):
        committed = session.scalar(
            select(func.coalesce(func.sum(GrantCase.committed_fen), 0)).where(
                GrantCase.policy_id == budget.policy_id, GrantCase.year == budget.year
            )
        )
        scheduled, paid = session.execute(
            select(
                func.coalesce(func.sum(Payment.amount_fen), 0),
                func.coalesce(func.sum(Payment.amount_fen).filter(Payment.status == "paid"), 0),
            ).where(Payment.policy_id == budget.policy_id, Payment.year == budget.year)
        ).one()
        actual = (int(committed), int(scheduled), int(paid))
        recorded = (budget.committed_fen, budget.scheduled_fen, budget.paid_fen)
        if actual != recorded or not (
            budget.paid_fen <= budget.scheduled_fen <= budget.committed_fen <= budget.budget_fen
        ):
            problems.append(budget_dict(budget) | {"actual": actual})
    return problems


def list_budgets(session: Session) -> list[dict[str, Any]]:
    return [
        budget_dict(b)
        for b in session.scalars(select(Budget).order_by(Budget.year.desc(), Budget.policy_id))
    ]
