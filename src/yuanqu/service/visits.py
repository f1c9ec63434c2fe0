"""Visits (走访) and advisers (服务管家): who looks after which firm, what a visit found, and an
issue found on a visit raised as a request in one step (owned at once by the visiting unit:
首接负责)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.auth import Principal, Role
from yuanqu.core.errors import Forbidden, NotFound, ValidationError
from yuanqu.core.money import INT64_MAX
from yuanqu.core.uscc import validate_uscc
from yuanqu.service import units
from yuanqu.service.firms import Firm, find_firm
from yuanqu.service.models import ServiceAdviser, ServiceRequest, ServiceVisit
from yuanqu.service.requests import NewRequest, receive
from yuanqu.service.schemas import AdviserAssign, IssueToRequest, VisitCreate
from yuanqu.service.workflow import ALL_READERS, UNIT_ROLES


def _registered(session: Session, uscc: str) -> Firm:
    code = validate_uscc(uscc)
    firm = find_firm(session, code)
    if firm is None:
        raise ValidationError(
            f"企业库中没有信用代码为 {code} 的企业",
            f"no firm with credit code {code} in the registry",
            details={"field": "uscc", "value": code},
        )
    return firm


def _works_for(session: Session, actor: Principal, unit: str, firm: Firm) -> None:
    """The actor goes for ``unit``; a task-force member only to its task forces' firms."""
    if actor.role not in UNIT_ROLES:
        raise Forbidden("该账号不能登记走访", "this account may not record visits")
    units.get_unit(session, unit)
    if actor.role != Role.admin and unit not in units.units_of(session, actor):
        raise Forbidden(
            f"只能以本单位名义走访（{units.unit_name(session, unit)} 不是本单位）",
            "a visit is recorded for one's own unit",
            details={"unit": unit},
        )
    if actor.role == Role.task_force and firm.task_force not in actor.task_forces:
        raise Forbidden(
            "专班成员只走访本专班的企业",
            "a task-force member visits its own task force's firms",
            details={"uscc": firm.uscc},
        )


def record_visit(session: Session, *, actor: Principal, data: VisitCreate) -> ServiceVisit:
    firm = _registered(session, data.uscc)
    _works_for(session, actor, data.unit, firm)
    if data.visited_on > date.today():
        raise ValidationError(
            "走访日期不能晚于今天",
            "a visit cannot be in the future",
            details={"field": "visited_on"},
        )
    visit = ServiceVisit(
        uscc=firm.uscc,
        firm_name=firm.name,
        visited_on=data.visited_on,
        unit_code=data.unit,
        visitor=actor.username,
        people_met=data.people_met.strip(),
        topics=data.topics.strip(),
        issues=(data.issues or "").strip() or None,
    )
    session.add(visit)
    session.flush()  # the audit record names the visit
    audit.record(
        session,
        actor=actor.username,
        entity_type="service_visit",
        entity_id=visit.id,
        action="record",
        after={"uscc": firm.uscc, "visited_on": data.visited_on, "unit": data.unit},
    )
    return visit


def visible_visits(session: Session, principal: Principal) -> Any:
    query = select(ServiceVisit)
    if principal.role in ALL_READERS:
        return query
    if principal.role == Role.enterprise:
        return query.where(ServiceVisit.id.is_(None))  # a firm reads its requests, not the log
    return query.where(ServiceVisit.unit_code.in_(units.units_of(session, principal)))


def list_visits(
    session: Session, *, principal: Principal, uscc: str | None = None, limit: int = 200
) -> tuple[list[ServiceVisit], int]:
    """The visits this account may read, newest first, and their true total."""
    query = visible_visits(session, principal)
    if uscc:
        query = query.where(ServiceVisit.uscc == uscc.strip().upper())
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(ServiceVisit.visited_on.desc(), ServiceVisit.id.desc()).limit(limit)
    ).all()
    return list(rows), total


def get_visit(session: Session, *, visit_id: int, principal: Principal) -> ServiceVisit:
    visit = None
    if 1 <= visit_id <= INT64_MAX:
        visit = session.scalar(
            visible_visits(session, principal).where(ServiceVisit.id == visit_id)
        )
    if visit is None:
        raise NotFound(f"没有可查看的走访记录 {visit_id}", f"no visit {visit_id} you may read")
    return visit


def raise_request(
    session: Session, *, actor: Principal, visit_id: int, data: IssueToRequest
) -> ServiceRequest:
    """An issue found on a visit becomes a request owned by the visiting unit (首接负责)."""
    visit = get_visit(session, visit_id=visit_id, principal=actor)
    firm = _registered(session, visit.uscc)
    _works_for(session, actor, visit.unit_code, firm)
    return receive(
        session,
        actor=actor,
        data=NewRequest(
            channel="visit",
            type=data.type,
            urgency=data.urgency,
            content=data.issue,
            uscc=visit.uscc,
        ),
        origin="visit",
        owner_unit=visit.unit_code,
        visit_id=visit.id,
    )


def requests_of_visit(session: Session, visit_id: int) -> list[ServiceRequest]:
    return list(
        session.scalars(
            select(ServiceRequest)
            .where(ServiceRequest.visit_id == visit_id)
            .order_by(ServiceRequest.id)
        )
    )


def assign_adviser(session: Session, *, actor: Principal, data: AdviserAssign) -> ServiceAdviser:
    """An adviser for a firm: the desk assigns anyone; a task-force member takes its own firms."""
    firm = _registered(session, data.uscc)
    if actor.role == Role.task_force:
        if data.username != actor.username:
            raise Forbidden("专班成员只能指定自己为服务管家", "a member assigns only itself")
        _works_for(session, actor, data.unit, firm)
    elif actor.role != Role.admin:
        raise Forbidden("只有服务港或专班成员指定服务管家", "only the desk or a member assigns")
    else:
        units.get_unit(session, data.unit)
    found = session.scalar(
        select(ServiceAdviser).where(
            ServiceAdviser.uscc == firm.uscc, ServiceAdviser.username == data.username
        )
    )
    if found is None:
        found = ServiceAdviser(uscc=firm.uscc, username=data.username)
        session.add(found)
    found.display_name, found.unit_code, found.since = data.display_name, data.unit, data.since
    session.flush()  # the audit record names the assignment
    audit.record(
        session,
        actor=actor.username,
        entity_type="service_adviser",
        entity_id=found.id,
        action="assign",
        after={"uscc": firm.uscc, "username": data.username, "unit": data.unit},
    )
    return found


def advisers_of(session: Session, uscc: str) -> list[ServiceAdviser]:
    return list(
        session.scalars(
            select(ServiceAdviser)
            .where(ServiceAdviser.uscc == uscc)
            .order_by(ServiceAdviser.since, ServiceAdviser.id)
        )
    )
