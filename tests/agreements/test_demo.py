"""The demo's land, space and agreements: the 2024 factory programme, the aerospace quarter, most
commitments met and some short, and a clawback through the grants ledger that `audit verify`
still accepts."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from yuanqu.agreements import assessment
from yuanqu.core.audit import verify_chain
from yuanqu.demo.agreements import demo_clawback
from yuanqu.demo.service import build_demo
from yuanqu.grants import ledger
from yuanqu.grants.demo import pay_demo_awards
from yuanqu.grants.models import Payment
from yuanqu.space import service
from yuanqu.space.models import Park


def test_the_demo_zone_has_space_agreements_and_a_clawback(session) -> None:
    build_demo(session, seed=7, firms=600)
    supply = {r["year"]: r for r in service.supply(session)}
    assert supply[2024]["delivered_sqm"] == 200_000
    quarter = session.scalars(select(Park).where(Park.quarter == "空天街区")).all()
    assert len(quarter) == 2
    counts = assessment.summary(
        assessment.assess(session, assessment.current_terms(session), as_of=date(2024, 6, 30))
    )
    assert counts["met"] > 3 * counts["not met"] > 0
    pay_demo_awards(session, year=2023)
    recovery = demo_clawback(session, year=2023)
    assert recovery is not None and recovery["status"] == "recovered"
    assert recovery["source"].startswith("协议 ")
    payment = session.get(Payment, recovery["payment"])
    assert payment is not None and payment.status == "paid"  # the payment itself is untouched
    assert recovery["returned_fen"] == recovery["recovered_fen"]  # rd_investment_reward says so
    assert ledger.ledger_problems(session) == []
    assert verify_chain(session).intact
