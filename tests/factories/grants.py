"""Builders for grants test data: principals, budgets and cases at a given point of the workflow."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from tests.factories.registry import make_firm, make_task_force
from yuanqu.core.auth import Principal, Role
from yuanqu.grants import ledger, payments, transitions
from yuanqu.grants.models import CaseOrigin, CaseStatus, GrantCase

POLICY = "test_policy"
YEAR = 2023
NOTICE_OVER = date(2024, 6, 3)  # after any notice published by approve(today=APPROVED_ON)
APPROVED_ON = date(2024, 5, 6)


def person(role: Role, username: str | None = None, **overrides: Any) -> Principal:
    return Principal(user_id=0, username=username or f"{role}-1", role=role, **overrides)


OFFICER = person(Role.policy_officer, "officer-1")
COMMITTEE = person(Role.admin, "committee-1")
TASK_FORCE = person(Role.task_force, "tf-1", task_forces=("ic",))


def make_budget(session: Session, fen: int, policy: str = POLICY, year: int = YEAR) -> None:
    ledger.set_budget(session, policy_id=policy, year=year, budget_fen=fen, actor=OFFICER)


def make_case(
    session: Session,
    *,
    amount_fen: int = 1_000_000,
    status: str = CaseStatus.submitted,
    policy: str = POLICY,
    year: int = YEAR,
    created_by: str = "system:match",
    office_reviewer: str | None = "officer-0",
    firm: Any = None,
) -> GrantCase:
    """A case at ``status`` (up to committee review, inserted; later states through the service)."""
    make_task_force(session, "ic")
    firm = firm or make_firm(session, task_force="ic")
    early = (
        status
        if status
        in (
            CaseStatus.awaiting_confirmation,
            CaseStatus.submitted,
            CaseStatus.policy_review,
            CaseStatus.committee_review,
        )
        else CaseStatus.committee_review
    )
    case = GrantCase(
        policy_id=policy,
        policy_version="0" * 64,
        year=year,
        uscc=firm.uscc,
        firm_name=firm.name,
        industry_section=firm.industry_section,
        task_force=firm.task_force,
        origin=CaseOrigin.auto,
        status=early,
        engine_amount_fen=amount_fen,
        amount_fen=amount_fen,
        engine_inputs=json.dumps({"rd_expense": 1}),
        engine_result=json.dumps({"status": "eligible"}),
        bank_account="6222020200112233445",
        bank_name="工商银行亦庄支行",
        created_by=created_by,
        office_reviewer=office_reviewer,
        committed_fen=0,
        appeals=0,
        submitted_on=date(2024, 3, 1),
        due_on=date(2024, 5, 29),
    )
    session.add(case)
    session.flush()
    if status in (CaseStatus.public_notice, CaseStatus.payment_scheduled, CaseStatus.paid):
        transitions.approve(session, case_id=case.id, actor=COMMITTEE, today=APPROVED_ON)
    if status in (CaseStatus.payment_scheduled, CaseStatus.paid):
        payments.request_payment(
            session,
            case_id=case.id,
            idempotency_key=f"factory-{case.id}",
            actor=OFFICER,
            today=NOTICE_OVER,
        )
    return case
