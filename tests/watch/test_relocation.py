"""What the service desk will hand the watch list through readers wired at start-up: the requests
the relocation_signal rule reads ("no source" without a reader; with one, the six-month window
and the words decide), and the advisers who own flagged firms."""

from __future__ import annotations

from datetime import date

from tests.factories.registry import make_firm, make_task_force
from tests.factories.stats import add_reports, report_row
from yuanqu.core.db import bump_data_version, session_scope
from yuanqu.watch import service
from yuanqu.watch.evaluate import read_advisers_with, read_requests_with, request_source


def test_no_reader_means_no_source(committed_db) -> None:
    wired = request_source()
    assert wired is not None  # the service desk's reader, wired at start-up
    read_requests_with(None)
    try:
        assert request_source() is None
        _listing_without_source(committed_db)
    finally:
        read_requests_with(wired)


def test_the_desk_is_the_source_when_wired(committed_db) -> None:
    with session_scope(committed_db.engine) as session:
        make_firm(session)
        bump_data_version(session, "registry")
    with session_scope(committed_db.engine) as session:
        listing = service.watch_list(session, as_of="2024-06")
    status = next(r for r in listing.rules if r.rule == "relocation_signal")
    assert status.source is True


def _listing_without_source(committed_db) -> None:
    with session_scope(committed_db.engine) as session:
        make_firm(session)
        bump_data_version(session, "registry")
    with session_scope(committed_db.engine) as session:
        listing = service.watch_list(session, as_of="2024-06")
    status = next(r for r in listing.rules if r.rule == "relocation_signal")
    assert (status.source, status.flagged, listing.total) == (False, 0, 0)


def test_requests_in_the_last_six_months_that_mention_moving_out(committed_db) -> None:
    with session_scope(committed_db.engine) as session:
        firms = [make_firm(session) for _ in range(5)]
        bump_data_version(session, "registry")
    a, b, c, d, e = (f.id for f in firms)
    requests = [
        (a, date(2024, 1, 1), "企业计划外迁至河北，希望协调"),  # first day of the window
        (b, date(2023, 12, 31), "考虑迁出园区"),  # a day before it
        (c, date(2024, 6, 30), "厂房到期，正在评估搬迁"),  # last day
        (d, date(2024, 3, 3), "申请扩建厂房"),  # no word of moving
        (e, date(2024, 7, 1), "准备迁出"),  # after the as-of month
    ]
    asked: list[tuple[date, date]] = []

    def reader(session, *, since: date, until: date):
        asked.append((since, until))
        return list(requests)  # every request: the rule itself keeps to its window

    read_requests_with(reader)
    try:
        with session_scope(committed_db.engine) as session:
            listing = service.watch_list(session, as_of="2024-06")
    finally:
        read_requests_with(None)
    assert asked == [(date(2024, 1, 1), date(2024, 6, 30))]
    flagged = {e.uscc: e for e in listing.items}
    assert set(flagged) == {firms[0].uscc, firms[2].uscc}
    entry = flagged[firms[0].uscc]
    assert entry.signals == ["relocation_signal"] and entry.score == 40
    assert "外迁" in entry.signal_details[0].evidence[0]


def test_a_wired_adviser_owns_the_firm_before_its_task_force(committed_db) -> None:
    with session_scope(committed_db.engine) as session:
        make_task_force(session, "ic")
        looked_after, other = (
            make_firm(session, task_force="ic"),
            make_firm(session, task_force="ic"),
        )
        rows = []
        for firm in (looked_after, other):
            rows += [
                report_row(firm.id, "2023-06", employees=50),
                report_row(firm.id, "2024-06", employees=10),
            ]
        add_reports(session, rows)
        ids = {looked_after.id: looked_after.uscc}
    read_advisers_with(
        lambda session, enterprise_ids: {i: "张管家" for i in enterprise_ids if i in ids}
    )
    try:
        with session_scope(committed_db.engine) as session:
            listing = service.watch_list(session, as_of="2024-06")
            _period, rows, _results = service.watch_rows(session, as_of="2024-06")
    finally:
        read_advisers_with(None)
    owners = {e.uscc: (e.owner, e.owner_name) for e in listing.items}
    assert owners[looked_after.uscc] == ("张管家", "张管家")
    assert owners[other.uscc][0] == "ic"
    assert {r["uscc"]: r["owner"] for r in rows} == {looked_after.uscc: "张管家", other.uscc: "ic"}
