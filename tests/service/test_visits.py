"""Visits and advisers: who may record what, and an issue found on a visit raised as a request
in one step, owned by the visiting unit (首接负责)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from tests.factories.service import AUTO_MEMBER, DESK, IC_MEMBER, PLANNER, desk_setup
from yuanqu.core.errors import Forbidden, NotFound, ValidationError
from yuanqu.service import transitions as moves
from yuanqu.service.schemas import AdviserAssign, IssueToRequest, VisitCreate
from yuanqu.service.visits import (
    advisers_of,
    assign_adviser,
    list_visits,
    raise_request,
    record_visit,
    requests_of_visit,
)


@pytest.fixture
def desk(session: Session):
    return desk_setup(session)


def visit(uscc: str, unit: str = "ic", **overrides) -> VisitCreate:
    values = {
        "uscc": uscc,
        "visited_on": date(2024, 5, 6),
        "unit": unit,
        "people_met": "总经理、财务总监",
        "topics": "扩产计划与融资需求",
        "issues": "新产线需要 2000 平方米洁净厂房",
    }
    return VisitCreate(**(values | overrides))


def test_an_issue_becomes_a_request_owned_by_the_visiting_unit(session, desk):
    found = record_visit(session, actor=IC_MEMBER, data=visit(desk["own"].uscc))
    req = raise_request(
        session,
        actor=IC_MEMBER,
        visit_id=found.id,
        data=IssueToRequest(issue=found.issues, type="land_space"),
    )
    assert (req.channel, req.origin, req.owner_unit, req.status) == (
        "visit",
        "visit",
        "ic",
        "dispatched",
    )
    assert req.visit_id == found.id and req.uscc == desk["own"].uscc
    assert requests_of_visit(session, found.id) == [req]
    moves.sign(session, request_id=req.id, actor=IC_MEMBER)  # its own unit signs for it
    assert req.status == "in_progress"


def test_who_may_record_a_visit(session, desk):
    with pytest.raises(Forbidden):  # not its task force's firm
        record_visit(session, actor=AUTO_MEMBER, data=visit(desk["own"].uscc, unit="auto"))
    with pytest.raises(Forbidden):  # not its unit
        record_visit(session, actor=PLANNER, data=visit(desk["own"].uscc, unit="ic"))
    with pytest.raises(ValidationError):  # not a registered firm
        record_visit(session, actor=DESK, data=visit("91110302MA01ABCD1X"))
    record_visit(session, actor=PLANNER, data=visit(desk["own"].uscc, unit="planning"))
    assert list_visits(session, principal=PLANNER)[1] == 1
    assert list_visits(session, principal=IC_MEMBER)[1] == 0
    assert list_visits(session, principal=DESK)[1] == 1


def test_a_unit_cannot_raise_from_another_units_visit(session, desk):
    found = record_visit(session, actor=PLANNER, data=visit(desk["own"].uscc, unit="planning"))
    with pytest.raises(NotFound):
        raise_request(
            session,
            actor=IC_MEMBER,
            visit_id=found.id,
            data=IssueToRequest(issue="厂房", type="land_space"),
        )


def test_advisers_the_desk_assigns_anyone_a_member_itself(session, desk):
    uscc = desk["own"].uscc
    assign_adviser(
        session,
        actor=DESK,
        data=AdviserAssign(
            uscc=uscc, username="tf-9", display_name="管家九", unit="ic", since=date(2024, 1, 1)
        ),
    )
    with pytest.raises(Forbidden):
        assign_adviser(
            session,
            actor=IC_MEMBER,
            data=AdviserAssign(
                uscc=uscc,
                username="someone-else",
                display_name="他人",
                unit="ic",
                since=date(2024, 1, 1),
            ),
        )
    assign_adviser(
        session,
        actor=IC_MEMBER,
        data=AdviserAssign(
            uscc=uscc,
            username=IC_MEMBER.username,
            display_name="我",
            unit="ic",
            since=date(2024, 2, 1),
        ),
    )
    assert [a.username for a in advisers_of(session, uscc)] == ["tf-9", IC_MEMBER.username]
