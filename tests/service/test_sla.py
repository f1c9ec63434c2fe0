"""Deadlines as data: the golden cases of data/service/sla.yaml, and loaded holiday notices."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from yuanqu.core.errors import ValidationError
from yuanqu.core.workdays import WorkCalendar, YearNotice
from yuanqu.service.sla import due_label, parse_sla, shipped_sla

GOLDEN = shipped_sla().golden


def test_the_file_carries_the_issue_cases() -> None:
    cases = {(c.received.date(), c.urgency): c.due for c in GOLDEN}
    assert cases[(date(2024, 9, 30), "general")] == datetime(2024, 10, 15, 23, 59, 59)
    assert cases[(date(2024, 2, 8), "general")] == datetime(2024, 2, 23, 23, 59, 59)
    assert len(GOLDEN) >= 8 and {c.urgency for c in GOLDEN} == {
        "urgent",
        "time_critical",
        "general",
        "complex",
    }


@pytest.mark.parametrize("case", GOLDEN, ids=lambda c: f"{c.received:%Y-%m-%dT%H%M}-{c.urgency}")
def test_golden_case(case) -> None:
    assert shipped_sla().answer_due(case.received, case.urgency, WorkCalendar()) == case.due


def test_a_loaded_notice_moves_a_working_day_deadline() -> None:
    # a made-up 2031 notice: 3-7 Feb off, Saturday 8 Feb worked
    holidays = [date(2031, 2, d) for d in range(3, 8)]
    notice = YearNotice(2031, holidays, [date(2031, 2, 8)], "test notice")
    received = datetime(2031, 1, 31, 9, 0)  # a Friday
    blind = WorkCalendar()
    assert shipped_sla().answer_due(received, "general", blind) == datetime(2031, 2, 11, 23, 59, 59)
    assert blind.warnings  # 2031 was counted by weekends only, and says so
    known = shipped_sla().answer_due(received, "general", WorkCalendar([notice]))
    assert known == datetime(2031, 2, 17, 23, 59, 59)


def test_hours_run_through_holidays() -> None:
    due = shipped_sla().answer_due(datetime(2024, 10, 1, 9, 0), "time_critical", WorkCalendar())
    assert due == datetime(2024, 10, 2, 9, 0)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (
            "answer: {urgent: {hours: 2}}\nsign_for: {hours: 2}\nfirst_contact: {workdays: 1}",
            "answer",
        ),
        (
            "answer: {urgent: {days: 2}, time_critical: {hours: 24}, general: {workdays: 7},"
            " complex: {workdays: 15}}\nsign_for: {hours: 2}\nfirst_contact: {workdays: 1}",
            "answer.urgent",
        ),
        ("- not a mapping", "(root)"),
    ],
)
def test_a_bad_file_names_the_key(text: str, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_sla(text)
    assert refused.value.details["field"] == field


def test_due_label_says_end_of_day_for_working_days() -> None:
    assert due_label(datetime(2024, 10, 15, 23, 59, 59)) == "2024-10-15 日终"
    assert due_label(datetime(2024, 10, 15, 23, 59, 59), "en") == "end of 2024-10-15"
    assert due_label(datetime(2024, 10, 1, 1, 0)) == "2024-10-01 01:00"


def test_loading_a_notice_recounts_open_deadlines(session) -> None:
    from tests.factories.service import DESK, desk_setup
    from tests.service.test_import import csv
    from yuanqu.core import audit
    from yuanqu.core.holidays import load_notice
    from yuanqu.service.importer import import_requests
    from yuanqu.service.models import ServiceRequest

    desk = desk_setup(session)
    rows = [  # Monday 28 Dec 2026: 7 working days reach into 2027, a year no calendar knows
        f"N1,2026-12-28T10:00,12345,{desk['own'].uscc},policy,general,开放的诉求,,,,,,",
        f"N2,2026-12-28T10:00,12345,{desk['own'].uscc},policy,urgent,按小时的诉求,,,,,,",
    ]
    import_requests(
        session, actor=DESK, source=csv(*rows), filename="n.csv", now=datetime(2027, 1, 1)
    )
    general = session.query(ServiceRequest).filter_by(ticket_no="N1").one()
    urgent = session.query(ServiceRequest).filter_by(ticket_no="N2").one()
    assert general.due_at == datetime(2027, 1, 6, 23, 59, 59)  # counted by weekends only
    loaded = load_notice(
        session, text="date,kind,name\n2027-01-01,holiday,元旦\n", actor=DESK, source="test"
    )
    assert loaded.recounted["service"] == 1
    session.refresh(general)
    assert general.due_at == datetime(2027, 1, 7, 23, 59, 59)
    assert urgent.due_at == datetime(2026, 12, 28, 12, 0)
    assert audit.verify_chain(session).intact
