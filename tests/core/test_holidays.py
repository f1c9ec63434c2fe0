"""Holiday notices an administrator loads: validation, storage, and the deadlines using them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.factories.registry import make_firm
from yuanqu.core.auth import Principal, Role
from yuanqu.core.errors import Conflict, Forbidden, ValidationError
from yuanqu.core.holidays import HolidayNoticeDay, load_notice, show_year, work_calendar
from yuanqu.grants.workflow import notice_end

EXAMPLE = Path(__file__).parent / "data" / "holiday_notice_2027_example.csv"
ADMIN = Principal(0, "admin-1", Role.admin)


def _rows(session) -> int:
    return session.scalar(select(func.count(HolidayNoticeDay.id))) or 0


class TestLoad:
    def test_loaded_year_counts_its_holidays(self, session) -> None:
        notice = load_notice(session, text=EXAMPLE.read_text(), actor=ADMIN, source="example")
        assert notice.year == 2027 and len(notice.holidays) == 9
        calendar = work_calendar(session)
        assert calendar.known(2027) and not calendar.warnings
        assert not calendar.is_workday(date(2027, 2, 8))  # a Monday off
        assert calendar.is_workday(date(2027, 2, 13))  # a Saturday worked
        assert show_year(session, year=2027)["origin"] == "notice"
        assert show_year(session, year=2027)["days"][0]["name"] == "元旦"

    def test_unknown_year_warns_and_counts_weekends(self, session) -> None:
        shown = show_year(session, year=2031)
        assert shown["origin"] == "none" and "2031" in shown["warning"]["zh"]
        calendar = work_calendar(session)
        # 2031-10-01 is a Wednesday: with no notice it is a working day, and the count says so
        assert notice_end(calendar, date(2031, 9, 29), 5) == date(2031, 10, 3)
        assert [w.year for w in calendar.warnings] == [2031]

    def test_a_loaded_year_moves_grant_deadlines(self, session) -> None:
        before = notice_end(work_calendar(session), date(2027, 9, 29), 5)
        load_notice(session, text=EXAMPLE.read_text(), actor=ADMIN, source="example")
        after = notice_end(work_calendar(session), date(2027, 9, 29), 5)
        assert before == date(2027, 10, 5) and after == date(2027, 10, 6)

    def test_only_an_administrator_loads(self, session) -> None:
        officer = Principal(0, "officer", Role.policy_officer)
        with pytest.raises(Forbidden):
            load_notice(session, text=EXAMPLE.read_text(), actor=officer, source="x")
        assert _rows(session) == 0

    def test_loading_twice_needs_replace(self, session) -> None:
        load_notice(session, text=EXAMPLE.read_text(), actor=ADMIN, source="example")
        with pytest.raises(Conflict):
            load_notice(session, text=EXAMPLE.read_text(), actor=ADMIN, source="again")
        load_notice(
            session, text="date,kind\n2027-01-01,holiday\n", actor=ADMIN, source="v2", replace=True
        )
        assert _rows(session) == 1


class TestValidation:
    @pytest.mark.parametrize(
        ("rows", "reason"),
        [
            ("2027-13-01,holiday", "row 3: no such date"),
            ("2026-06-01,holiday", "is not in 2027"),
            ("2027-01-01,holiday\n2027-01-01,holiday", "row 4: the date 2027-01-01 repeats row 3"),
            ("2027-02-13,holiday\n2027-02-13,workday", "both a holiday and a workday (see row 3)"),
            ("2027-02-10,workday", "not a Saturday or Sunday"),
            ("2027-01-01,vacation", "kind"),
        ],
    )
    def test_bad_rows_are_named_and_nothing_is_written(self, session, rows, reason) -> None:
        text = "date,kind,name\n2027-10-01,holiday,国庆节\n" + rows + "\n"
        with pytest.raises(ValidationError) as caught:
            load_notice(session, text=text, actor=ADMIN, source="bad", year=2027)
        assert reason in caught.value.en
        assert "第" in caught.value.zh
        assert _rows(session) == 0


def test_cli_loads_and_shows(committed_db, cli) -> None:
    result = cli("calendar", "load", EXAMPLE, "--source", "example")
    assert result.exit_code == 0, result.stderr
    assert "2027" in result.stdout
    shown = cli("calendar", "show", "2027")
    assert "元旦" in shown.stdout and shown.exit_code == 0
    unknown = cli("calendar", "show", "2032")
    assert unknown.exit_code == 0 and "仅按周末" in unknown.stderr + unknown.stdout
    bad = cli("calendar", "load", EXAMPLE, "--source", "again")
    assert bad.exit_code != 0


def test_project_deadlines_use_loaded_years(session) -> None:
    from yuanqu.projects import ledger

    firm = make_firm(session)
    assert firm.id
    load_notice(session, text=EXAMPLE.read_text(), actor=ADMIN, source="example")
    assert ledger.work_calendar(session).known(2027)
