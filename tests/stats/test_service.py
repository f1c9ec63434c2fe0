"""Statistics verbs that need no columnar engine: size class, missing reports."""

from __future__ import annotations

from datetime import date

from tests.factories.registry import make_firm
from tests.factories.stats import add_reports, report_row
from yuanqu.registry import service as registry
from yuanqu.stats import service


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
        size = service.size_class_of(session, enterprise_id=firm.id, as_of=date(2024, 3, 1))
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
        size = service.size_class_of(session, enterprise_id=firm.id, as_of=date(2024, 12, 31))
        assert size.revenue_fen == 120_000_000 * 100
        # 1.2亿 revenue would be medium, but 100 employees are below medium's 300: small.
        assert size.size_class == "small"

    def test_profile_shows_the_size_class(self, session):
        firm = make_firm(session, industry_code="3973")
        add_reports(session, [report_row(firm.id, "2023-05", revenue=1_000_000, employees=10)])
        loaded = registry.get_enterprise(session, uscc=firm.uscc)
        card = registry.profile(loaded, as_of=date(2023, 12, 31), session=session)
        assert card["size_class"]["size_class"] == "micro"
        assert card["size_class"]["name"] == "微型"

    def test_no_reports_no_size_class(self, session):
        firm = make_firm(session)
        size = service.size_class_of(session, enterprise_id=firm.id)
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
        missing = service.missing_reports(session, period="2023-04")
        assert {m.uscc for m in missing} == {reporter.uscc, above.uscc}
        assert {m.uscc: m.last_period for m in missing}[reporter.uscc] == "2023-02"
