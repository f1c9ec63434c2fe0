from __future__ import annotations

from datetime import date

import pytest

from tests.factories.projects import OFFICER, TODAY, make_project, member
from tests.factories.registry import make_task_force, new_uscc
from yuanqu.attraction import service
from yuanqu.core.errors import Conflict, Forbidden, ValidationError
from yuanqu.projects import service as projects


@pytest.fixture
def ic(session):
    make_task_force(session, "ic")
    return member("ic")


def _lead(session, actor, **overrides):
    values = {
        "task_force": "ic",
        "prospect_name": "芯联半导体有限公司",
        "source": "exhibition",
        "contacted_on": date(2023, 2, 1),
        "expected_investment_fen": 2_000_000_000_00,
        "industry_code": "3973",
        "chain_gap": "wafer_fab",
    }
    values.update(overrides)
    return service.create_lead(session, actor=actor, **values)


class TestLeadStages:
    def test_lost_needs_a_reason(self, session, ic):
        lead = _lead(session, ic)
        with pytest.raises(ValidationError):
            service.move_lead(session, lead, actor=ic, to="lost", on=date(2023, 3, 1), today=TODAY)
        service.move_lead(
            session, lead, actor=ic, to="lost", on=date(2023, 3, 1), reason="选址外省", today=TODAY
        )
        assert lead.stage == "lost" and lead.lost_reason == "选址外省"

    def test_signed_and_lost_are_final_but_lost_may_be_revived(self, session, ic):
        lead = _lead(session, ic)
        service.move_lead(
            session, lead, actor=ic, to="lost", on=date(2023, 3, 1), reason="暂缓", today=TODAY
        )
        with pytest.raises(Conflict):
            service.move_lead(
                session, lead, actor=ic, to="intent", on=date(2023, 4, 1), today=TODAY
            )
        service.move_lead(
            session, lead, actor=ic, to="contacted", on=date(2023, 4, 1), reason="重启", today=TODAY
        )
        assert lead.stage == "contacted" and lead.lost_reason is None

    def test_members_edit_only_their_task_force_leads(self, session, ic):
        make_task_force(session, "biotech")
        with pytest.raises(Forbidden):
            _lead(session, ic, task_force="biotech")
        with pytest.raises(Forbidden):
            _lead(session, OFFICER)


class TestConversion:
    def test_signed_lead_becomes_a_project_in_one_step_with_its_history(self, session, ic):
        code = new_uscc()
        lead = _lead(session, ic, uscc=code)
        service.move_lead(
            session, lead, actor=ic, to="negotiating", on=date(2023, 3, 1), today=TODAY
        )
        service.move_lead(session, lead, actor=ic, to="intent", on=date(2023, 4, 1), today=TODAY)
        project = service.sign_lead(
            session, lead, actor=ic, signed_on=date(2023, 5, 8), today=TODAY
        )
        assert lead.stage == "signed" and lead.project_id == project.id
        detail = projects.project_detail(session, project_id=project.id)
        actual = {s.stage: s.actual_on for s in detail.stages}
        assert actual["planning"] == date(2023, 2, 1)
        assert actual["negotiating"] == date(2023, 3, 1)
        assert actual["signed"] == date(2023, 5, 8)
        assert detail.stage == "signed" and detail.task_force == "ic"
        assert detail.planned_investment_fen == 2_000_000_000_00
        assert detail.chain_segment == "wafer_fab" and detail.investor_uscc == code
        assert detail.lead_id == lead.id
        history = projects.project_history(session, project_id=project.id)
        assert [h.action for h in history][:3] == ["create", "stage", "stage"]
        assert history[0].entity_type == "lead"

    def test_linked_pre_signing_project_is_advanced_not_duplicated(self, session, ic):
        project = make_project(
            session, stage="planning", dates={"planning": date(2023, 1, 5)}, task_force="ic"
        )
        lead = _lead(session, ic)
        service.link_project(session, lead, project, actor=ic)
        service.move_lead(
            session, lead, actor=ic, to="negotiating", on=date(2023, 3, 1), today=TODAY
        )
        assert project.stage == "negotiating"
        signed = service.sign_lead(session, lead, actor=ic, signed_on=date(2023, 6, 1), today=TODAY)
        assert signed.id == project.id and project.stage == "signed"
        assert projects.list_projects(session).total == 1

    def test_cannot_link_a_signed_project_or_sign_twice(self, session, ic):
        signed = make_project(session, stage="signed", task_force="ic")
        lead = _lead(session, ic)
        with pytest.raises(Conflict):
            service.link_project(session, lead, signed, actor=ic)
        service.sign_lead(session, lead, actor=ic, signed_on=date(2023, 6, 1), today=TODAY)
        with pytest.raises(Conflict):
            service.sign_lead(session, lead, actor=ic, signed_on=date(2023, 6, 2), today=TODAY)


class TestFunnel:
    def test_funnel_and_conversion_per_task_force(self, session, ic):
        a = _lead(session, ic)
        b = _lead(session, ic)
        _lead(session, ic)
        _lead(session, ic, contacted_on=date(2022, 12, 31))
        service.move_lead(session, a, actor=ic, to="negotiating", on=date(2023, 3, 1), today=TODAY)
        service.sign_lead(session, a, actor=ic, signed_on=date(2023, 6, 1), today=TODAY)
        service.move_lead(
            session, b, actor=ic, to="lost", on=date(2023, 3, 1), reason="资金不足", today=TODAY
        )
        rows = service.funnel(session, start=date(2023, 1, 1), end=date(2023, 12, 31))
        (row,) = rows
        assert (row.contacted, row.negotiating, row.intent, row.signed, row.lost) == (3, 1, 1, 1, 1)
        assert row.conversion == pytest.approx(1 / 3)


class TestTaskForces:
    def test_members_make_actors(self, session):
        make_task_force(session, "ic")
        service.add_member(session, actor=OFFICER, task_force="ic", user="zhang", name="张三")
        service.cover_industry(session, actor=OFFICER, task_force="ic", industry_code="C3973")
        actor = service.actor_for(session, user="zhang")
        assert actor.task_forces == {"ic"} and actor.may_edit_projects_of("ic")
        summary = {s["code"]: s for s in service.task_force_summary(session)}
        assert summary["ic"]["industries"] == ["3973"]
        with pytest.raises(Forbidden):
            service.add_member(session, actor=actor, task_force="ic", user="li", name="李四")
