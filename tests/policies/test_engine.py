"""The batch engine's fast paths change nothing: shared conditions, rationing only where a budget
binds, and narrow decimal types give the figures of each policy evaluated on its own."""

from __future__ import annotations

import dataclasses
import random
from datetime import date
from decimal import Decimal

import pytest

from yuanqu.policies import engine
from yuanqu.policies.definition import ParameterVersion
from yuanqu.policies.expressions import sql_number
from yuanqu.policies.inputs import base_row_from_values, base_table
from yuanqu.policies.service import get_policy

YEAR = 2024


def _base(n: int = 400, seed: int = 3):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        revenue = Decimal(rng.randint(0, 400_000_000)) + Decimal(rng.randint(0, 99)) / 100
        rd = (revenue * Decimal(rng.randint(0, 100)) / 1000).quantize(Decimal("0.01"))
        values = {
            "industry_code": rng.choice(["2710", "3973"]),
            "established": date(rng.randint(2000, 2023), 1, 1),
            "revenue": None if rng.random() < 0.05 else revenue,
            "rd_expense": rd,
            "rd_expense_prev": (rd * Decimal(rng.randint(60, 120)) / 100).quantize(Decimal("0.01")),
            "employees": rng.randint(5, 500),
            "tech_staff": rng.randint(0, 100),
            "high_tech_product_revenue": (revenue * Decimal(rng.randint(30, 90)) / 100).quantize(
                Decimal("0.01")
            ),
            "invention_patents": rng.randint(0, 2),
            "class2_ip": rng.randint(0, 2),
        }
        rows.append(base_row_from_values(values, firm_id=i, uscc=f"F{i:09d}"))
    return base_table(rows)


def _variants(budget: Decimal | None) -> list:
    high_tech, reward = get_policy("high_tech_enterprise"), get_policy("rd_investment_reward")
    out = []
    for k in range(6):
        if k % 2 == 0:
            params = dict(high_tech.parameters)
            p = params["high_tech_share_min"]
            share = Decimal("0.60") - Decimal(k) / 100
            params[p.name] = dataclasses.replace(
                p, versions=(ParameterVersion(date(2016, 1, 1), value=share),)
            )
            out.append(dataclasses.replace(high_tech, id=f"high_tech_{k}", parameters=params))
        else:
            params = dict(reward.parameters)
            p = params["reward_rate"]
            rate = Decimal("0.10") + Decimal(k) / 1000
            params[p.name] = dataclasses.replace(
                p, versions=(ParameterVersion(date(2021, 1, 1), value=rate),)
            )
            out.append(
                dataclasses.replace(
                    reward,
                    id=f"rd_reward_{k}",
                    parameters=params,
                    exclusive_group=None,
                    budget=budget if k != 5 else Decimal("1000000000"),
                )
            )
    return out


@pytest.mark.parametrize("budget", [None, Decimal("5000.01"), Decimal("1000000000")])
def test_together_equals_one_by_one(budget) -> None:
    base = _base()
    policies = _variants(budget)
    together = engine.evaluate(engine.connect(), policies, YEAR, {YEAR - 1: base})
    all_rows = together.rows().to_pylist()
    for policy in policies:
        alone = engine.evaluate(engine.connect(), [policy], YEAR, {YEAR - 1: base})
        want = alone.rows().to_pylist()
        got = [r for r in all_rows if r["policy"] == policy.id]
        assert got == want, policy.id
    for total in together.totals():
        if total["budget_fen"] is not None:
            assert total["allocated_fen"] == min(total["budget_fen"], total["claimed_fen"])
    if budget == Decimal("5000.01"):
        # the budget binds: pro rata shares add up to the budget exactly, to the fen
        rationed = next(t for t in together.totals() if t["policy"] == "rd_reward_1")
        assert rationed["claimed_fen"] > rationed["budget_fen"] == 500001
        assert rationed["allocated_fen"] == 500001


def test_ineligible_rows_can_be_left_out_without_changing_the_rest() -> None:
    base = _base(seed=5)
    policies = _variants(Decimal("5000.01"))
    full = engine.evaluate(engine.connect(), policies, YEAR, {YEAR - 1: base}).rows()
    short = engine.evaluate(
        engine.connect(), policies, YEAR, {YEAR - 1: base}, keep_ineligible=False
    ).rows()
    assert [r for r in full.to_pylist() if r["status"] != "ineligible"] == short.to_pylist()


@pytest.mark.parametrize(
    "value",
    ["0", "0.0000000001", "-3.5", "5000000", "123456789012345678.1234567890", "0.1001"],
)
def test_literals_keep_their_exact_value(value) -> None:
    con = engine.connect()
    got = con.execute(f"SELECT {sql_number(Decimal(value))}").fetchall()[0][0]
    assert got == Decimal(value)


def test_a_year_with_no_policy_in_effect_gives_empty_results() -> None:
    result = engine.evaluate(engine.connect(), _variants(None), 2001, {2000: _base(5)})
    assert result.compiled == []
    assert result.rows().num_rows == 0
    assert result.totals() == []
