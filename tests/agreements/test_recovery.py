"""A clawback through the grants ledger: a recovery with its own workflow, the payment untouched,
the audit chain intact, the budget credited only where the policy says so."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.factories.grants import OFFICER, make_budget, make_case, person
from yuanqu.core.audit import entity_history, verify_chain
from yuanqu.core.auth import Role
from yuanqu.core.errors import Conflict, Forbidden, ValidationError
from yuanqu.grants import batches, ledger, recoveries
from yuanqu.grants.models import Budget, CaseStatus, Payment

TODAY = date(2025, 4, 1)


def paid_case(session, policy: str):
    make_budget(session, 10_000_000, policy=policy)
    case = make_case(
        session, status=CaseStatus.payment_scheduled, policy=policy, amount_fen=2_000_000
    )
    batch = batches.open_batch(session, key=f"b-{case.id}-0001", actor=OFFICER)
    payment = session.scalars(select(Payment).where(Payment.case_id == case.id)).one()
    payment.batch_id = batch.id
    batches.confirm_batch(session, batch_id=batch.id, actor=OFFICER)
    assert case.status == CaseStatus.paid
    return case, payment


def budget(session, policy: str) -> Budget:
    return session.scalars(select(Budget).where(Budget.policy_id == policy)).one()


def test_the_whole_workflow_to_money_back_in_a_returning_policy(session) -> None:
    case, payment = paid_case(session, "rd_investment_reward")  # recovered_funds: return_to_budget
    firm = person(Role.enterprise, "firm", uscc=case.uscc)
    row = recoveries.open_recovery(
        session,
        case_id=case.id,
        amount_fen=None,
        actor=OFFICER,
        source="协议 XY-2021-001 C1",
        reason="亩均税收未达标",
        today=TODAY,
    )
    assert (row.status, row.claimed_fen) == ("opened", 2_000_000)
    recoveries.notify(session, recovery_id=row.id, actor=OFFICER, on=date(2025, 4, 2))
    recoveries.object_to(
        session, recovery_id=row.id, text="疫情影响，请求减免", actor=firm, on=date(2025, 4, 9)
    )
    recoveries.decide(
        session,
        recovery_id=row.id,
        amount_fen=1_500_000,
        text="部分采纳，追回 75%",
        actor=OFFICER,
        on=date(2025, 4, 20),
    )
    recoveries.receive(
        session, recovery_id=row.id, amount_fen=1_000_000, actor=OFFICER, on=date(2025, 5, 1)
    )
    assert row.status == "decided"  # partly received
    recoveries.receive(
        session, recovery_id=row.id, amount_fen=500_000, actor=OFFICER, on=date(2025, 5, 9)
    )
    assert (row.status, row.recovered_fen, row.returned_fen) == ("recovered", 1_500_000, 1_500_000)
    assert budget(session, "rd_investment_reward").budget_fen == 10_000_000 + 1_500_000
    # the payment is as it was made, and the ledger still adds up
    assert (payment.amount_fen, payment.status) == (2_000_000, "paid")
    assert ledger.ledger_problems(session) == []
    actions = [r.action for r in entity_history(session, entities=[("grant_recovery", row.id)])]
    assert actions == ["open", "notify", "object", "decide", "receive", "receive"]
    assert verify_chain(session).intact


def test_money_goes_to_the_treasury_where_the_policy_says_nothing(session) -> None:
    case, _payment = paid_case(session, "test_policy")
    row = recoveries.open_recovery(
        session,
        case_id=case.id,
        amount_fen=800_000,
        actor=OFFICER,
        source="协议",
        reason="未按期投产",
        today=TODAY,
    )
    recoveries.notify(session, recovery_id=row.id, actor=OFFICER, on=TODAY)
    recoveries.decide(
        session, recovery_id=row.id, amount_fen=800_000, text="维持", actor=OFFICER, on=TODAY
    )
    recoveries.receive(session, recovery_id=row.id, amount_fen=800_000, actor=OFFICER, on=TODAY)
    assert row.returned_fen == 0 and budget(session, "test_policy").budget_fen == 10_000_000


def test_the_workflow_refuses_what_it_must(session) -> None:
    case, _payment = paid_case(session, "test_policy")
    with pytest.raises(ValidationError):
        recoveries.open_recovery(
            session,
            case_id=case.id,
            amount_fen=3_000_000,
            actor=OFFICER,
            source="x",
            reason="超过已付",
            today=TODAY,
        )
    with pytest.raises(Forbidden):
        recoveries.open_recovery(
            session,
            case_id=case.id,
            amount_fen=None,
            source="x",
            reason="r",
            actor=person(Role.analyst),
            today=TODAY,
        )
    row = recoveries.open_recovery(
        session,
        case_id=case.id,
        amount_fen=None,
        actor=OFFICER,
        source="x",
        reason="r",
        today=TODAY,
    )
    with pytest.raises(Conflict):  # a decision before the firm was told
        recoveries.decide(
            session, recovery_id=row.id, amount_fen=1, text="t", actor=OFFICER, on=TODAY
        )
    recoveries.notify(session, recovery_id=row.id, actor=OFFICER, on=TODAY)
    with pytest.raises(Forbidden):  # another firm may not object
        recoveries.object_to(
            session,
            recovery_id=row.id,
            text="no",
            on=TODAY,
            actor=person(Role.enterprise, "other", uscc="91110302MA00000000"),
        )
    with pytest.raises(Conflict):
        recoveries.open_recovery(
            session,
            case_id=case.id,
            amount_fen=None,
            actor=OFFICER,
            source="x",
            reason="again",
            today=TODAY,
        )


def test_an_unpaid_case_has_nothing_to_recover(session) -> None:
    make_budget(session, 10_000_000)
    case = make_case(session, status=CaseStatus.public_notice)
    with pytest.raises(Conflict):
        recoveries.open_recovery(
            session,
            case_id=case.id,
            amount_fen=None,
            actor=OFFICER,
            source="x",
            reason="r",
            today=TODAY,
        )


def test_the_policy_file_says_where_recovered_money_goes(tmp_path) -> None:
    from importlib.resources import files

    from yuanqu.policies.service import check_files, get_policy

    assert get_policy("rd_investment_reward").recovered_to_budget
    assert not get_policy("high_tech_enterprise").recovered_to_budget  # the default: treasury
    text = files("yuanqu.data").joinpath("policies/rd_investment_reward.yaml").read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        text.replace("recovered_funds: return_to_budget", "recovered_funds: to_my_pocket")
    )
    [issue] = check_files([bad])
    assert "recovered_funds" in str(issue)
