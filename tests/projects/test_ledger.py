from __future__ import annotations

from datetime import date

import pytest

from tests.factories.projects import OFFICER, TODAY, make_project, member
from yuanqu.core.errors import Conflict, Forbidden, ValidationError
from yuanqu.projects import ledger


def _open(session, project, *, opened_on, workdays, owner="规划分局", actor=OFFICER):
    return ledger.open_item(
        session,
        project,
        actor=actor,
        kind="task",
        category="permit",
        title="办理建设工程规划许可证",
        owner=owner,
        opened_on=opened_on,
        workdays=workdays,
    )


class TestWorkingDayDeadlines:
    def test_spring_festival_2024_is_skipped(self, session):
        # 2024: 10-17 Feb off; Sunday 18 Feb worked in exchange.
        item = _open(session, make_project(session), opened_on=date(2024, 2, 8), workdays=3)
        assert item.due_on == date(2024, 2, 19)

    def test_national_day_2024_is_skipped(self, session):
        # 2024: 1-7 Oct off.
        item = _open(session, make_project(session), opened_on=date(2024, 9, 30), workdays=2)
        assert item.due_on == date(2024, 10, 9)

    def test_spring_festival_2025_eve_is_a_holiday(self, session):
        # 2025: 28 Jan (除夕) to 4 Feb off; the limit counted from Monday 27 Jan ends 5 Feb.
        item = _open(session, make_project(session), opened_on=date(2025, 1, 27), workdays=1)
        assert item.due_on == date(2025, 2, 5)

    def test_overdue_counts_working_days_past_the_deadline(self, session):
        project = make_project(session)
        item = _open(session, project, opened_on=date(2024, 2, 8), workdays=3)
        on_time = ledger.overdue_items(session, as_of=date(2024, 2, 19))
        late = ledger.overdue_items(session, as_of=date(2024, 2, 21))
        assert on_time == []
        assert [(i.id, i.overdue_workdays) for i in late] == [(item.id, 2)]


class TestCloseOut:
    def test_close_needs_a_resolution(self, session):
        project = make_project(session)
        item = _open(session, project, opened_on=date(2024, 3, 1), workdays=5)
        for resolution in ("", "   "):
            with pytest.raises(ValidationError):
                ledger.close_item(
                    session,
                    item,
                    project,
                    actor=OFFICER,
                    resolution=resolution,
                    closed_on=date(2024, 3, 5),
                    today=TODAY,
                )
        assert item.status == "open"

    def test_close_date_between_opening_and_today(self, session):
        project = make_project(session)
        item = _open(session, project, opened_on=date(2024, 3, 1), workdays=5)
        for bad in (date(2024, 2, 29), date(2025, 1, 1)):
            with pytest.raises(ValidationError):
                ledger.close_item(
                    session,
                    item,
                    project,
                    actor=OFFICER,
                    resolution="已办结",
                    closed_on=bad,
                    today=TODAY,
                )

    def test_closed_items_leave_the_overdue_list_and_cannot_close_twice(self, session):
        project = make_project(session)
        item = _open(session, project, opened_on=date(2024, 3, 1), workdays=5)
        ledger.close_item(
            session,
            item,
            project,
            actor=OFFICER,
            resolution="许可证已核发",
            closed_on=date(2024, 3, 20),
            today=TODAY,
        )
        assert item.closed_on == date(2024, 3, 20)
        assert ledger.overdue_items(session, as_of=date(2024, 6, 1)) == []
        with pytest.raises(Conflict):
            ledger.close_item(
                session,
                item,
                project,
                actor=OFFICER,
                resolution="again",
                closed_on=date(2024, 3, 21),
                today=TODAY,
            )

    def test_reopen_needs_a_reason_and_clears_the_resolution(self, session):
        project = make_project(session)
        item = _open(session, project, opened_on=date(2024, 3, 1), workdays=5)
        ledger.close_item(
            session,
            item,
            project,
            actor=OFFICER,
            resolution="ok",
            closed_on=date(2024, 3, 4),
            today=TODAY,
        )
        with pytest.raises(ValidationError):
            ledger.reopen_item(session, item, project, actor=OFFICER, reason=" ")
        ledger.reopen_item(session, item, project, actor=OFFICER, reason="复核未通过")
        assert item.status == "open" and item.resolution is None

    def test_start_then_close(self, session):
        project = make_project(session)
        item = _open(session, project, opened_on=date(2024, 3, 1), workdays=5)
        ledger.start_item(session, item, project, actor=OFFICER)
        with pytest.raises(Conflict):
            ledger.start_item(session, item, project, actor=OFFICER)
        ledger.close_item(
            session,
            item,
            project,
            actor=OFFICER,
            resolution="ok",
            closed_on=date(2024, 3, 4),
            today=TODAY,
        )
        assert item.status == "closed"


class TestOverdueLists:
    def test_grouped_by_owner_and_task_force(self, session):
        ic = make_project(session, task_force="ic")
        bio = make_project(session, task_force="biotech")
        _open(session, ic, opened_on=date(2024, 3, 1), workdays=1, owner="甲")
        _open(session, bio, opened_on=date(2024, 3, 1), workdays=1, owner="甲")
        _open(session, bio, opened_on=date(2024, 3, 1), workdays=1, owner="乙")
        _open(session, bio, opened_on=date(2024, 12, 1), workdays=30, owner="乙")
        as_of = date(2024, 4, 1)
        by_owner = ledger.overdue_by(session, as_of=as_of, by="owner")
        by_force = ledger.overdue_by(session, as_of=as_of, by="task_force")
        assert {k: len(v) for k, v in by_owner.items()} == {"乙": 1, "甲": 2}
        assert {k: len(v) for k, v in by_force.items()} == {"biotech": 2, "ic": 1}
        assert len(ledger.overdue_items(session, as_of=as_of, owner="甲", task_force="ic")) == 1

    def test_member_of_another_task_force_cannot_open_items(self, session):
        project = make_project(session, task_force="biotech")
        with pytest.raises(Forbidden):
            _open(session, project, opened_on=date(2024, 3, 1), workdays=1, actor=member("ic"))
