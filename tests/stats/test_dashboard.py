"""The economy dashboard's service: periods checked against the data, scopes against the reader,
and one call that agrees with the bulletin, trend, treemap and ranking it gathers."""

from __future__ import annotations

import pytest

from tests.factories.registry import make_firm
from tests.factories.stats import add_reports, report_row
from tests.stats.test_bulletin import CASES, golden_db  # noqa: F401  # the fixture, reused
from yuanqu.core.auth import Principal, Role
from yuanqu.core.db import session_scope
from yuanqu.core.errors import Forbidden, NotFound, ValidationError
from yuanqu.stats import service, views

ANALYST = Principal(user_id=1, username="analyst", role=Role.analyst)
IC_MEMBER = Principal(user_id=2, username="ic", role=Role.task_force, task_forces=("ic",))


class TestPeriods:
    def test_no_reports_is_a_clear_not_found(self, session):
        with pytest.raises(NotFound) as err:
            views.checked_period(session, None)
        assert err.value.code == "no_statistics"

    def test_bulletin_periods_skip_january_newest_first(self, session):
        firm = make_firm(session)
        add_reports(
            session,
            [report_row(firm.id, f"2023-{m:02d}", gross_output=100) for m in (1, 2, 3)],
        )
        assert views.available_periods(session) == ["2023-03", "2023-02"]
        assert str(views.checked_period(session, None)) == "2023-03"
        assert str(views.checked_period(session, "2023-02")) == "2023-02"

    @pytest.mark.parametrize("asked", ["2023-01", "2022-12", "2024-01-01", "2023-13"])
    def test_a_period_without_a_bulletin_is_refused_with_its_reason(self, session, asked):
        firm = make_firm(session)
        add_reports(session, [report_row(firm.id, "2023-03", gross_output=100)])
        with pytest.raises(ValidationError) as err:
            views.checked_period(session, asked)
        assert err.value.message("en")


class TestReaderScope:
    def test_staff_get_the_scope_they_ask_for(self):
        assert views.reader_scope(ANALYST, None) == "all"
        assert views.reader_scope(ANALYST, "task_force:auto") == "task_force:auto"

    def test_a_task_force_reads_only_its_own(self):
        assert views.reader_scope(IC_MEMBER, None) == "task_force:ic"
        assert views.reader_scope(IC_MEMBER, "all") == "task_force:ic"
        for other in ("task_force:auto", "above_scale", "sub_area:核心区"):
            with pytest.raises(Forbidden):
                views.reader_scope(IC_MEMBER, other)

    def test_a_task_force_without_task_forces_reads_nothing(self):
        lonely = Principal(user_id=3, username="x", role=Role.task_force)
        with pytest.raises(Forbidden):
            views.reader_scope(lonely, None)

    def test_an_unknown_scope_names_the_valid_ones(self):
        with pytest.raises(ValidationError) as err:
            views.reader_scope(ANALYST, "everything")
        assert "above_scale" in err.value.message("en")


class TestEconomyDashboard:
    def test_gathers_the_same_figures_as_each_service(self, golden_db, committed_db):  # noqa: F811
        usccs = golden_db(CASES["march_entry_and_exit"])
        with session_scope(committed_db.engine) as session:
            view = views.economy_dashboard(session, principal=ANALYST)
            bulletin = service.bulletin(session, period="2023-03", by=[])
        assert view.period == "2023-03" and view.scope == "all"
        assert view.periods[0] == "2023-03" and "2023-01" not in view.periods
        totals = {r.indicator: r.cumulative for r in bulletin.rows if r.by == "total"}
        assert {r.indicator: r.cumulative for r in view.headline} == {
            k: totals[k] for k in views.HEADLINE
        }
        assert view.treemap.value == 53000 == totals["gross_output"]
        assert [p.period for p in view.trend["gross_output"]][-2:] == ["2023-02", "2023-03"]
        assert view.trend["gross_output"][-1].value == 17000
        assert view.ranking[0].uscc == usccs["A"]
        # every leading industry plus "other" adds up to the zone
        output = [r for r in view.leading_industries if r.indicator == "gross_output"]
        assert sum(r.cumulative or 0 for r in output) == totals["gross_output"]

    def test_a_task_force_sees_only_its_firms(self, golden_db, committed_db):  # noqa: F811
        usccs = golden_db(CASES["march_entry_and_exit"])
        with session_scope(committed_db.engine) as session:
            view = views.economy_dashboard(session, principal=IC_MEMBER, scope="all")
        assert view.scope == "task_force:ic"
        assert [s.value for s in view.scopes] == ["task_force:ic"]
        assert {f.uscc for f in view.ranking} == {usccs["A"]}
        assert view.treemap.value == view.headline[0].cumulative

    def test_firm_statistics_carries_the_size_class(self, golden_db, committed_db):  # noqa: F811
        usccs = golden_db(CASES["march_entry_and_exit"])
        with session_scope(committed_db.engine) as session:
            view = views.firm_statistics(session, uscc=usccs["A"])
        assert view.uscc == usccs["A"]
        assert len(view.months) == 15 and view.months[-1].period == "2023-03"
        assert view.size_class.months_reported > 0
        assert (view.size_class_name is None) == (view.size_class.size_class is None)
