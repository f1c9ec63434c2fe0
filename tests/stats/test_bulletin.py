"""The bulletin against hand-computed golden cases, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.factories.registry import make_firm, make_task_force
from tests.factories.stats import add_price, add_reference, add_reports, report_row
from yuanqu.core.db import session_scope
from yuanqu.core.errors import ValidationError
from yuanqu.core.periods import Period
from yuanqu.stats import firms, service

GOLDEN = json.loads((Path(__file__).parent / "golden" / "same_scope.json").read_text())
CASES = {case["name"]: case for case in GOLDEN["cases"]}


def build_golden(session: Session, case: dict[str, Any]) -> dict[str, str]:
    """Write the golden firms and reports (and the case's prices and references)."""
    make_task_force(session, "ic")
    make_task_force(session, "auto")
    usccs: dict[str, str] = {}
    ids: dict[str, int] = {}
    for key, spec in GOLDEN["firms"].items():
        firm = make_firm(
            session,
            industry_code=spec["industry_code"],
            task_force=spec["task_force"],
            sub_area=spec["sub_area"],
            labels=[
                (label, date.fromisoformat(start), end and date.fromisoformat(end))
                for label, start, end in spec["labels"]
            ],
        )
        usccs[key], ids[key] = firm.uscc, firm.id
    rows = []
    for item in GOLDEN["reports"]:
        first, last = (Period.parse(p) for p in item["periods"].split(".."))
        values = {k: v for k, v in item.items() if k not in ("firm", "periods")}
        rows += [report_row(ids[item["firm"]], str(p), **values) for p in Period.range(first, last)]
    add_reports(session, rows)
    for division, period, index in case.get("prices", []):
        add_price(session, division, period, index)
    for indicator, period, total in case.get("reference", []):
        add_reference(session, indicator, period, total)
    return usccs


@pytest.fixture
def golden_db(committed_db):
    def build(case: dict[str, Any]) -> dict[str, str]:
        with session_scope(committed_db.engine) as session:
            return build_golden(session, case)

    return build


def _as_expected(row: Any, field: str) -> Any:
    value = getattr(row, field)
    if field in ("month", "cumulative") and row.unit == "fen" and value is not None:
        return value / 100  # fen -> yuan, as the golden file writes amounts
    return value


@pytest.mark.parametrize("name", list(CASES))
def test_bulletin_matches_hand_computed_case(golden_db, committed_db, name: str) -> None:
    case = CASES[name]
    golden_db(case)
    with session_scope(committed_db.engine) as session:
        result = service.bulletin(
            session, period=case["period"], scope=case["scope"], by=case["by"]
        )
    assert result.price_basis == case.get("price_basis", "nominal")
    rows = {(r.indicator, r.by, r.group): r for r in result.rows}
    for expected in case["expected"]:
        row = rows[(expected["indicator"], expected["by"], expected["group"])]
        for field, value in expected.items():
            if field in ("indicator", "by", "group"):
                continue
            actual = _as_expected(row, field)
            if value is None:
                assert actual is None, (field, expected)
            else:
                assert actual == pytest.approx(value, abs=1e-9), (field, expected)


def test_every_partition_sums_to_the_total(golden_db, committed_db) -> None:
    golden_db(CASES["march_entry_and_exit"])
    partitions = ["leading_industry", "section", "division", "sub_area", "task_force"]
    with session_scope(committed_db.engine) as session:
        result = service.bulletin(session, period="2023-03", by=partitions)
    for indicator in ("gross_output", "value_added", "revenue", "employees"):
        total = next(r for r in result.rows if r.indicator == indicator and r.by == "total")
        for by in partitions:
            groups = [r for r in result.rows if r.indicator == indicator and r.by == by]
            assert sum(r.month or 0 for r in groups) == pytest.approx(total.month or 0)
            assert sum(r.cumulative or 0 for r in groups) == pytest.approx(total.cumulative or 0)
            shares = [r.share_of_zone_pct for r in groups if r.share_of_zone_pct is not None]
            if total.cumulative:
                assert sum(shares) == pytest.approx(100.0)


def test_there_is_no_january_bulletin(golden_db, committed_db) -> None:
    golden_db(CASES["jan_feb_merged"])
    with session_scope(committed_db.engine) as session, pytest.raises(ValidationError) as err:
        service.bulletin(session, period="2023-01")
    assert "1月与2月合并" in err.value.zh


def test_warm_call_reuses_loaded_data_until_an_import(golden_db, committed_db) -> None:
    from yuanqu.analytics.engine import CACHE
    from yuanqu.stats.frames import TABLES, VERSIONS_SQL, database_url, session_versions

    golden_db(CASES["march_entry_and_exit"])
    with session_scope(committed_db.engine) as session:
        first = service.bulletin(session, period="2023-03", by=[])
        _data, warm = CACHE.get(
            database_url(session), TABLES, VERSIONS_SQL, seen=session_versions(session)
        )
        assert warm
        assert service.bulletin(session, period="2023-03", by=[]) == first
    with session_scope(committed_db.engine) as session:
        add_reference(session, "gross_output", "2023-03", 5300)
    with session_scope(committed_db.engine) as session:
        _data, warm = CACHE.get(
            database_url(session), TABLES, VERSIONS_SQL, seen=session_versions(session)
        )
        assert not warm  # the import bumped the stats version: reloaded
        total = next(r for r in service.bulletin(session, period="2023-03", by=[]).rows)
        assert total.share_of_reference_pct == pytest.approx(10.0)


class TestDashboards:
    def test_trend_merges_january_and_compares_same_scope(self, golden_db, committed_db):
        golden_db(CASES["march_entry_and_exit"])
        with session_scope(committed_db.engine) as session:
            points = service.trend(
                session, indicator="gross_output", start="2023-02", end="2023-03"
            )
        assert [p.period for p in points] == ["2023-02", "2023-03"]
        assert points[0].value == 36000 and points[1].value == 17000
        assert points[0].yoy_pct == pytest.approx(-7.142857142857)
        assert points[1].yoy_pct == pytest.approx(20.0)
        assert points[1].change_pct == pytest.approx(21.428571428571)

    def test_drill_down_lists_the_firms_of_a_group(self, golden_db, committed_db):
        usccs = golden_db(CASES["march_entry_and_exit"])
        with session_scope(committed_db.engine) as session:
            firms = service.drill_down(
                session, period="2023-03", by="sub_area", group="核心区", indicator="gross_output"
            )
        assert [f.uscc for f in firms] == [usccs["A"], usccs["D"]]
        assert firms[0].cumulative == 36000 and firms[0].cumulative_yoy_pct == pytest.approx(20.0)
        assert firms[1].cumulative is None

    def test_ranking_by_value_and_growth(self, golden_db, committed_db):
        usccs = golden_db(CASES["march_entry_and_exit"])
        with session_scope(committed_db.engine) as session:
            by_value = service.ranking(session, period="2023-03", limit=2)
            by_growth = service.ranking(session, period="2023-03", order_by="growth", limit=2)
        assert [f.uscc for f in by_value] == [usccs["A"], usccs["B"]]
        assert [f.uscc for f in by_growth] == [usccs["A"], usccs["C"]]

    def test_treemap_nests_section_division_class(self, golden_db, committed_db):
        golden_db(CASES["march_entry_and_exit"])
        with session_scope(committed_db.engine) as session:
            tree = service.treemap(session, period="2023-03")
        assert tree.value == 53000
        (section,) = tree.children
        assert section.code == "C"
        assert {d.code: d.value for d in section.children} == {"35": 15000, "39": 38000}

    def test_firm_statistics_with_yoy(self, golden_db, committed_db):
        usccs = golden_db(CASES["march_entry_and_exit"])
        with session_scope(committed_db.engine) as session:
            months = firms.firm_statistics(session, uscc=usccs["A"])
        assert len(months) == 15
        assert months[-1].period == "2023-03"
        assert months[-1].gross_output_yoy_pct == pytest.approx(20.0)
        assert months[0].gross_output_yoy_pct is None


def test_emptied_tables_never_reuse_a_stale_snapshot(
    golden_db, committed_db, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Emptying the tables restarts the version counters; with the clock on the same tick (a
    rebuilt demo, a restore, tests) the cache used to take the new data for the old."""
    import yuanqu.core.db as db
    from tests.conftest import empty_tables

    class FrozenClock(db.datetime):  # type: ignore[misc, valid-type]
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
            return db.datetime(2026, 1, 1, tzinfo=tz)

    monkeypatch.setattr(db, "datetime", FrozenClock)
    golden_db(CASES["march_entry_and_exit"])
    with session_scope(committed_db.engine) as session:
        before = service.bulletin(session, period="2023-03", by=[]).rows[0].cumulative
    empty_tables(committed_db.engine)
    with session_scope(committed_db.engine) as session:
        firm = make_firm(session, industry_code="3562")
        add_reports(session, [report_row(firm.id, "2023-03", gross_output=7)])
    with session_scope(committed_db.engine) as session:
        after = service.bulletin(session, period="2023-03", by=[]).rows[0].cumulative
    assert before == 53000
    assert after == 700  # 7 yuan in fen: the new data, not the old snapshot
