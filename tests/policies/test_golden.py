"""Golden cases (OpenFisca style: period, input, output) for the shipped policies.

Each case is evaluated by the batch engine (DuckDB) and explained in Python; both must give the
expected output, to the fen.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from yuanqu.core.uscc import make_usccs
from yuanqu.policies import engine, plan
from yuanqu.policies.explain import explain
from yuanqu.policies.inputs import base_row_from_values, base_table
from yuanqu.policies.service import get_policy

CASES = Path(__file__).parent / "cases"


def _cases():
    for path in sorted(CASES.glob("*.yaml")):
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # strings only
        for case in doc["cases"]:
            yield pytest.param(doc["policy"], case, id=f"{path.stem}: {case['name']}")


def _value(raw):
    """BaseLoader keeps every scalar as text, so amounts are read exactly."""
    if isinstance(raw, list):
        return [_value(r) for r in raw]
    if raw in ("true", "false"):
        return raw == "true"
    if raw in ("null", "~"):
        return None
    if raw.count("-") == 2 and len(raw) == 10:
        from datetime import date

        return date.fromisoformat(raw)
    try:
        return Decimal(raw) if not raw.startswith("0") or raw == "0" or "." in raw else raw
    except ArithmeticError:
        return raw


def _yuan_to_fen(value) -> int | None:
    return None if value is None else int(Decimal(value) * 100)


@pytest.mark.parametrize(("policy_id", "case"), list(_cases()))
def test_golden_case(policy_id: str, case: dict) -> None:
    policy = get_policy(policy_id)
    if "budget" in case:
        policy = dataclasses.replace(policy, budget=Decimal(case["budget"]))
    year = int(case["period"])
    firms = case.get("firms") or {"firm": case["input"]}
    expected_all = case["output"] if "firms" in case else {"firm": case["output"]}
    codes = dict(zip(firms, make_usccs(range(1, len(firms) + 1)), strict=True))
    rows = []
    for i, (name, values) in enumerate(firms.items(), start=1):
        parsed = {k: _value(v) for k, v in values.items()}
        parsed = {k: (str(v) if k == "industry_code" else v) for k, v in parsed.items()}
        rows.append(base_row_from_values(parsed, firm_id=i, uscc=codes[name]))
    con = plan.connect()
    result = engine.evaluate(con, [policy], year, base_table(rows))
    assert result.totals() == result.totals_from_rows()  # counted where allocated
    for name, expected in expected_all.items():
        if expected.get("status") == "not_in_effect":
            assert not result.compiled
            continue
        got = result.one(policy.id, codes[name])
        assert got is not None
        conditions = [c.id for c in policy.conditions]
        got["failed_condition"] = None if got["failed"] is None else conditions[got["failed"]]
        # explain must agree with the batch
        variables = result.variables(policy, codes[name])
        ex = explain(result.compiled[0], variables, uscc=codes[name])
        assert ex.status == (got["status"] if got["status"] != "excluded" else ex.status)
        assert ex.amount_fen == got["amount_fen"]
        assert ex.capped_fen == got["capped_fen"]
        assert (None if ex.failed is None else conditions[ex.failed]) == got["failed_condition"]
        for key, want in expected.items():
            if key in ("amount", "capped", "allocated"):
                assert got[f"{key}_fen"] == _yuan_to_fen(want), key
            elif key == "missing":
                assert sorted(got["missing_vars"].split(",")) == sorted(want)
            else:
                assert got[key] == _value(want) if key != "status" else got[key] == want, key
