"""The relocation_signal rule reads the service desk's requests through the reader wired at
start-up: "no source" without one; with one, the six-month window and the words decide."""

from __future__ import annotations

from datetime import date

from tests.factories.registry import make_firm
from yuanqu.core.db import bump_data_version, session_scope
from yuanqu.watch import service
from yuanqu.watch.evaluate import read_requests_with, request_source


def test_no_reader_means_no_source(committed_db) -> None:
    assert request_source() is None  # nothing in this tree wires a service desk yet
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
