from __future__ import annotations

from datetime import date

import pytest

from tests.factories.projects import OFFICER, TODAY, make_project, member
from yuanqu.core.errors import Forbidden, ValidationError
from yuanqu.projects import ledger, reports, stages


def _signed_on(session, day: date, fen: int = 100_000_000_00):
    return make_project(
        session,
        stage="signed",
        dates={"negotiating": date(2023, 1, 3), "signed": day},
        planned_investment_fen=fen,
    )


class TestSevenBatches:
    def test_signing_on_the_last_day_of_june_counts_in_june_not_july(self, session):
        _signed_on(session, date(2023, 6, 30))
        _signed_on(session, date(2023, 7, 1))
        june = reports.seven_batches(session, start=date(2023, 6, 1), end=date(2023, 6, 30))
        july = reports.seven_batches(session, start=date(2023, 7, 1), end=date(2023, 7, 31))
        assert _row(june, "signed").projects == 1
        assert _row(july, "signed").projects == 1
        assert _row(july, "signed").ytd_projects == 2

    def test_year_boundary(self, session):
        _signed_on(session, date(2023, 12, 31))
        make_project(
            session,
            stage="signed",
            dates={"signed": date(2024, 1, 1)},
        )
        report = reports.seven_batches(session, start=date(2024, 1, 1), end=date(2024, 12, 31))
        assert _row(report, "signed").projects == 1
        assert _row(report, "negotiating").projects == 0

    def test_targets_and_rates(self, session):
        reports.set_batch_target(
            session,
            actor=OFFICER,
            year=2023,
            stage="签约",
            projects=4,
            investment_fen=400_000_000_00,
        )
        _signed_on(session, date(2023, 3, 1))
        _signed_on(session, date(2023, 5, 1))
        report = reports.seven_batches(session, start=date(2023, 5, 1), end=date(2023, 5, 31))
        signed = _row(report, "signed")
        assert (signed.projects, signed.ytd_projects, signed.target_projects) == (1, 2, 4)
        assert signed.projects_rate == pytest.approx(0.5)
        assert signed.ytd_investment_fen == 200_000_000_00
        assert signed.investment_rate == pytest.approx(0.5)

    def test_tracked_projects_are_distinct(self, session):
        project = make_project(session, stage="started", planned_investment_fen=3_000_000_00)
        report = reports.seven_batches(session, start=date(2023, 1, 1), end=date(2023, 12, 31))
        assert report.tracked_projects == 1
        assert report.below_fai_threshold == 1
        assert sum(b.projects for b in report.batches) == 4
        assert project.stage == "started"

    def test_only_officers_set_targets(self, session):
        with pytest.raises(Forbidden):
            reports.set_batch_target(
                session, actor=member(), year=2023, stage="signed", projects=1, investment_fen=1
            )

    @pytest.mark.parametrize(
        ("text", "start", "end"),
        [
            ("2023", date(2023, 1, 1), date(2023, 12, 31)),
            ("2023-02", date(2023, 2, 1), date(2023, 2, 28)),
            ("2024Q1", date(2024, 1, 1), date(2024, 3, 31)),
            ("2023-01..2023-06", date(2023, 1, 1), date(2023, 6, 30)),
        ],
    )
    def test_spans(self, text, start, end):
        assert reports.parse_span(text) == (start, end)

    def test_bad_span(self):
        with pytest.raises(ValidationError):
            reports.parse_span("2023-06..2023-01")


def _row(report, stage):
    return next(b for b in report.batches if b.stage == stage)


class TestBoardAndWeekly:
    def test_board_counts_every_stage(self, session):
        make_project(session, stage="signed")
        make_project(session, stage="signed")
        make_project(session, stage="started")
        board = {c.stage: c.projects for c in reports.board(session)}
        assert board["signed"] == 2 and board["started"] == 1 and board["planning"] == 0

    def test_weekly_report(self, session):
        project = make_project(session, stage="signed")
        stages.move_stage(
            session, project, actor=OFFICER, to="started", on=date(2024, 3, 6), today=TODAY
        )
        stages.set_annual_plan(session, project, actor=OFFICER, year=2024, planned_fen=1000)
        stages.record_investment(
            session, project, actor=OFFICER, period="2024-02", actual_fen=300, today=TODAY
        )
        ledger.open_item(
            session,
            project,
            actor=OFFICER,
            kind="problem",
            title="缺电",
            owner="供电",
            opened_on=date(2024, 2, 1),
            workdays=5,
        )
        report = reports.weekly_report(session, week_end=date(2024, 3, 8))
        row = report.rows[0]
        assert row.stage_moves == ["开工 2024-03-06"]
        assert (row.year_plan_fen, row.year_actual_fen) == (1000, 300)
        assert (row.open_items, row.overdue_items) == (1, 1)
        assert len(report.overdue) == 1
