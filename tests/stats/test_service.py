"""Statistics verbs that need no columnar engine: size class, missing reports."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories.registry import make_firm
from tests.factories.stats import add_reports, report_row
from yuanqu.core.errors import ValidationError
from yuanqu.registry import service as registry
from yuanqu.stats import firms, views


class TestSizeClass:
    def test_a_full_year_of_reports_classifies_the_firm(self, session):
        firm = make_firm(session, industry_code="3973")
        add_reports(
            session,
            [
                report_row(firm.id, f"2023-{m:02d}", revenue=50_000_000, employees=1200)
                for m in range(1, 13)
            ],
        )
        size = firms.size_class_of(session, enterprise_id=firm.id, as_of=date(2024, 3, 1))
        assert (size.size_class, size.year, size.months_reported) == ("large", 2023, 12)
        assert size.revenue_fen == 600_000_000 * 100

    def test_a_partial_year_is_annualised(self, session):
        firm = make_firm(session, industry_code="3973")
        add_reports(
            session,
            [
                report_row(firm.id, f"2024-{m:02d}", revenue=10_000_000, employees=100)
                for m in range(1, 7)
            ],
        )
        size = firms.size_class_of(session, enterprise_id=firm.id, as_of=date(2024, 12, 31))
        assert size.revenue_fen == 120_000_000 * 100
        # 1.2亿 revenue would be medium, but 100 employees are below medium's 300: small.
        assert size.size_class == "small"

    def test_statistics_tab_shows_the_size_class(self, session):
        firm = make_firm(session, industry_code="3973")
        add_reports(session, [report_row(firm.id, "2023-05", revenue=1_000_000, employees=10)])
        view = views.firm_statistics(session, uscc=firm.uscc.lower())
        assert view.size_class.size_class == "micro"
        assert view.size_class_name == "微型"
        # The registry's identity card no longer reaches into the statistics.
        card = registry.profile(registry.get_enterprise(session, uscc=firm.uscc))
        assert "size_class" not in card

    def test_no_reports_no_size_class(self, session):
        firm = make_firm(session)
        size = firms.size_class_of(session, enterprise_id=firm.id)
        assert size.size_class is None and size.months_reported == 0


class TestMissingReports:
    def test_recent_reporters_and_above_scale_firms_are_expected(self, session):
        reporter = make_firm(session)
        above = make_firm(session, labels=[("above_scale", date(2020, 1, 1), None)])
        make_firm(session)  # never reported, not above scale: not expected
        done = make_firm(session)
        add_reports(
            session,
            [
                report_row(reporter.id, "2023-02", gross_output=1, value_added=0),
                report_row(done.id, "2023-03", gross_output=1, value_added=0),
                report_row(done.id, "2023-04", gross_output=1, value_added=0),
            ],
        )
        missing = firms.missing_reports(session, period="2023-04")
        assert {m.uscc for m in missing} == {reporter.uscc, above.uscc}
        assert {m.uscc: m.last_period for m in missing}[reporter.uscc] == "2023-02"


class TestAnnualTotals:
    def test_sums_per_firm_and_year_with_december_headcount(self, session):
        a = make_firm(session, industry_code="3973")
        b = make_firm(session, industry_code="2710")
        rows = [
            report_row(a.id, f"2023-{m:02d}", revenue=100.01, rd_expense=None, employees=m)
            for m in range(1, 13)
        ]
        rows += [report_row(a.id, "2022-06", revenue=5, employees=3)]
        rows += [report_row(b.id, "2023-03", revenue=7, rd_expense=2, employees=9)]
        rows += [report_row(b.id, "2024-01", revenue=999, employees=9)]
        add_reports(session, rows)
        table = firms.annual_totals(session, years=[2022, 2023], measures=["revenue", "rd_expense"])
        got = {(r["firm_id"], r["year"]): r for r in table.to_pylist()}
        assert set(got) == {(a.id, 2023), (a.id, 2022), (b.id, 2023)}  # 2024 not asked for
        assert got[(a.id, 2023)]["revenue"] == 120012  # 12 x 100.01 yuan, in fen
        assert got[(a.id, 2023)]["rd_expense"] is None  # never reported: missing, not zero
        assert got[(a.id, 2023)]["employees"] == 12  # December's headcount
        assert got[(a.id, 2022)]["employees"] is None  # no December report that year
        assert got[(b.id, 2023)]["rd_expense"] == 200
        only_b = firms.annual_totals(
            session, years=[2023], measures=["revenue"], enterprise_ids=[b.id]
        )
        assert only_b.column("firm_id").to_pylist() == [b.id]

    def test_refuses_an_unknown_measure_by_name(self, session):
        with pytest.raises(ValidationError) as error:
            firms.annual_totals(session, years=[2023], measures=["revenue", "salary"])
        assert error.value.details == {"measures": ["salary"]}
