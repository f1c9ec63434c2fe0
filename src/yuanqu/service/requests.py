"""Requests: receiving one, who may see which, finding and listing them, and how they read.

A firm's account sees its own firm's requests and, of the people working them, only units. A
unit's staff see the requests their units own or assist. The desk and analysts see all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, false, func, or_, select, true
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.auth import Principal, Role
from yuanqu.core.errors import Forbidden, NotFound, ValidationError
from yuanqu.core.holidays import work_calendar
from yuanqu.core.money import INT64_MAX
from yuanqu.core.uscc import validate_uscc
from yuanqu.service import catalogue, sla, units
from yuanqu.service.firms import find_firm
from yuanqu.service.models import (
    Channel,
    RequestStatus,
    RequestType,
    ServiceAssist,
    ServiceRequest,
    Urgency,
)
from yuanqu.service.workflow import ALL_READERS

ENTITY = "service_request"
#: China Standard Time has no daylight saving: local time is UTC + 8 hours all year.
LOCAL_OFFSET = timedelta(hours=8)


def local_now() -> datetime:
    """The zone's wall-clock time, naive, to the second."""
    return (datetime.now(UTC) + LOCAL_OFFSET).replace(tzinfo=None, microsecond=0)


def snapshot(req: ServiceRequest) -> dict[str, Any]:
    """The fields an audit record keeps before and after a move."""
    return {
        "status": req.status,
        "owner_unit": req.owner_unit,
        "due_at": req.due_at,
        "solved": req.solved,
        "satisfaction": req.satisfaction,
        "escalated_to": req.escalated_to,
    }


# --- receiving -----------------------------------------------------------------------------------


@dataclass
class NewRequest:
    """What a request needs when it is received (the desk's form, the portal's, an import row)."""

    channel: str
    type: str
    urgency: str
    content: str
    uscc: str | None = None
    firm_name: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    received_at: datetime | None = None
    ticket_no: str | None = None
    assist_units: list[str] = field(default_factory=list)


def _text(value: str | None, field_name: str, *, required: bool, limit: int) -> str | None:
    text = (value or "").strip()
    if required and len(text) < 2:
        raise ValidationError(
            f"{field_name} 不能为空（至少 2 个字）",
            f"{field_name} is required (2 characters at least)",
            details={"field": field_name},
        )
    if len(text) > limit:
        raise ValidationError(
            f"{field_name} 不能超过 {limit} 个字（实际 {len(text)}）",
            f"{field_name} takes at most {limit} characters ({len(text)} given)",
            details={"field": field_name},
        )
    return text or None


def next_ticket_no(session: Session, received_at: datetime) -> str:
    """``QY`` + the day + a running number of that day: QY20240930-0001."""
    prefix = f"QY{received_at:%Y%m%d}-"
    count = session.scalar(
        select(func.count(ServiceRequest.id)).where(ServiceRequest.ticket_no.like(prefix + "%"))
    )
    return f"{prefix}{(count or 0) + 1:04d}"


def receive(
    session: Session,
    *,
    actor: Principal,
    data: NewRequest,
    origin: str = "desk",
    owner_unit: str | None = None,
    visit_id: int | None = None,
) -> ServiceRequest:
    """Receive a request (受理): checked, numbered, given its deadlines, audited.

    A firm's account files for its own firm through the portal. ``owner_unit`` is the unit that
    received it in person (an adviser on a visit): under 首接负责 it owns the request at once.
    """
    if actor.role == Role.enterprise:
        if not actor.uscc:
            raise Forbidden("该企业账号未绑定企业", "this enterprise account has no firm")
        data.uscc, data.channel, origin = actor.uscc, Channel.portal.value, "portal"
    elif actor.role not in (Role.admin, *units_roles()):
        raise Forbidden("该账号不能受理诉求", "this account may not receive requests")
    channel = catalogue.parse(Channel, data.channel, field="channel")
    kind = catalogue.parse(RequestType, data.type, field="type")
    urgency = catalogue.parse(Urgency, data.urgency, field="urgency")
    content = _text(data.content, "content", required=True, limit=4000)
    uscc = validate_uscc(data.uscc) if data.uscc and data.uscc.strip() else None
    firm = find_firm(session, uscc) if uscc else None
    firm_name = firm.name if firm else _text(data.firm_name, "firm_name", required=False, limit=200)
    if (
        firm is None
        and not firm_name
        and not _text(data.contact_name, "contact_name", required=False, limit=100)
    ):
        raise ValidationError(
            "请填写企业（信用代码或名称）或来访人",
            "name the firm (credit code or name) or the person",
            details={"field": "uscc"},
        )
    received_at = data.received_at or local_now()
    if received_at > local_now() + timedelta(minutes=5):
        raise ValidationError(
            f"受理时间 {received_at} 晚于现在",
            f"received_at {received_at} is in the future",
            details={"field": "received_at", "value": received_at.isoformat()},
        )
    calendar = work_calendar(session)
    limits = sla.shipped_sla()
    req = ServiceRequest(
        ticket_no=(data.ticket_no or "").strip() or next_ticket_no(session, received_at),
        channel=channel,
        uscc=uscc,
        firm_name=firm_name,
        task_force=firm.task_force if firm else None,
        contact_name=_text(data.contact_name, "contact_name", required=False, limit=100),
        contact_phone=_text(data.contact_phone, "contact_phone", required=False, limit=40),
        type=kind,
        urgency=urgency,
        content=content,
        status=RequestStatus.received.value,
        origin=origin,
        visit_id=visit_id,
        received_at=received_at,
        due_at=limits.answer_due(received_at, urgency, calendar),
        created_by=actor.username,
        returns=0,
        reopens=0,
    )
    if session.scalar(select(ServiceRequest.id).where(ServiceRequest.ticket_no == req.ticket_no)):
        raise ValidationError(
            f"工单编号 {req.ticket_no} 已存在",
            f"ticket {req.ticket_no} exists already",
            code="duplicate_ticket",
            details={"field": "ticket_no", "value": req.ticket_no},
        )
    if owner_unit is not None:
        units.get_unit(session, owner_unit)
        req.owner_unit = owner_unit
        req.status = RequestStatus.dispatched.value
        req.dispatched_at = received_at
        req.sign_due_at = limits.sign_due(received_at, calendar)
    session.add(req)
    session.flush()  # the audit record and the assisting units name the request's id
    set_assists(session, req, data.assist_units)
    audit.record(
        session,
        actor=actor.username,
        entity_type=ENTITY,
        entity_id=req.id,
        action="receive",
        after=snapshot(req)
        | {"ticket_no": req.ticket_no, "channel": channel, "at": iso(received_at)},
    )
    return req


def units_roles() -> tuple[Role, ...]:
    from yuanqu.service.workflow import UNIT_ROLES

    return tuple(UNIT_ROLES)


def set_assists(session: Session, req: ServiceRequest, codes: Sequence[str]) -> list[str]:
    """The assisting units (协办): known units, not the owner, each once."""
    wanted: list[str] = []
    for code in codes:
        code = code.strip()
        if not code or code in wanted:
            continue
        units.get_unit(session, code)
        if code == req.owner_unit:
            continue
        wanted.append(code)
    current = set(
        session.scalars(select(ServiceAssist.unit_code).where(ServiceAssist.request_id == req.id))
    )
    for code in wanted:
        if code not in current:
            session.add(ServiceAssist(request_id=req.id, unit_code=code))
    return wanted


# --- scope ---------------------------------------------------------------------------------------


def scope_condition(session: Session, principal: Principal) -> ColumnElement[bool]:
    """SQL: the requests this account may see."""
    if principal.role in ALL_READERS:
        return true()
    if principal.role == Role.enterprise:
        return ServiceRequest.uscc == principal.uscc if principal.uscc else false()
    mine = units.units_of(session, principal)
    if not mine:
        return false()
    assisted = exists().where(
        ServiceAssist.request_id == ServiceRequest.id, ServiceAssist.unit_code.in_(mine)
    )
    return or_(ServiceRequest.owner_unit.in_(mine), assisted)


def get_request(session: Session, *, request_id: int, principal: Principal) -> ServiceRequest:
    """A request the account may see: 403 otherwise, whether or not it exists (a firm must not
    learn another firm's requests exist)."""
    req = None
    if 1 <= request_id <= INT64_MAX:
        req = session.scalar(
            select(ServiceRequest).where(
                ServiceRequest.id == request_id, scope_condition(session, principal)
            )
        )
    if req is None:
        if principal.role in ALL_READERS:
            raise NotFound(f"没有编号为 {request_id} 的诉求", f"no request {request_id}")
        raise Forbidden(
            "无权查看该诉求", "access denied: not a request you may see", details={"id": request_id}
        )
    return req


def find_request(session: Session, *, ref: str, principal: Principal) -> ServiceRequest:
    """A request by its ticket number or id."""
    ident = session.scalar(select(ServiceRequest.id).where(ServiceRequest.ticket_no == ref.strip()))
    if ident is None and ref.strip().isdigit():
        ident = int(ref.strip())
    if ident is None:
        raise NotFound(f"没有工单 {ref}", f"no ticket {ref}", details={"ticket_no": ref})
    return get_request(session, request_id=ident, principal=principal)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None
