"""The demo's figures the README prints, checked against a built demo: the README is read, its
figures are found by the sentences that carry them, and each must equal what the demo computes.
Used by the test that builds the whole default demo (tests/grants/test_demo.py), so the suite
builds it once."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

README = Path(__file__).resolve().parents[2] / "README.md"


def readme() -> str:
    """The README with its line breaks and runs of spaces folded to one space."""
    return re.sub(r"\s+", " ", README.read_text(encoding="utf-8"))


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def find(pattern: str) -> tuple[str, ...]:
    """The groups of ``pattern`` in the README; a figure that moved out of its sentence fails."""
    match = re.search(pattern, readme())
    assert match, f"README no longer says: {pattern}"
    return match.groups()


def check_awards(result: dict, by_policy: list[dict]) -> None:
    cases, paid, over = find(
        r"the 2023 awards: ([\d,]+) cases paid through the ledger, ([\d.]+)亿元, (\d+) firms above"
    )
    assert _number(cases) == result["cases"]
    assert _number(paid) == round(result["paid_fen"] / 1e10, 1)
    assert int(over) == result["firms_over_100m"]
    seed_cases, seed_paid = find(r"Seed 2023 pays ([\d,]+) cases, ([\d.]+)亿元")
    assert (_number(seed_cases), _number(seed_paid)) == (_number(cases), _number(paid))
    policies = {r["group"]: r for r in by_policy}
    for policy, pattern in (
        ("new_drug_clinical_trial", r"the clinical-trial reward ([\d.]+)亿元 \((\d+) firms"),
        ("rd_investment_reward", r"the R&D reward ([\d.]+)亿元 \(([\d,]+) firms"),
        ("commercial_aerospace_support", r"aerospace support ([\d.]+)亿元 \((\d+) firms"),
        ("tech_insurance_premium_subsidy", r"premium subsidies ([\d.]+)亿元 \(([\d,]+) firms"),
    ):
        amount, firms = find(pattern)
        row = policies[policy]
        assert _number(amount) == round(row["amount_fen"] / 1e10, 1), policy
        assert _number(firms) == row["firms"], policy


def check_statistics(figures: dict, reporting_firms: int, monthly_reports: int) -> None:
    firms, reports = find(r"\(([\d,]+) reporting firms, ([\d,]+) monthly reports\)")
    assert (_number(firms), _number(reports)) == (reporting_firms, monthly_reports)
    for label, key in (
        (r"\| gross industrial output \| ([\d,.]+) 亿元", "gross_output_yi"),
        (r"\| industrial value added \| ([\d,.]+) 亿元", "value_added_yi"),
        (r"亿元, ([\d.]+)% of Beijing", "value_added_share_of_beijing_pct"),
        (r"\| fixed-asset investment \| ([\d,.]+) 亿元", "fixed_asset_investment_yi"),
        (r"of which industrial ([\d,.]+) 亿元", "industrial_fixed_asset_investment_yi"),
        (
            r"\| strategic emerging industries \| ([\d.]+)% of gross output",
            "strategic_emerging_share_pct",
        ),
        (r"\| gross output growth \(same scope\) \| ([\d.]+)%", "gross_output_yoy_pct"),
    ):
        (shown,) = find(label)
        assert _number(shown) == round(figures[key], 1), key


def check_labels(session: Session) -> None:
    from yuanqu.registry import service
    from yuanqu.registry.schemas import EnterpriseFilter

    def count(label: str, day: date) -> int:
        rows = service.count_enterprises(session, filters=EnterpriseFilter(as_of=day), by="label")
        return next((r.count for r in rows if r.group == label), 0)

    high = find(
        r"\(high-tech ([\d,]+) on 2023-12-31, ([\d,]+) a year later, ([\d,]+) on 2026-12-07"
    )
    spec = find(r"专精特新 ([\d,]+), ([\d,]+), ([\d,]+)\)")
    days = (date(2023, 12, 31), date(2024, 12, 31), date(2026, 12, 7))
    assert [_number(x) for x in high] == [count("high_tech", d) for d in days]
    assert [_number(x) for x in spec] == [count("specialized", d) for d in days]
