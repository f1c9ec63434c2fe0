"""`audit verify` covers the money tables (issue #17, finding 16).

An intact hash chain says no audit record was changed; a payment's amount or a case's bank
account changed behind the audit's back must be caught too, by comparing each money row with its
latest audited state and by the ledger's invariants, naming the row and the field.
"""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.factories.grants import OFFICER, person
from tests.factories.policies import add_facts
from tests.factories.registry import make_firm, make_task_force
from yuanqu.core import audit
from yuanqu.core.auth import Role
from yuanqu.core.db import session_scope
from yuanqu.grants import cases, ledger, payments, transitions
from yuanqu.grants.integrity import money_problems
from yuanqu.grants.models import GrantCase

POLICY = "new_drug_clinical_trial"
COMMITTEE = person(Role.admin, "committee-9")
APPROVED_ON = date(2024, 5, 6)
MATCHER = person(Role.policy_officer, "matcher-9")


def scheduled_payment(session: Session) -> tuple[GrantCase, int]:
    """A case taken through the real workflow, every step audited, to a scheduled payment."""
    make_task_force(session, "bio")
    firm = make_firm(session, industry_code="2710", task_force="bio", established=date(2015, 1, 1))
    add_facts(session, firm.id, 2022, clinical_trials_approved=1)
    cases.match(session, year=2023, actor=MATCHER, policy_ids=[POLICY])
    case = session.query(GrantCase).filter_by(uscc=firm.uscc).one()
    ledger.set_budget(session, policy_id=POLICY, year=2023, budget_fen=10**12, actor=OFFICER)
    firm_user = person(Role.enterprise, "bio-firm", uscc=firm.uscc)
    transitions.confirm(
        session,
        case_id=case.id,
        actor=firm_user,
        bank_account="6222020200112233445",
        bank_name="工商银行",
    )
    transitions.pass_preliminary(
        session, case_id=case.id, actor=person(Role.task_force, "tf-bio", task_forces=("bio",))
    )
    transitions.pass_office(session, case_id=case.id, actor=OFFICER)
    transitions.approve(session, case_id=case.id, actor=COMMITTEE, today=APPROVED_ON)
    payment, _ = payments.request_payment(
        session,
        case_id=case.id,
        idempotency_key="audit-money-1",
        actor=OFFICER,
        today=date(2024, 6, 3),
    )
    return case, payment.id


def fields(problems) -> set[tuple[str, str, str]]:
    return {(p.table, p.row, p.field) for p in problems}


class TestMoneyRows:
    def test_a_clean_ledger_has_no_problem(self, session) -> None:
        scheduled_payment(session)
        assert money_problems(session) == []
        assert audit.verify_chain(session).intact

    def test_a_payment_amount_changed_behind_the_audit(self, session) -> None:
        _, payment = scheduled_payment(session)
        session.execute(
            text("UPDATE grant_payments SET amount_fen = amount_fen + 100 WHERE id = :id"),
            {"id": payment},
        )
        session.expire_all()
        found = fields(money_problems(session))
        assert ("grant_payments", str(payment), "amount_fen") in found
        # The budget's running total no longer adds up either.
        assert ("grant_budgets", f"{POLICY}/2023", "scheduled_fen") in found
        assert audit.verify_chain(session).intact  # the chain alone would call it intact

    def test_a_bank_account_changed_behind_the_audit(self, session) -> None:
        case, payment = scheduled_payment(session)
        for table in ("grant_cases", "grant_payments"):
            key = case.id if table == "grant_cases" else payment
            session.execute(
                text(f"UPDATE {table} SET bank_account = '6222000000000000001' WHERE id = :id"),
                {"id": key},
            )
        session.expire_all()
        found = fields(money_problems(session))
        assert ("grant_cases", str(case.id), "bank_account") in found
        assert ("grant_payments", str(payment), "bank_account") in found

    def test_a_case_amount_and_a_budget_changed(self, session) -> None:
        case, _ = scheduled_payment(session)
        session.execute(
            text("UPDATE grant_cases SET amount_fen = 1, committed_fen = 1 WHERE id = :id"),
            {"id": case.id},
        )
        session.execute(text("UPDATE grant_budgets SET budget_fen = budget_fen + 5"))
        session.expire_all()
        problems = money_problems(session)
        found = fields(problems)
        assert ("grant_cases", str(case.id), "amount_fen") in found
        assert ("grant_cases", str(case.id), "committed_fen") in found
        assert any(p.table == "grant_budgets" and p.field == "budget_fen" for p in problems)
        message = next(p for p in problems if p.table == "grant_cases").message("en")
        assert f"row {case.id}" in message and "amount_fen" in message


class TestVerifyCommand:
    def test_exit_one_naming_row_and_field(self, cli, committed_db) -> None:
        with session_scope(committed_db.engine) as session:
            _, payment = scheduled_payment(session)
        clean = cli("audit", "verify")
        assert clean.exit_code == 0, clean.stderr
        with committed_db.engine.begin() as conn:
            conn.execute(
                text("UPDATE grant_payments SET amount_fen = 1 WHERE id = :id"), {"id": payment}
            )
        broken = cli("--lang", "en", "audit", "verify")
        assert broken.exit_code == 1
        assert f"grant_payments:{payment}:amount_fen" in broken.stderr
        assert "Traceback" not in broken.stderr
        as_json = cli("audit", "verify", "--format", "json")
        assert as_json.exit_code == 1
        body = json.loads(as_json.stdout)
        assert body["intact"] is True  # the chain itself is intact...
        assert {"table": "grant_payments", "row": str(payment), "field": "amount_fen"}.items() <= (
            body["problems"][0].items()
        )


def test_the_demo_awards_match_their_audit_trail(session) -> None:
    """Paid through every step of the workflow, batches included: nothing to report."""
    from yuanqu.grants.demo import pay_demo_awards

    make_task_force(session, "bio")
    for _ in range(3):
        firm = make_firm(session, industry_code="2710", task_force="bio")
        add_facts(session, firm.id, 2022, clinical_trials_approved=2)
    assert pay_demo_awards(session, year=2023)["paid_fen"] > 0
    assert session.scalar(text("SELECT count(*) FROM grant_payments WHERE status = 'paid'")) >= 3
    assert audit.verify_state(session) == []
