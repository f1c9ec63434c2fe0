"""Evaluation from the system of record: facts, statistics and labels read for the period, the
batch agreeing with explain on many firms, and the same result on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import date

import pytest

from tests.factories.policies import add_facts
from tests.factories.registry import make_firm
from tests.factories.stats import add_reports, report_row
from yuanqu.core.tabular import ImportRejected
from yuanqu.policies import engine, plan, service
from yuanqu.policies.explain import explain
from yuanqu.policies.facts import import_facts
from yuanqu.policies.inputs import base_table
from yuanqu.policies.load import load_base


def _zone(session, n: int = 60, seed: int = 7) -> list:
    """Firms with random (sometimes missing) statistics and facts for 2023 and 2022."""
    rng = random.Random(seed)
    firms = []
    reports = []
    for _i in range(n):
        code = rng.choice(["2710", "2720", "3973", "3742", "6513"])
        labels = [("high_tech", date(2021, 1, 1), date(2024, 12, 31))] if rng.random() < 0.4 else []
        firm = make_firm(
            session,
            industry_code=code,
            established=date(rng.randint(2010, 2023), rng.randint(1, 12), 1),
            labels=labels,
        )
        firms.append(firm)
        for year in (2022, 2023):
            if rng.random() < 0.1:
                continue  # no reports at all this year: missing, not zero
            for month in range(1, 13):
                reports.append(
                    report_row(
                        firm.id,
                        f"{year}-{month:02d}",
                        revenue=rng.randint(0, 30_000_000) + rng.randint(0, 99) / 100,
                        rd_expense=rng.randint(0, 2_000_000),
                        employees=rng.randint(5, 400),
                    )
                )
        facts = {
            "tech_staff": rng.randint(0, 80),
            "high_tech_product_revenue": rng.randint(0, 200_000_000),
            "invention_patents": rng.randint(0, 3),
            "class2_ip": rng.randint(0, 5),
            "clinical_trials_approved": rng.randint(0, 3),
            "rockets_launched": rng.randint(0, 2),
            "tech_insurance_premium": rng.randint(0, 900_000),
        }
        facts = {k: v for k, v in facts.items() if rng.random() > 0.15}
        if facts:
            add_facts(session, firm.id, 2023, **facts)
    add_reports(session, reports)
    session.flush()
    return firms


class TestFromTheDatabase:
    def test_batch_agrees_with_explain_on_every_firm(self, session) -> None:
        firms = _zone(session)
        policies = list(service.shipped_policies())
        result = service.run(session, year=2024, policies=policies)
        checked = 0
        for compiled in result.compiled:
            for firm in firms:
                variables = result.variables(compiled.policy, firm.uscc)
                ex = explain(compiled, variables, uscc=firm.uscc)
                got = result.one(compiled.policy.id, firm.uscc)
                assert ex.failed == got["failed"], (compiled.policy.id, firm.uscc)
                assert ex.amount_fen == got["amount_fen"]
                assert ex.capped_fen == got["capped_fen"]
                if got["status"] != "excluded":
                    assert ex.status == got["status"]
                assert ",".join(ex.missing) == got["missing_vars"]
                checked += 1
        assert checked == len(firms) * len(result.compiled)
        statuses = {r["status"] for r in result.rows().to_pylist()}
        assert {"eligible", "ineligible", "missing"} <= statuses

    def test_same_result_as_from_memory(self, session) -> None:
        """The database (SQLite or PostgreSQL) gives exactly what the same inputs give in memory."""
        _zone(session, n=30, seed=11)
        policies = list(service.shipped_policies())
        from_db = service.run(session, year=2024, policies=policies).rows().to_pylist()
        bases = {y: base_table(load_base(session, y).to_pylist()) for y in (2023, 2024)}
        in_memory = engine.evaluate(plan.connect(), policies, 2024, bases).rows().to_pylist()
        assert from_db == in_memory
        assert sum(r["allocated_fen"] for r in from_db) > 0

    def test_statistics_are_summed_and_missing_years_stay_missing(self, session) -> None:
        firm = make_firm(session)
        add_reports(
            session,
            [
                report_row(firm.id, f"2023-{m:02d}", revenue=1000.01, rd_expense=10)
                for m in range(1, 13)
            ],
        )
        row = load_base(session, 2023, uscc=firm.uscc).to_pylist()[0]
        assert row["revenue_fen"] == 12 * 100001
        assert row["rd_expense_fen"] == 12 * 1000
        assert row["revenue_prev_fen"] is None
        assert row["fact_tech_staff"] is None

    def test_explain_names_the_gap(self, session) -> None:
        firm = make_firm(session, industry_code="3973", established=date(2010, 1, 1))
        add_reports(
            session,
            [
                report_row(
                    firm.id, f"2023-{m:02d}", revenue=1_000_000, rd_expense=30_000, employees=100
                )
                for m in range(1, 13)
            ],
        )
        add_facts(
            session,
            firm.id,
            2023,
            tech_staff=20,
            high_tech_product_revenue=9_000_000,
            invention_patents=1,
            class2_ip=0,
        )
        ex = service.explain_firm(
            session, uscc=firm.uscc, policy_id="high_tech_enterprise", year=2024, lang="en"
        )
        assert ex["status"] == "ineligible"
        rd = next(c for c in ex["conditions"] if c["id"] == "rd_ratio")
        assert rd["verdict"] == "fail"
        # 12 million revenue needs 5% = 600,000 yuan of R&D; it has 360,000.
        assert "600,000" in rd["to_pass"] and "240,000 more" in rd["to_pass"]
        zh = service.explain_firm(
            session, uscc=firm.uscc, policy_id="high_tech_enterprise", year=2024, lang="zh"
        )
        assert (
            "研发费用需达到"
            in next(c for c in zh["conditions"] if c["id"] == "rd_ratio")["to_pass"]
        )

    def test_simulate_reports_cost_and_changes(self, session) -> None:
        _zone(session, n=40, seed=3)
        base = service.simulate(session, policy_id="rd_investment_reward", year=2024, overrides={})
        assert base["gainers"] == base["losers"] == 0
        richer = service.simulate(
            session, policy_id="rd_investment_reward", year=2024, overrides={"reward_rate": "20%"}
        )
        assert richer["after"]["cost_fen"] >= richer["before"]["cost_fen"]
        assert richer["gainers"] > 0 and richer["losers"] == 0


class TestFactsImport:
    def test_all_or_nothing_with_every_bad_row_named(self, session) -> None:
        firm = make_firm(session)
        text = (
            "uscc,year,fact,value\n"
            f"{firm.uscc},2023,tech_staff,12\n"
            f"{firm.uscc},2023,no_such_fact,1\n"
            "91110000000000000X,2023,tech_staff,1\n"
            f"{firm.uscc},2023,tech_staff,13\n"
            f"{firm.uscc},2023,tech_insurance_premium,1.001\n"
        )
        with pytest.raises(ImportRejected) as info:
            import_facts(session, source=text.encode(), filename="facts.csv")
        rows = sorted({e.row for e in info.value.errors})
        assert rows == [3, 4, 5, 6]
        assert load_base(session, 2023, uscc=firm.uscc).to_pylist()[0]["fact_tech_staff"] is None

    def test_reimport_needs_replace(self, session) -> None:
        firm = make_firm(session)
        text = f"uscc,year,fact,value\n{firm.uscc},2023,tech_insurance_premium,1234.56\n".encode()
        assert import_facts(session, source=text, filename="f.csv").created == 1
        with pytest.raises(ImportRejected):
            import_facts(session, source=text, filename="f.csv")
        assert import_facts(session, source=text, filename="f.csv", replace=True).replaced == 1
        row = load_base(session, 2023, uscc=firm.uscc).to_pylist()[0]
        assert row["fact_tech_insurance_premium"] == 123456
