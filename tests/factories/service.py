"""Builders for the service desk: units synced, a firm of a task force, people of every role, and
a request moved to any state through the real workflow."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from tests.factories.registry import make_firm, make_task_force
from yuanqu.core.auth import Principal, Role
from yuanqu.service import transitions as moves
from yuanqu.service.models import ServiceRequest
from yuanqu.service.requests import NewRequest, receive
from yuanqu.service.units import add_member, sync_units

DESK = Principal(1, "desk-1", Role.admin)
ANALYST = Principal(2, "analyst-1", Role.analyst)
IC_MEMBER = Principal(3, "tf-ic", Role.task_force, task_forces=("ic",))
AUTO_MEMBER = Principal(4, "tf-auto", Role.task_force, task_forces=("auto",))
PLANNER = Principal(5, "planner-1", Role.project_officer)  # a member of `planning`
RECEIVED = datetime(2024, 9, 30, 10, 0)


def firm_user(uscc: str, user_id: int = 10) -> Principal:
    return Principal(user_id, f"firm-{uscc[-6:]}", Role.enterprise, uscc=uscc)


def desk_setup(session: Session) -> dict[str, Any]:
    """Task forces ic and auto, units synced, a member of `planning`, two ic firms."""
    make_task_force(session, "ic")
    make_task_force(session, "auto")
    sync_units(session)
    add_member(session, unit="planning", username=PLANNER.username)
    own = make_firm(session, task_force="ic")
    other = make_firm(session, task_force="ic")
    return {
        "own": own,
        "other": other,
        "firm": firm_user(own.uscc),
        "rival": firm_user(other.uscc, 11),
    }


def new_request(
    session: Session, uscc: str | None, *, at: datetime = RECEIVED, **overrides: Any
) -> ServiceRequest:
    data = NewRequest(
        channel=overrides.pop("channel", "hotline"),
        type=overrides.pop("type", "permits"),
        urgency=overrides.pop("urgency", "general"),
        content=overrides.pop("content", "施工许可证办理进度咨询"),
        uscc=uscc,
        received_at=at,
        **overrides,
    )
    return receive(session, actor=DESK, data=data)


def request_in(
    session: Session, uscc: str | None, state: str, *, unit: str = "ic", at: datetime = RECEIVED
) -> ServiceRequest:
    """A request moved through the workflow to ``state`` (an hour a step)."""
    req = new_request(session, uscc, at=at)
    step = iter(at + timedelta(hours=h) for h in range(1, 20))
    actor = IC_MEMBER if unit == "ic" else AUTO_MEMBER if unit == "auto" else PLANNER
    if state == "received":
        return req
    moves.dispatch(session, request_id=req.id, actor=DESK, unit=unit, at=next(step))
    if state == "dispatched":
        return req
    if state == "returned":
        return moves.send_back(
            session, request_id=req.id, actor=actor, reason="非本单位职责", at=next(step)
        )
    moves.sign(session, request_id=req.id, actor=actor, at=next(step))
    if state == "in_progress":
        return req
    moves.close(session, request_id=req.id, actor=actor, result="已协调办理完毕", at=next(step))
    if state == "closed":
        return req
    moves.follow_up(
        session, request_id=req.id, actor=DESK, solved=False, satisfaction="不满意", at=next(step)
    )
    return req
