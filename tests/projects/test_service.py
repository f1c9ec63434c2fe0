from __future__ import annotations

from datetime import date

import pytest

from tests.factories.projects import ANALYST, OFFICER, TODAY, make_project, member
from tests.factories.registry import make_firm, new_uscc
from yuanqu.core import audit
from yuanqu.core.errors import Conflict, Forbidden, ValidationError
from yuanqu.projects import ledger, service, stages
from yuanqu.projects.pipeline import parse_pipeline, shipped_pipeline


class TestPipeline:
    def test_default_has_seven_stages_and_markers(self):
        pipeline = shipped_pipeline()
        assert [s.zh for s in pipeline.stages] == [
            "谋划",
            "洽谈",
            "签约",
            "开工",
            "建设",
            "投产",
            "达产",
        ]
        assert pipeline.signed.key == "signed" and pipeline.close_out.key == "full_production"

    def test_alternative_has_no_full_production_so_the_last_stage_closes_out(self):
        pipeline = shipped_pipeline("packaging")
        assert pipeline.stages[3].zh == "落地"
        assert pipeline.close_out.key == "production"

    @pytest.mark.parametrize(
        "text",
        [
            "stages: [{key: a, zh: 甲, en: A}]",
            "stages: 3",
            "stages: [{key: a, zh: 甲, en: A}, {key: b, zh: 乙, en: B}, {key: c, zh: 丙, en: C}]",
            "stages: [{key: a, zh: 甲, en: A}, {key: b, zh: 乙, en: B}, {key: c, zh: 丙, en: C}]\n"
            "markers: {signed: c, started: b}",
            ": : :",
        ],
    )
    def test_bad_definitions_are_refused_with_a_reason(self, text):
        with pytest.raises(ValidationError) as err:
            parse_pipeline(text)
        assert err.value.code == "invalid_pipeline"

    def test_loading_a_pipeline_missing_a_used_stage_is_refused(self, session):
        make_project(session, stage="construction")
        text = _packaging_text()
        with pytest.raises(Conflict):
            service.load_pipeline(session, actor=OFFICER, text=text)

    def test_the_zone_pipeline_drives_stage_names(self, session):
        service.load_pipeline(session, actor=OFFICER, text=_packaging_text())
        project = make_project(session, stage="landed")
        page = service.list_projects(session)
        assert page.items[0].stage_name == "落地"
        assert project.stage == "landed"


def _packaging_text() -> str:
    from importlib import resources

    return (
        resources.files("yuanqu")
        .joinpath("data", "projects", "pipeline_packaging.yaml")
        .read_text("utf-8")
    )


class TestCreate:
    def test_investor_found_in_the_registry_by_credit_code(self, session):
        firm = make_firm(session)
        project = make_project(session, uscc=firm.uscc)
        assert project.enterprise_id == firm.id

    def test_new_investor_is_registered(self, session):
        code = new_uscc()
        project = make_project(session, uscc=code, investor_name="新来的投资公司")
        detail = service.project_detail(session, project_id=project.id)
        assert detail.investor_uscc == code

    def test_starting_without_a_signing_date_is_refused(self, session):
        with pytest.raises(ValidationError) as err:
            make_project(
                session,
                stage="started",
                dates={"negotiating": date(2023, 1, 1), "started": date(2023, 3, 1)},
            )
        assert "signing" in err.value.en

    def test_dates_must_follow_the_stages(self, session):
        with pytest.raises(ValidationError):
            make_project(
                session,
                stage="started",
                dates={"signed": date(2023, 5, 1), "started": date(2023, 3, 1)},
            )

    def test_below_five_million_is_flagged(self, session):
        small = make_project(session, planned_investment_fen=4_999_999_99)
        big = make_project(session, planned_investment_fen=5_000_000_00)
        assert small.below_fai_threshold and not big.below_fai_threshold
        flagged = service.list_projects(session, below_threshold=True)
        assert [p.id for p in flagged.items] == [small.id]

    def test_creation_is_audited(self, session):
        project = make_project(session)
        history = service.project_history(session, project_id=project.id)
        assert [h.action for h in history] == ["create"]
        assert history[0].after["stage"] == "signed"


class TestStageTransitions:
    def test_forward_one_stage_records_the_date_and_the_audit(self, session):
        project = make_project(session, stage="signed")
        stages.move_stage(
            session, project, actor=OFFICER, to="started", on=date(2023, 6, 1), today=TODAY
        )
        assert project.stage == "started" and project.stage_since == date(2023, 6, 1)
        detail = service.project_detail(session, project_id=project.id)
        assert {s.stage: s.actual_on for s in detail.stages}["started"] == date(2023, 6, 1)
        assert service.project_history(session, project_id=project.id)[-1].action == "stage_forward"

    def test_no_start_before_signing(self, session):
        project = make_project(session, stage="negotiating")
        with pytest.raises(Conflict) as err:
            stages.move_stage(
                session, project, actor=OFFICER, to="started", on=date(2023, 6, 1), today=TODAY
            )
        assert err.value.code == "stage_skipped"

    def test_pre_signing_stages_may_be_skipped(self, session):
        project = make_project(session, stage="planning")
        stages.move_stage(
            session, project, actor=OFFICER, to="signed", on=date(2023, 6, 1), today=TODAY
        )
        assert project.stage == "signed"

    def test_started_cannot_be_skipped_either(self, session):
        project = make_project(session, stage="signed")
        with pytest.raises(Conflict):
            stages.move_stage(
                session, project, actor=OFFICER, to="construction", on=date(2023, 6, 1), today=TODAY
            )

    def test_going_back_needs_a_reason(self, session):
        project = make_project(session, stage="started")
        with pytest.raises(ValidationError) as err:
            stages.move_stage(
                session, project, actor=OFFICER, to="signed", on=date(2023, 6, 1), today=TODAY
            )
        assert err.value.code == "reason_required"
        stages.move_stage(
            session,
            project,
            actor=OFFICER,
            to="signed",
            on=date(2023, 6, 1),
            reason="施工许可被撤回",
            today=TODAY,
        )
        detail = service.project_detail(session, project_id=project.id)
        dates = {s.stage: s.actual_on for s in detail.stages}
        assert project.stage == "signed" and dates["started"] is None and dates["signed"]
        last = service.project_history(session, project_id=project.id)[-1]
        assert last.action == "stage_back" and last.reason == "施工许可被撤回"

    def test_same_stage_future_date_and_earlier_date_are_refused(self, session):
        project = make_project(session, stage="signed")
        with pytest.raises(Conflict):
            stages.move_stage(
                session, project, actor=OFFICER, to="signed", on=date(2023, 6, 1), today=TODAY
            )
        with pytest.raises(ValidationError):
            stages.move_stage(
                session, project, actor=OFFICER, to="started", on=date(2025, 1, 1), today=TODAY
            )
        with pytest.raises(ValidationError):
            stages.move_stage(
                session, project, actor=OFFICER, to="started", on=date(2022, 1, 1), today=TODAY
            )

    def test_stage_by_chinese_name(self, session):
        project = make_project(session, stage="signed")
        stages.move_stage(
            session, project, actor=OFFICER, to="开工", on=date(2023, 6, 1), today=TODAY
        )
        assert project.stage == "started"

    def test_audit_chain_stays_intact(self, session):
        project = make_project(session, stage="signed")
        stages.move_stage(
            session, project, actor=OFFICER, to="started", on=date(2023, 6, 1), today=TODAY
        )
        assert audit.verify_chain(session).intact


class TestCloseOut:
    def _at_production(self, session):
        project = make_project(session, stage="production")
        item = ledger.open_item(
            session,
            project,
            actor=OFFICER,
            kind="problem",
            category="power",
            title="双回路供电未接入",
            owner="供电公司",
            opened_on=date(2023, 3, 1),
            workdays=10,
        )
        return project, item

    def test_full_production_is_blocked_by_open_items(self, session):
        project, _ = self._at_production(session)
        with pytest.raises(Conflict) as err:
            stages.move_stage(
                session,
                project,
                actor=OFFICER,
                to="full_production",
                on=date(2023, 9, 1),
                today=TODAY,
            )
        assert err.value.code == "open_items"

    def test_an_officer_may_record_why(self, session):
        project, _ = self._at_production(session)
        stages.move_stage(
            session,
            project,
            actor=OFFICER,
            to="full_production",
            on=date(2023, 9, 1),
            waiver="供电问题不影响产能，限期解决",
            today=TODAY,
        )
        assert project.close_out_waiver == "供电问题不影响产能，限期解决"
        assert service.project_history(session, project_id=project.id)[-1].reason

    def test_a_task_force_member_may_not_waive(self, session):
        project, _ = self._at_production(session)
        with pytest.raises(Forbidden):
            stages.move_stage(
                session,
                project,
                actor=member("ic"),
                to="full_production",
                on=date(2023, 9, 1),
                waiver="我说可以",
                today=TODAY,
            )

    def test_closing_every_item_lifts_the_block(self, session):
        project, item = self._at_production(session)
        ledger.close_item(
            session,
            item,
            project,
            actor=OFFICER,
            resolution="已接入",
            closed_on=date(2023, 4, 1),
            today=TODAY,
        )
        stages.move_stage(
            session, project, actor=OFFICER, to="full_production", on=date(2023, 9, 1), today=TODAY
        )
        assert project.stage == "full_production" and project.close_out_waiver is None


class TestRoles:
    def test_analyst_reads_but_cannot_edit(self, session):
        project = make_project(session)
        assert service.list_projects(session).total == 1
        with pytest.raises(Forbidden):
            stages.move_stage(
                session, project, actor=ANALYST, to="started", on=date(2023, 6, 1), today=TODAY
            )
        with pytest.raises(Forbidden):
            make_project(session, actor=ANALYST)

    def test_member_edits_own_task_force_projects_only(self, session):
        mine = make_project(session, task_force="ic", actor=member("ic"))
        stages.move_stage(
            session, mine, actor=member("ic"), to="started", on=date(2023, 6, 1), today=TODAY
        )
        theirs = make_project(session, task_force="biotech")
        with pytest.raises(Forbidden):
            stages.move_stage(
                session, theirs, actor=member("ic"), to="started", on=date(2023, 6, 1), today=TODAY
            )
        with pytest.raises(Forbidden):
            service.update_project(
                session, mine, actor=member("ic"), changes={"task_force": "biotech"}
            )

    def test_only_officers_load_pipelines(self, session):
        with pytest.raises(Forbidden):
            service.load_pipeline(session, actor=member("ic"), text=_packaging_text())


class TestInvestment:
    def test_plans_and_monthly_actuals(self, session):
        project = make_project(session)
        stages.set_annual_plan(
            session, project, actor=OFFICER, year=2023, planned_fen=5_000_000_000
        )
        stages.record_investment(
            session, project, actor=OFFICER, period="2023-02", actual_fen=100, today=TODAY
        )
        stages.record_investment(
            session, project, actor=OFFICER, period="2023-02", actual_fen=300, today=TODAY
        )
        stages.record_investment(
            session, project, actor=OFFICER, period="2023-03", actual_fen=50, today=TODAY
        )
        detail = service.project_detail(session, project_id=project.id)
        assert detail.annual_plans == {2023: 5_000_000_000}
        assert detail.monthly_investment == {"2023-02": 300, "2023-03": 50}
        assert detail.actual_investment_fen == 350

    def test_future_month_is_refused(self, session):
        project = make_project(session)
        with pytest.raises(ValidationError):
            stages.record_investment(
                session, project, actor=OFFICER, period="2025-01", actual_fen=1, today=TODAY
            )
