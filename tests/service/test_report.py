"""The yearly report's figures on a year whose answers are counted by hand."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from tests.factories.service import DESK, desk_setup
from tests.service.test_import import csv
from yuanqu.service.importer import import_requests
from yuanqu.service.report import yearly_report

AS_OF = datetime(2024, 12, 31, 12, 0)


@pytest.fixture
def year(session: Session):
    desk = desk_setup(session)
    a, b = desk["own"].uscc, desk["other"].uscc
    rows = [
        # signed in 1 h (in time), closed after 24 h, solved, satisfied
        f"R1,2024-03-04T09:00,12345,{a},permits,general,甲,ic,2024-03-04T10:00,,2024-03-05T09:00,是,满意",
        # signed after 3 h (late), closed after 48 h, solved, basically
        f"R2,2024-03-05T09:00,12345,{a},permits,general,乙,ic,2024-03-05T12:00,,2024-03-07T09:00,是,基本满意",
        # signed in time, closed after 10 days (late: due 14 Mar), not solved, unsatisfied
        f"R3,2024-03-05T09:00,portal,{b},finance,general,丙,planning,2024-03-05T09:30,,2024-03-15T09:00,否,不满意",
        # closed, not followed up yet: 100 h
        f"R4,2024-04-01T09:00,12345,{b},policy,general,丁,planning,2024-04-01T09:10,,2024-04-05T13:00,,",
        # open since June: overdue as of the end of the year
        f"R5,2024-06-03T09:00,visit,{a},permits,urgent,戊,ic,,,,,",
        # received in 2023: not in the 2024 report
        f"R6,2023-06-03T09:00,12345,{a},permits,general,己,ic,,,,,",
    ]
    import_requests(session, actor=DESK, source=csv(*rows), filename="y.csv", now=AS_OF)
    return desk


def test_totals_and_the_three_rates(session, year):
    report = yearly_report(session, year=2024, as_of=AS_OF)
    assert (report["tickets"], report["closed"], report["closed_pct"]) == (5, 4, 80.0)
    assert report["response_rate_pct"] == 60.0  # 3 of 5 dispatched: R2 late, R5 never signed
    assert report["resolution_rate_pct"] == 66.7  # 2 of 3 followed up
    assert report["satisfaction_rate_pct"] == 66.7  # satisfied + basically, of 3
    assert report["overdue"] == 2  # R3 closed late, R5 open past due
    # hours to close: 24, 48, 100, 240 -> median 74, p90 = 100 + 0.7 * 140
    assert (report["median_hours"], report["p90_hours"]) == (74.0, 198.0)


def test_groups_are_named_and_ordered(session, year):
    report = yearly_report(session, year=2024, as_of=AS_OF)
    units = {r["unit"]: r for r in report["by_unit"]}
    assert units["ic"]["tickets"] == 3 and units["ic"]["response_rate_pct"] == 33.3
    assert units["planning"]["name"] == "规划和自然资源分局"
    assert report["by_type"][0]["code"] == "permits" and report["by_type"][0]["name"] == "审批许可"
    assert report["top_types"][0]["tickets"] == 3
    assert [m["month"] for m in report["by_month"]] == ["2024-03", "2024-04", "2024-06"]
    channels = {r["code"]: r["tickets"] for r in report["by_channel"]}
    assert channels == {"hotline": 3, "portal": 1, "visit": 1}
    assert {r["code"] for r in report["by_task_force"]} == {"ic"}
    english = yearly_report(session, year=2024, lang="en", as_of=AS_OF)
    assert english["by_type"][0]["name"] == "permits and approvals"


def test_repeat_requests_from_the_same_firm(session, year):
    report = yearly_report(session, year=2024, as_of=AS_OF)
    assert report["repeat_firms"] == 2 and report["repeat_requests"] == 5
    first = report["repeat"][0]
    assert (first["uscc"], first["requests"], first["main_type"], first["most_of_one_type"]) == (
        year["own"].uscc,
        3,
        "permits",
        3,
    )


def test_an_empty_year_says_nothing_rather_than_zero_rates(session, year):
    report = yearly_report(session, year=2022, as_of=AS_OF)
    assert report["tickets"] == 0 and report["response_rate_pct"] is None
    assert report["by_unit"] == []
