"""The demo's awards go through the whole workflow and show in the payouts report."""

from __future__ import annotations

from tests.factories.policies import add_facts
from tests.factories.registry import make_firm, make_task_force
from yuanqu.core import audit
from yuanqu.grants import ledger, reports
from yuanqu.grants.demo import pay_demo_awards


def test_demo_awards_are_paid_and_reported(session) -> None:
    make_task_force(session, "bio")
    big = [make_firm(session, industry_code="2710", task_force="bio") for _ in range(2)]
    for firm in big:
        add_facts(session, firm.id, 2022, clinical_trials_approved=3)
    result = pay_demo_awards(session, year=2023)
    assert result["cases"] >= 2
    assert result["paid_fen"] >= 2 * 1500_0000_00  # 3 trials x 5 million yuan each
    by_firm = reports.payouts(session, year=2023, by="firm")
    assert {f.uscc for f in big} <= {r["group"] for r in by_firm["rows"]}
    assert reports.firms_over(session, year=2023, threshold_fen=1500_0000_00 - 1) >= 2
    assert ledger.ledger_problems(session) == []
    assert audit.verify_chain(session).intact
