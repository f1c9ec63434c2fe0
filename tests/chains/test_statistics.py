"""Output, value added and growth per segment from the statistics of the firms placed on it, on
a hand-made zone; the same figures on SQLite and PostgreSQL (the ``database`` fixture runs both)."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from tests.factories.chains import AS_OF, make_ic_zone
from tests.factories.stats import add_reports, report_row
from yuanqu.chains import service
from yuanqu.chains.analysis import chain_coverage
from yuanqu.chains.charts import chain_map_option
from yuanqu.core.db import session_scope
from yuanqu.core.errors import ValidationError
from yuanqu.stats.service import group_figures, latest_period


def months(firm_id: int, year: int, **values: float) -> list[dict]:
    return [report_row(firm_id, f"{year}-{m:02d}", **values) for m in (1, 2, 3)]


@pytest.fixture
def zone_with_statistics(committed_db):
    """Designers: the big one reported both years (output 100 -> 120 a month, value added 30 ->
    33), designer A only in 2023 (output 50, value added 10: no base, out of the growth); the fab
    both years (1,000 -> 1,100); the packager never reported."""
    with session_scope(committed_db.engine) as session:
        zone = make_ic_zone(session)
        add_reports(
            session,
            [
                *months(zone["designer_big"].id, 2022, gross_output=100, value_added=30),
                *months(zone["designer_big"].id, 2023, gross_output=120, value_added=33),
                *months(zone["designer_a"].id, 2023, gross_output=50, value_added=10),
                *months(zone["fab"].id, 2022, gross_output=1000, value_added=200),
                *months(zone["fab"].id, 2023, gross_output=1100, value_added=260),
            ],
        )
    return committed_db


class TestSegmentStatistics:
    def test_output_value_added_and_growth_per_segment(self, zone_with_statistics):
        with session_scope(zone_with_statistics.engine) as session:
            coverage = chain_coverage(session, chain="ic", as_of=AS_OF, period="2023-03")
        by_key = {s.segment: s for s in coverage.segments}
        design, fab, packaging = by_key["design"], by_key["manufacturing"], by_key["packaging_test"]
        assert coverage.period == "2023-03"
        assert design.output_fen == (120 + 50) * 3 * 100
        assert design.value_added_fen == (33 + 10) * 3 * 100
        # Same scope: designer A has no 2022 base, so growth is the big designer's alone.
        assert design.output_growth == pytest.approx(20.0)
        assert design.value_added_growth == pytest.approx(10.0)
        assert fab.output_fen == 1100 * 3 * 100
        assert fab.output_growth == pytest.approx(10.0)
        assert fab.value_added_growth == pytest.approx(30.0)
        assert packaging.firms == 1 and packaging.output_fen is None
        assert by_key["eda_ip"].output_fen is None and by_key["eda_ip"].output_growth is None

    def test_without_a_period_there_are_no_figures(self, zone_with_statistics):
        with session_scope(zone_with_statistics.engine) as session:
            coverage = chain_coverage(session, chain="ic", as_of=AS_OF)
            assert latest_period(session) == "2023-03"
        assert all(s.output_fen is None for s in coverage.segments)

    def test_map_nodes_are_sized_by_output(self, zone_with_statistics):
        with session_scope(zone_with_statistics.engine) as session:
            coverage = chain_coverage(session, chain="ic", as_of=AS_OF, period="2023-03")
        nodes = {n["id"]: n for n in chain_map_option(coverage)["series"][0]["data"]}
        assert nodes["manufacturing"]["value"] == 1100 * 3 * 100
        # The fab outweighs the designers in output though they are three firms to one.
        assert nodes["manufacturing"]["symbolSize"] > nodes["design"]["symbolSize"]
        assert nodes["packaging_test"]["symbolSize"] == 24.0

    def test_groups_must_name_firm_and_group(self, zone_with_statistics):
        with session_scope(zone_with_statistics.engine) as session, pytest.raises(ValidationError):
            group_figures(session, period="2023-03", groups=pa.table({"id": [1]}))


class TestPlacementCache:
    def test_placement_is_reused_until_the_data_changes(self, zone_with_statistics):
        with session_scope(zone_with_statistics.engine) as session:
            first = service.cached_placements(session)
            assert service.cached_placements(session) is first
        with session_scope(zone_with_statistics.engine) as session:
            firm = service.segment_firms(first, chain="ic", segment="design")[0]
            service.override_placement(
                session,
                uscc=firm.uscc,
                chain="ic",
                segment="eda_ip",
                action="include",
                reason="做 EDA 工具",
                decided_by="analyst",
            )
        with session_scope(zone_with_statistics.engine) as session:
            again = service.cached_placements(session)
        assert again is not first
        assert [f.uscc for f in service.segment_firms(again, chain="ic", segment="eda_ip")] == [
            firm.uscc
        ]


class TestCoverageCommand:
    def test_period_option_adds_the_figures(self, cli, zone_with_statistics):
        result = cli("chains", "coverage", "ic", "--as-of", "2023-12-31", "-f", "json")
        assert result.exit_code == 0, result.stderr
        segments = {s["segment"]: s for s in json.loads(result.stdout)["segments"]}
        # Without --period: the latest month reported (2023-03 here).
        assert segments["manufacturing"]["output_fen"] == 1100 * 3 * 100
        bad = cli("chains", "coverage", "ic", "--period", "2023-13")
        assert bad.exit_code != 0
        assert "2023-13" in bad.stdout + bad.stderr
