"""Plan files: the shipped ones are valid and cite their source; every mistake is FILE:LINE."""

from __future__ import annotations

import pytest

from yuanqu.core.datafile import DataFileError
from yuanqu.plans.definitions import parse_plan
from yuanqu.plans.service import shipped_files

GOOD = """\
key: demo_plan
title: 示例计划
title_en: Demo plan
issuer: 管委会
period: [2023, 2025]
owner: task_force:ic
targets:
  - key: ic_revenue
    name_zh: 集成电路营业收入
    name_en: IC revenue
    indicator: revenue
    scope: task_force:ic
    value: 1000
    deadline: 2025-12-31
    milestones: {2024: 800}
"""


def test_the_shipped_plans_are_valid_and_cite_their_source() -> None:
    files = shipped_files()
    assert len(files) >= 4
    for name, text in files:
        plan = parse_plan(text, file=name)
        assert plan.source_text, name
        if plan.verified:
            assert plan.source_url, name
    aerospace = parse_plan(dict(files)["yizhuang_commercial_aerospace_2028.yaml"], file="x")
    assert {t.key: int(t.value) for t in aerospace.targets} == {
        "aerospace_high_tech": 100,
        "aerospace_specialized": 50,
        "aerospace_unicorns": 5,
        "aerospace_listed": 5,
        "aerospace_cluster": 50_000_000_000,
    }


def test_a_good_plan_parses() -> None:
    plan = parse_plan(GOOD, file="demo.yaml")
    target = plan.targets[0]
    assert (plan.start_year, plan.end_year, target.indicator) == (2023, 2025, "revenue")
    assert target.milestones == {2024: 800}


@pytest.mark.parametrize(
    ("old", "new", "line", "reason"),
    [
        ("indicator: revenue", "indicator: profit_margin", 11, "unknown indicator"),
        ("scope: task_force:ic", "scope: planet:mars", 12, "scope"),
        ("value: 1000", "value: -5", 13, "positive"),
        ("deadline: 2025-12-31", "deadline: soon", 14, "date"),
        ("{2024: 800}", "{2030: 800}", 15, "outside the plan"),
        ("period: [2023, 2025]", "period: [2025, 2023]", 5, "period"),
    ],
)
def test_each_mistake_names_file_and_line(old: str, new: str, line: int, reason: str) -> None:
    with pytest.raises(DataFileError) as caught:
        parse_plan(GOOD.replace(old, new), file="demo.yaml")
    assert f"demo.yaml:{line}:" in caught.value.en
    assert reason in caught.value.en


def test_every_mistake_is_reported_at_once() -> None:
    text = GOOD.replace("value: 1000", "value: zero").replace("indicator: revenue", "indicator: x")
    with pytest.raises(DataFileError) as caught:
        parse_plan(text, file="demo.yaml")
    assert len(caught.value.problems) == 2


def test_projects_are_zone_wide_and_need_a_stage() -> None:
    text = GOOD.replace("indicator: revenue", "indicator: projects")
    with pytest.raises(DataFileError) as caught:
        parse_plan(text, file="demo.yaml")
    assert "stage" in caught.value.en and "zone-wide" in caught.value.en


def test_investment_attracted_refuses_the_leading_industry_scope_at_its_line() -> None:
    text = GOOD.replace("indicator: revenue", "indicator: investment_attracted").replace(
        "scope: task_force:ic", "scope: leading_industry"
    )
    with pytest.raises(DataFileError) as caught:
        parse_plan(text, file="demo.yaml")
    assert "demo.yaml:12:" in caught.value.en and "investment_attracted" in caught.value.en
    assert "主导产业" in caught.value.zh


@pytest.mark.parametrize("indicator", ["investment_attracted", "space_delivered"])
def test_the_new_indicators_parse_and_are_named(indicator: str) -> None:
    from yuanqu.plans.definitions import INDICATOR_NAMES

    plan = parse_plan(GOOD.replace("indicator: revenue", f"indicator: {indicator}"), file="x")
    target = plan.targets[0]
    assert target.indicator == indicator
    assert target.is_money == (indicator == "investment_attracted") and not target.is_amount
    assert all(INDICATOR_NAMES[indicator])
