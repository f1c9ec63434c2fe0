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


class TestRecount:
    """Loading a year counts again the open deadlines the domains stored while it was unknown."""

    def test_open_grant_and_project_deadlines_move_and_are_audited(self, session) -> None:
        from sqlalchemy import select as sa_select

        from tests.factories.grants import COMMITTEE, make_budget, make_case
        from tests.factories.projects import OFFICER, make_project
        from yuanqu.core.audit import AuditRecord
        from yuanqu.grants import transitions
        from yuanqu.grants.models import CaseStatus
        from yuanqu.grants.workflow import decision_due
        from yuanqu.projects import ledger

        blind = work_calendar(session)
        make_budget(session, 50_000_000)
        pending = make_case(session)
        pending.submitted_on = date(2027, 1, 25)
        pending.due_on = decision_due(blind, pending.submitted_on)
        on_notice = make_case(session, status=CaseStatus.committee_review)
        transitions.approve(session, case_id=on_notice.id, actor=COMMITTEE, today=date(2027, 2, 4))
        assert on_notice.notice_to == date(2027, 2, 10)  # weekends only: 4, 5, 8, 9, 10
        decided = make_case(session, status=CaseStatus.committee_review)
        decided.status = CaseStatus.rejected  # a closed case keeps its dates
        decided.submitted_on, decided.due_on = date(2027, 1, 25), pending.due_on
        project = make_project(session)
        item = ledger.open_item(
            session,
            project,
            actor=OFFICER,
            kind="task",
            title="节后办理",
            owner="某处",
            opened_on=date(2027, 2, 1),
            workdays=10,
        )
        assert item.due_on == date(2027, 2, 15)
        old_due = pending.due_on

        loaded = load_notice(session, text=EXAMPLE.read_text(), actor=ADMIN, source="example")

        known = work_calendar(session)
        assert loaded.recounted == {"grants": 2, "projects": 1, "service": 0}
        assert pending.due_on == decision_due(known, date(2027, 1, 25)) and pending.due_on > old_due
        assert on_notice.notice_to == date(2027, 2, 16)  # 4, 5, then 13 (a Saturday worked), 15, 16
        assert item.due_on == known.deadline(date(2027, 2, 1), 10) == date(2027, 2, 19)
        assert decided.due_on == old_due
        actions = session.execute(
            sa_select(AuditRecord.entity_type, AuditRecord.entity_id).where(
                AuditRecord.action == "recount_deadline"
            )
        ).all()
        assert sorted(actions) == sorted(
            [
                ("grant_case", str(pending.id)),
                ("grant_case", str(on_notice.id)),
                ("project_item", str(item.id)),
            ]
        )
        assert audit_intact(session)

    def test_a_load_that_moves_nothing_recounts_nothing(self, session) -> None:
        loaded = load_notice(session, text=EXAMPLE.read_text(), actor=ADMIN, source="example")
        assert loaded.recounted == {"grants": 0, "projects": 0, "service": 0}


def audit_intact(session) -> bool:
    from yuanqu.core.audit import verify_chain

    session.expire_all()
    return verify_chain(session).intact
