"""The demo's awards go through the whole workflow and show in the payouts report."""

from __future__ import annotations

from sqlalchemy import select

from tests.factories.policies import add_facts
from tests.factories.registry import make_firm, make_task_force
from yuanqu.core import audit
from yuanqu.grants import ledger, reports
from yuanqu.grants.demo import pay_demo_awards
from yuanqu.policies.service import get_policy


def test_demo_awards_are_paid_and_reported(session) -> None:
    make_task_force(session, "bio")
    big = [make_firm(session, industry_code="2710", task_force="bio") for _ in range(2)]
    for firm in big:
        add_facts(session, firm.id, 2022, clinical_trials_approved=3)
    result = pay_demo_awards(session, year=2023)
    assert result["cases"] >= 2
    assert result["paid_fen"] >= 2 * 6000_0000_00  # 3 trials x 20 million yuan each
    by_firm = reports.payouts(session, year=2023, by="firm")
    assert {f.uscc for f in big} <= {r["group"] for r in by_firm["rows"]}
    assert reports.firms_over(session, year=2023, threshold_fen=6000_0000_00 - 1) >= 2
    assert ledger.ledger_problems(session) == []
    assert audit.verify_chain(session).intact


def test_payouts_by_policy_name_each_policy_by_its_title(session) -> None:
    firm = make_firm(session, industry_code="2710")
    add_facts(session, firm.id, 2022, clinical_trials_approved=1)
    pay_demo_awards(session, year=2023)
    rows = {r["group"]: r for r in reports.payouts(session, year=2023, by="policy")["rows"]}
    english = reports.payouts(session, year=2023, by="policy", lang="en")["rows"]
    assert rows["new_drug_clinical_trial"]["name"] == get_policy("new_drug_clinical_trial").title_zh
    assert {r["name"] for r in english} >= {get_policy("new_drug_clinical_trial").title_en}


def test_the_demo_zone_pays_29_firms_more_than_100_million_yuan(tmp_path) -> None:
    """The whole default demo (90,000 firms): the published 2023 figure, read from the ledger."""
    from tests.demo import readme_figures
    from yuanqu.core.db import make_engine, migrate, session_scope
    from yuanqu.demo.service import build_demo, calibration
    from yuanqu.grants.models import Budget

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    migrate(url)
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            summary = build_demo(session)
        assert summary.facts is not None and len(summary.facts.headline) == 29
        with session_scope(engine) as session:
            result = pay_demo_awards(session, year=2023)
        with session_scope(engine) as session:
            report = reports.payouts(session, year=2023, by="firm")
            assert report["firms_over_100m"] == 29
            assert report["headline"]["zh"] == "2023年共29家企业获得兑现资金超过1亿元"
            assert report["headline"]["en"] == (
                "29 firms received more than 100 million yuan in 2023"
            )
            over = [r for r in report["rows"] if r["amount_fen"] > reports.YI_FEN]
            assert len(over) == 29
            totals = reports.payouts(session, year=2023, by="policy")
            assert result["paid_fen"] == totals["total_fen"]
            # a plausible total: billions, not the 140 million of the facts-less demo
            assert 20 * reports.YI_FEN < totals["total_fen"] < 80 * reports.YI_FEN
            by_policy = totals["rows"]
            assert {r["group"] for r in by_policy} == {
                "commercial_aerospace_support",
                "new_drug_clinical_trial",
                "rd_investment_reward",
                "tech_insurance_premium_subsidy",
            }
            for budget in session.scalars(select(Budget).where(Budget.year == 2023)):
                assert budget.paid_fen <= budget.committed_fen <= budget.budget_fen
            assert ledger.ledger_problems(session) == []
            assert audit.verify_chain(session).intact
            # The figures the README prints are the ones this build computes.
            readme_figures.check_awards(result, by_policy)
            readme_figures.check_statistics(
                calibration(session), summary.reporting_firms, summary.monthly_reports
            )
            readme_figures.check_labels(session)
            # The awards of 2023 were decided in 2024: their audit trail says so.
            from yuanqu.grants.models import GrantCase

            first = session.scalar(select(GrantCase.id).order_by(GrantCase.id).limit(1))
            history = audit.entity_history(session, entities=[("grant_case", first)])
            assert len(history) >= 5 and {r.occurred_at.year for r in history} == {2024}
    finally:
        engine.dispose()
