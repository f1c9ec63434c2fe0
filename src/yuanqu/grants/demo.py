"""The demo's awards: every auto-entitlement award the engine computes for a year, taken through
the whole workflow (confirm, reviews, approval, public notice, batch, paid) by demo accounts, so
the pages and the payouts report have real, audited data to show."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.auth import Principal, Role
from yuanqu.grants import batches, ledger, payments, reports, transitions
from yuanqu.grants.cases import match
from yuanqu.grants.models import Budget, CaseStatus, GrantCase
from yuanqu.grants.payments import payment_key
from yuanqu.registry.firms import TaskForce

BANKS = ("中国工商银行北京经济技术开发区支行", "中国银行北京亦庄支行", "北京银行经济技术开发区支行")


def _principals(session: Session) -> dict[str, Principal]:
    forces = tuple(session.scalars(select(TaskForce.code)))
    return {
        "matcher": Principal(0, "demo:policy-office", Role.policy_officer),
        "firm": Principal(0, "demo:enterprise", Role.enterprise),
        "task_force": Principal(0, "demo:task-force", Role.task_force, task_forces=forces),
        "office": Principal(0, "demo:policy-reviewer", Role.policy_officer),
        "committee": Principal(0, "demo:committee", Role.admin),
        "payer": Principal(0, "demo:payments", Role.policy_officer),
    }


def pay_demo_awards(session: Session, *, year: int, seed: int = 2023) -> dict[str, Any]:
    """Match ``year``'s auto-entitlements and pay them all; returns the payouts summary."""
    people = _principals(session)
    rng = random.Random(seed)
    # The awards of ``year`` are decided the next spring: their audit trail says so.
    matched_on = date(year + 1, 1, 15)
    approved_on = date(year + 1, 4, 1)
    paid_on = approved_on + timedelta(days=30)
    with audit.appending(session):  # many records: one lock of the chain, one flush
        with audit.recorded_at(matched_on):
            match(session, year=year, actor=people["matcher"])
        cases = list(
            session.scalars(
                select(GrantCase)
                .where(GrantCase.year == year, GrantCase.status == CaseStatus.awaiting_confirmation)
                .order_by(GrantCase.id)
            )
        )
        claims: dict[str, int] = {}
        for case in cases:
            claims[case.policy_id] = claims.get(case.policy_id, 0) + case.amount_fen
        for policy_id, total in claims.items():
            if (
                session.scalar(
                    select(Budget.id).where(Budget.policy_id == policy_id, Budget.year == year)
                )
                is None
            ):
                with audit.recorded_at(matched_on):
                    ledger.set_budget(
                        session,
                        policy_id=policy_id,
                        year=year,
                        budget_fen=total,
                        actor=people["office"],
                    )
        for case in cases:
            firm = Principal(0, "demo:enterprise", Role.enterprise, uscc=case.uscc)
            account = "".join(rng.choice("0123456789") for _ in range(19))
            confirmed_on = matched_on + timedelta(days=rng.randint(3, 30))
            with audit.recorded_at(confirmed_on):
                transitions.confirm(
                    session,
                    case_id=case.id,
                    actor=firm,
                    bank_account=account,
                    bank_name=rng.choice(BANKS),
                )
            reviewer = people["task_force"] if case.task_force else people["matcher"]
            if reviewer is people["matcher"]:
                reviewer = Principal(0, "demo:policy-intake", Role.policy_officer)
            with audit.recorded_at(confirmed_on + timedelta(days=rng.randint(5, 15))):
                transitions.pass_preliminary(session, case_id=case.id, actor=reviewer)
            with audit.recorded_at(approved_on - timedelta(days=rng.randint(5, 20))):
                transitions.pass_office(session, case_id=case.id, actor=people["office"])
            with audit.recorded_at(approved_on):
                transitions.approve(
                    session, case_id=case.id, actor=people["committee"], today=approved_on
                )
        key = f"demo-{year}-01"
        with audit.recorded_at(paid_on):
            batch = batches.open_batch(session, key=key, actor=people["payer"])
            for case in cases:
                payments.request_payment(
                    session,
                    case_id=case.id,
                    idempotency_key=payment_key(key, case.id),
                    actor=people["payer"],
                    today=paid_on,
                    batch_id=batch.id,
                )
            if cases:
                batches.confirm_batch(session, batch_id=batch.id, actor=people["payer"])
    summary = reports.payouts(session, year=year, by="policy")
    return {
        "cases": len(cases),
        "paid_fen": summary["total_fen"],
        "firms_over_100m": summary["firms_over_100m"],
    }
