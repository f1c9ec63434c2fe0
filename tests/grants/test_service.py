"""The workflow, the amount rules, the ledger's invariants and the audit trail of grant cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from tests.factories.grants import (
    APPROVED_ON,
    COMMITTEE,
    NOTICE_OVER,
    OFFICER,
    POLICY,
    TASK_FORCE,
    YEAR,
    make_budget,
    make_case,
    person,
)
from tests.factories.policies import add_facts
from tests.factories.registry import make_firm, make_task_force
from yuanqu.core import audit
from yuanqu.core.auth import Role
from yuanqu.core.errors import Conflict, Forbidden, ValidationError
from yuanqu.grants import batches, cases, ledger, payments, queries, transitions
from yuanqu.grants.evidence import Upload
from yuanqu.grants.models import Budget, CaseStatus, GrantCase, Payment


class TestWorkflow:
    def test_full_path_from_submission_to_paid(self, session) -> None:
        make_budget(session, 10_000_000)
        case = make_case(session, office_reviewer=None)
        transitions.pass_preliminary(session, case_id=case.id, actor=TASK_FORCE)
        transitions.pass_office(session, case_id=case.id, actor=OFFICER)
        transitions.approve(session, case_id=case.id, actor=COMMITTEE, today=APPROVED_ON)
        assert case.status == CaseStatus.public_notice
        # 2024-05-06 is a Monday: five working days end on Friday 2024-05-10
        assert case.notice_to == date(2024, 5, 10)
        payment, replayed = payments.request_payment(
            session,
            case_id=case.id,
            idempotency_key="pay-key-0001",
            actor=OFFICER,
            today=NOTICE_OVER,
        )
        assert not replayed and payment.amount_fen == case.amount_fen
        batch = batches.open_batch(session, key="batch-0001", actor=OFFICER)
        payment.batch_id = batch.id
        batches.confirm_batch(session, batch_id=batch.id, actor=OFFICER)
        assert case.status == CaseStatus.paid
        budget = session.scalars(select(Budget)).one()
        assert (budget.committed_fen, budget.scheduled_fen, budget.paid_fen) == (1_000_000,) * 3
        actions = [
            r.action for r in queries.case_history(session, case_id=case.id, principal=OFFICER)
        ]
        assert actions == [
            "pass_preliminary",
            "pass_office",
            "approve",
            "schedule",
            "schedule",
            "mark_paid",
            "mark_paid",
        ]
        assert ledger.ledger_problems(session) == []
        assert audit.verify_chain(session).intact

    def test_a_batch_over_two_policy_years_pays_each_budget(self, session) -> None:
        # confirm_batch locks every case, payment and budget of the batch before the audit
        # chain, in the order other writers take them; here it pays two budgets at once.
        batch = batches.open_batch(session, key="batch-two-years", actor=OFFICER)
        cases = []
        for k, year in enumerate((YEAR, YEAR - 1)):
            make_budget(session, 10_000_000, year=year)
            case = make_case(session, office_reviewer=None, year=year, amount_fen=1_000_000 + k)
            transitions.pass_preliminary(session, case_id=case.id, actor=TASK_FORCE)
            transitions.pass_office(session, case_id=case.id, actor=OFFICER)
            transitions.approve(session, case_id=case.id, actor=COMMITTEE, today=APPROVED_ON)
            payment, _ = payments.request_payment(
                session,
                case_id=case.id,
                idempotency_key=f"pay-two-years-{k}",
                actor=OFFICER,
                today=NOTICE_OVER,
            )
            payment.batch_id = batch.id
            cases.append(case)
        _, replayed = batches.confirm_batch(session, batch_id=batch.id, actor=OFFICER)
        assert not replayed
        assert [c.status for c in cases] == [CaseStatus.paid] * 2
        paid = {b.year: b.paid_fen for b in session.scalars(select(Budget))}
        assert paid == {YEAR: 1_000_000, YEAR - 1: 1_000_001}
        _, replayed = batches.confirm_batch(session, batch_id=batch.id, actor=OFFICER)
        assert replayed
        assert ledger.ledger_problems(session) == []
        assert audit.verify_chain(session).intact

    def test_a_transition_from_the_wrong_state_is_a_clean_conflict(self, session) -> None:
        case = make_case(session)
        with pytest.raises(Conflict) as error:
            transitions.approve(session, case_id=case.id, actor=COMMITTEE, today=APPROVED_ON)
        assert error.value.code == "invalid_transition"
        assert error.value.details["status"] == "submitted"

    def test_task_force_reviews_only_its_industry(self, session) -> None:
        case = make_case(session)
        outsider = person(Role.task_force, "tf-bio", task_forces=("bio",))
        with pytest.raises(Forbidden):
            transitions.pass_preliminary(session, case_id=case.id, actor=outsider)

    def test_nobody_approves_their_own_application(self, session) -> None:
        make_budget(session, 10_000_000)
        case = make_case(session, status=CaseStatus.committee_review, created_by="committee-1")
        with pytest.raises(Forbidden) as error:
            transitions.approve(session, case_id=case.id, actor=COMMITTEE, today=APPROVED_ON)
        assert error.value.code == "self_approval"

    def test_office_reviewer_cannot_also_approve(self, session) -> None:
        make_budget(session, 10_000_000)
        case = make_case(session, status=CaseStatus.committee_review, office_reviewer="committee-1")
        with pytest.raises(Forbidden):
            transitions.approve(session, case_id=case.id, actor=COMMITTEE, today=APPROVED_ON)

    def test_rejection_needs_a_reason_and_allows_one_appeal(self, session) -> None:
        case = make_case(session)
        firm_user = person(Role.enterprise, "firm", uscc=case.uscc)
        with pytest.raises(ValidationError):
            transitions.reject(session, case_id=case.id, actor=TASK_FORCE, reason=" ")
        transitions.reject(session, case_id=case.id, actor=TASK_FORCE, reason="材料不全")
        transitions.appeal(session, case_id=case.id, actor=firm_user, reason="已补充材料")
        transitions.reopen(session, case_id=case.id, actor=OFFICER, reason="受理申诉")
        assert case.status == CaseStatus.policy_review
        transitions.reject(session, case_id=case.id, actor=OFFICER, reason="仍不符合")
        with pytest.raises(Conflict):
            transitions.appeal(session, case_id=case.id, actor=firm_user, reason="再次申诉")

    def test_another_firm_cannot_act_on_a_case(self, session) -> None:
        case = make_case(session)
        other = person(Role.enterprise, "other", uscc="91110302MA00000000")
        with pytest.raises(Forbidden):
            transitions.withdraw(session, case_id=case.id, actor=other)
        with pytest.raises(Forbidden):
            transitions.get_case(session, case_id=case.id, principal=other)
        assert queries.list_cases(session, principal=other) == []


class TestAmounts:
    def test_an_officer_may_lower_with_a_reason(self, session) -> None:
        case = make_case(session, status=CaseStatus.policy_review)
        with pytest.raises(ValidationError):
            transitions.pass_office(session, case_id=case.id, actor=OFFICER, amount_fen=500_000)
        transitions.pass_office(
            session, case_id=case.id, actor=OFFICER, amount_fen=500_000, reason="部分支出不合规"
        )
        assert case.amount_fen == 500_000 and case.amount_reason == "部分支出不合规"

    def test_never_above_the_engine(self, session) -> None:
        case = make_case(session, status=CaseStatus.policy_review)
        with pytest.raises(ValidationError) as error:
            transitions.pass_office(
                session, case_id=case.id, actor=OFFICER, amount_fen=1_000_001, reason="多给一点"
            )
        assert error.value.code == "amount_above_engine"

    def test_the_database_refuses_an_amount_above_the_engine(self, session) -> None:
        case = make_case(session)
        with pytest.raises(IntegrityError), session.begin_nested():
            session.execute(
                text("UPDATE grant_cases SET amount_fen = engine_amount_fen + 1 WHERE id = :id"),
                {"id": case.id},
            )


class TestLedger:
    def test_approval_beyond_the_budget_is_refused(self, session) -> None:
        make_budget(session, 1_500_000)
        first = make_case(session, status=CaseStatus.committee_review)
        second = make_case(session, status=CaseStatus.committee_review)
        transitions.approve(session, case_id=first.id, actor=COMMITTEE, today=APPROVED_ON)
        with pytest.raises(Conflict) as error:
            transitions.approve(session, case_id=second.id, actor=COMMITTEE, today=APPROVED_ON)
        assert error.value.code == "budget_exceeded"
        assert second.status == CaseStatus.committee_review

    def test_the_database_refuses_commitments_beyond_the_budget(self, session) -> None:
        make_budget(session, 1_000)
        with pytest.raises(IntegrityError), session.begin_nested():
            session.execute(text("UPDATE grant_budgets SET committed_fen = budget_fen + 1"))

    def test_budget_cannot_go_below_commitments(self, session) -> None:
        make_budget(session, 2_000_000)
        make_case(session, status=CaseStatus.public_notice)
        with pytest.raises(Conflict):
            make_budget(session, 999_999)

    def test_payment_waits_for_the_end_of_the_notice(self, session) -> None:
        make_budget(session, 2_000_000)
        case = make_case(session, status=CaseStatus.public_notice)
        with pytest.raises(Conflict) as error:
            payments.request_payment(
                session,
                case_id=case.id,
                idempotency_key="too-early-1",
                actor=OFFICER,
                today=case.notice_to,
            )
        assert error.value.code == "notice_not_over"

    def test_retry_returns_the_first_payment(self, session) -> None:
        make_budget(session, 2_000_000)
        case = make_case(session, status=CaseStatus.public_notice)
        first, _ = payments.request_payment(
            session,
            case_id=case.id,
            idempotency_key="retry-key-1",
            actor=OFFICER,
            today=NOTICE_OVER,
        )
        again, replayed = payments.request_payment(
            session,
            case_id=case.id,
            idempotency_key="retry-key-1",
            actor=OFFICER,
            today=NOTICE_OVER,
        )
        assert replayed and again.id == first.id
        with pytest.raises(Conflict) as error:
            payments.request_payment(
                session,
                case_id=case.id,
                idempotency_key="another-key",
                actor=OFFICER,
                today=NOTICE_OVER,
            )
        assert error.value.code == "already_paid"
        assert session.scalar(select(text("count(*)")).select_from(Payment)) == 1

    def test_a_key_cannot_pay_another_case(self, session) -> None:
        make_budget(session, 3_000_000)
        one = make_case(session, status=CaseStatus.public_notice)
        two = make_case(session, status=CaseStatus.public_notice)
        payments.request_payment(
            session, case_id=one.id, idempotency_key="shared-key", actor=OFFICER, today=NOTICE_OVER
        )
        with pytest.raises(Conflict) as error:
            payments.request_payment(
                session,
                case_id=two.id,
                idempotency_key="shared-key",
                actor=OFFICER,
                today=NOTICE_OVER,
            )
        assert error.value.code == "idempotency_key_reused"

    def test_the_database_refuses_a_second_payment_of_a_case(self, session) -> None:
        make_budget(session, 2_000_000)
        case = make_case(session, status=CaseStatus.payment_scheduled)
        with pytest.raises(IntegrityError), session.begin_nested():
            session.add(
                Payment(
                    case_id=case.id,
                    idempotency_key="bypass-1",
                    policy_id=POLICY,
                    year=YEAR,
                    amount_fen=1,
                    bank_account="1",
                    status="scheduled",
                    requested_by="x",
                )
            )
            session.flush()


class TestNotice:
    def test_objection_upheld_releases_the_commitment(self, session) -> None:
        make_budget(session, 2_000_000)
        case = make_case(session, status=CaseStatus.public_notice)
        objection = transitions.object_to(
            session,
            case_id=case.id,
            actor=person(Role.enterprise, "neighbour", uscc="x"),
            text="该企业已迁出园区",
            today=APPROVED_ON,
        )
        with pytest.raises(Conflict) as error:
            payments.request_payment(
                session,
                case_id=case.id,
                idempotency_key="blocked-1",
                actor=OFFICER,
                today=NOTICE_OVER,
            )
        assert error.value.code == "open_objection"
        transitions.resolve_objection(
            session, objection_id=objection.id, actor=OFFICER, upheld=True, reason="核实属实"
        )
        assert case.status == CaseStatus.rejected and case.committed_fen == 0
        assert session.scalars(select(Budget)).one().committed_fen == 0
        assert ledger.ledger_problems(session) == []

    def test_objections_close_with_the_notice(self, session) -> None:
        make_budget(session, 2_000_000)
        case = make_case(session, status=CaseStatus.public_notice)
        with pytest.raises(Conflict):
            transitions.object_to(
                session, case_id=case.id, actor=OFFICER, text="太晚了", today=NOTICE_OVER
            )

    def test_enterprise_sees_other_firms_masked(self, session) -> None:
        make_budget(session, 2_000_000)
        case = make_case(session, status=CaseStatus.public_notice)
        rows = queries.public_notice(session, principal=person(Role.enterprise, "o", uscc="x"))
        row = next(r for r in rows if r["id"] == case.id)
        assert row["firm"] != case.firm_name and case.uscc not in row["uscc"]


class TestCreation:
    def _biotech(self, session, trials: int = 2):
        make_task_force(session, "bio")
        firm = make_firm(
            session, industry_code="2710", task_force="bio", established=date(2015, 1, 1)
        )
        add_facts(session, firm.id, 2022, clinical_trials_approved=trials)
        return firm

    def test_match_creates_auto_cases_once_with_inputs(self, session) -> None:
        firm = self._biotech(session)
        result = cases.match(
            session, year=2023, actor=OFFICER, policy_ids=["new_drug_clinical_trial"]
        )
        assert result["created"] >= 1
        case = session.scalars(select(GrantCase).where(GrantCase.uscc == firm.uscc)).one()
        assert case.status == CaseStatus.awaiting_confirmation
        assert case.engine_amount_fen == 2 * 2000_0000_00  # 20 million yuan a trial
        full = queries.case_dict(case, full=True)
        assert Decimal(full["engine_inputs"]["clinical_trials_approved"]) == 2
        assert len(full["policy_version"]) == 64
        again = cases.match(
            session, year=2023, actor=OFFICER, policy_ids=["new_drug_clinical_trial"]
        )
        assert again["created"] == 0
        firm_user = person(Role.enterprise, "bio-firm", uscc=firm.uscc)
        with pytest.raises(ValidationError):
            transitions.confirm(
                session, case_id=case.id, actor=firm_user, bank_account="12", bank_name="工行"
            )
        transitions.confirm(
            session,
            case_id=case.id,
            actor=firm_user,
            bank_account="6222 0202 0011 2233",
            bank_name="工行",
        )
        assert case.status == CaseStatus.submitted and case.due_on is not None

    def test_application_checks_its_evidence(self, session, tmp_path, monkeypatch) -> None:
        from yuanqu.core.config import configure, get_settings, restore_settings

        saved = get_settings()
        configure(data_dir=tmp_path)
        try:
            make_task_force(session, "ic")
            firm = make_firm(session, task_force="ic")
            user = person(Role.enterprise, "applicant", uscc=firm.uscc)
            common = {
                "actor": user,
                "policy_id": "high_tech_enterprise",
                "year": 2023,
                "bank_account": "6222020200112233",
                "bank_name": "工商银行",
            }
            with pytest.raises(ValidationError) as error:
                cases.apply(session, **common, uploads=[])
            assert error.value.details["missing"]
            fake = Upload("近三个会计年度财务审计报告", "audit.pdf", b"MZ\x90\x00 not a pdf")
            with pytest.raises(ValidationError) as error:
                cases.apply(session, **common, uploads=[fake])
            assert error.value.details["filename"] == "audit.pdf"
            big = Upload("近三个会计年度财务审计报告", "audit.pdf", b"%PDF-" + b"0" * (10 * 2**20))
            with pytest.raises(ValidationError) as error:
                cases.apply(session, **common, uploads=[big])
            assert error.value.details["field"] == "size"
        finally:
            restore_settings(saved)
