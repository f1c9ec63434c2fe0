"""Requests: receiving one, who may see which, finding and listing them, and how they read.

A firm's account sees its own firm's requests and, of the people working them, only units. A
unit's staff see the requests their units own or assist. The desk and analysts see all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select, true
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.auth import Principal, Role
from yuanqu.core.codes import validate_uscc
from yuanqu.core.errors import Forbidden, NotFound, ValidationError
from yuanqu.core.holidays import work_calendar
from yuanqu.core.money import INT64_MAX
from yuanqu.service import catalogue, sla, units
from yuanqu.service.firms import find_firm
from yuanqu.service.models import (
    Channel,
    RequestStatus,
    RequestType,
    ServiceAssist,
    ServiceAttachment,
    ServiceRequest,
    Urgency,
)
from yuanqu.service.workflow import ALL_READERS, OPEN

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


# --- listing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestFilter:
    status: str | None = None
    unit: str | None = None
    type: str | None = None
    urgency: str | None = None
    channel: str | None = None
    uscc: str | None = None
    year: int | None = None
    overdue: bool = False
    q: str | None = None


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    """SQL: past its deadline, open (not closed yet) or closed late."""
    return or_(
        and_(ServiceRequest.status.in_(OPEN), ServiceRequest.due_at < now),
        and_(
            ServiceRequest.closed_at.is_not(None), ServiceRequest.closed_at > ServiceRequest.due_at
        ),
    )


def filtered(
    session: Session, principal: Principal, filters: RequestFilter, now: datetime
) -> Select[Any]:
    query = select(ServiceRequest).where(scope_condition(session, principal))
    if filters.status:
        status = catalogue.parse(RequestStatus, filters.status, field="status")
        query = query.where(ServiceRequest.status == status)
    if filters.unit:
        code = units.find_unit(session, filters.unit)
        helped = exists().where(
            ServiceAssist.request_id == ServiceRequest.id, ServiceAssist.unit_code == code
        )
        query = query.where(or_(ServiceRequest.owner_unit == code, helped))
    if filters.type:
        query = query.where(ServiceRequest.type == catalogue.parse(RequestType, filters.type))
    if filters.urgency:
        query = query.where(ServiceRequest.urgency == catalogue.parse(Urgency, filters.urgency))
    if filters.channel:
        query = query.where(ServiceRequest.channel == catalogue.parse(Channel, filters.channel))
    if filters.uscc:
        query = query.where(ServiceRequest.uscc == filters.uscc.strip().upper())
    if filters.year:
        query = query.where(
            ServiceRequest.received_at >= datetime(filters.year, 1, 1),
            ServiceRequest.received_at < datetime(filters.year + 1, 1, 1),
        )
    if filters.overdue:
        query = query.where(overdue_condition(now))
    if filters.q:
        pattern = f"%{filters.q.strip()}%"
        query = query.where(
            or_(
                ServiceRequest.ticket_no.like(pattern),
                ServiceRequest.firm_name.like(pattern),
                ServiceRequest.content.like(pattern),
            )
        )
    return query


@dataclass
class RequestPage:
    items: list[ServiceRequest]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def list_requests(
    session: Session,
    *,
    principal: Principal,
    filters: RequestFilter | None = None,
    page: int = 1,
    page_size: int = 50,
    now: datetime | None = None,
) -> RequestPage:
    """One page of the requests the account may see, newest first, with the true total."""
    filters = filters or RequestFilter()
    now = now or local_now()
    query = filtered(session, principal, filters, now)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(
        query.order_by(ServiceRequest.received_at.desc(), ServiceRequest.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return RequestPage(list(items), total, page, page_size)


def assists_of(session: Session, ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for start in range(0, len(ids), 900):
        rows = session.execute(
            select(ServiceAssist.request_id, ServiceAssist.unit_code)
            .where(ServiceAssist.request_id.in_(ids[start : start + 900]))
            .order_by(ServiceAssist.id)
        )
        for request_id, code in rows:
            found.setdefault(request_id, []).append(code)
    return found


def attachments_of(session: Session, request_id: int) -> list[ServiceAttachment]:
    return list(
        session.scalars(
            select(ServiceAttachment)
            .where(ServiceAttachment.request_id == request_id)
            .order_by(ServiceAttachment.id)
        )
    )


# --- reading -------------------------------------------------------------------------------------


def is_overdue(req: ServiceRequest, now: datetime) -> bool:
    if req.closed_at is not None and req.status not in OPEN:
        return req.closed_at > req.due_at
    return now > req.due_at


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def request_dict(
    session: Session,
    req: ServiceRequest,
    lang: str = "zh",
    *,
    now: datetime | None = None,
    assists: Sequence[str] = (),
    for_firm: bool = False,
) -> dict[str, Any]:
    """A request as the API, the pages and the CLI show it: codes beside words, local times.

    ``for_firm``: what the firm's own account reads (units, never the staff who worked it).
    """
    now = now or local_now()
    data: dict[str, Any] = {
        "id": req.id,
        "ticket_no": req.ticket_no,
        "status": req.status,
        "status_name": catalogue.name(RequestStatus, req.status, lang),
        "channel": req.channel,
        "channel_name": catalogue.name(Channel, req.channel, lang),
        "type": req.type,
        "type_name": catalogue.name(RequestType, req.type, lang),
        "urgency": req.urgency,
        "urgency_name": catalogue.name(Urgency, req.urgency, lang),
        "uscc": req.uscc,
        "firm_name": req.firm_name,
        "content": req.content,
        "owner_unit": req.owner_unit,
        "owner_unit_name": units.unit_name(session, req.owner_unit, lang),
        "assist_units": list(assists),
        "assist_unit_names": [units.unit_name(session, c, lang) for c in assists],
        "received_at": iso(req.received_at),
        "dispatched_at": iso(req.dispatched_at),
        "signed_at": iso(req.signed_at),
        "first_contact_at": iso(req.first_contact_at),
        "interim_reply_at": iso(req.interim_reply_at),
        "closed_at": iso(req.closed_at),
        "followed_up_at": iso(req.followed_up_at),
        "due_at": iso(req.due_at),
        "due_label": sla.due_label(req.due_at, lang),
        "overdue": is_overdue(req, now),
        "result": req.result,
        "solved": req.solved,
        "satisfaction": req.satisfaction,
        "satisfaction_name": catalogue.name(catalogue.Satisfaction, req.satisfaction, lang)
        if req.satisfaction
        else None,
        "reopens": req.reopens,
        "returns": req.returns,
        "escalated": req.escalated_at is not None,
    }
    if not for_firm:
        data |= {
            "task_force": req.task_force,
            "contact_name": req.contact_name,
            "contact_phone": req.contact_phone,
            "sign_due_at": iso(req.sign_due_at),
            "contact_due_at": iso(req.contact_due_at),
            "escalated_at": iso(req.escalated_at),
            "escalated_to": req.escalated_to,
            "origin": req.origin,
            "created_by": req.created_by,
        }
    return data


OTHER_ACTIONS = {
    "receive": ("受理", "received"),
    "import": ("导入", "imported"),
    "attach": ("上传附件", "files attached"),
    "recount_deadline": ("期限重算", "deadline recounted"),
}
# The times an imported request carries, as the steps of its timeline.
RECORDED_STEPS = (
    ("received_at", "受理", "received"),
    ("dispatched_at", "派单", "dispatched"),
    ("signed_at", "签收", "signed for"),
    ("first_contact_at", "首次联系企业", "first contact"),
    ("interim_reply_at", "阶段性答复", "interim reply"),
    ("closed_at", "办结", "closed"),
    ("followed_up_at", "回访评价", "followed up"),
)


def timeline(
    session: Session, req: ServiceRequest, lang: str = "zh", *, for_firm: bool = False
) -> list[dict[str, Any]]:
    """Every move of the request from the audit chain, oldest first; a request imported with
    its history shows the times it carried. A firm reads the unit, not the person."""
    from yuanqu.service.workflow import TRANSITIONS

    en = lang == "en"
    steps: list[dict[str, Any]] = []
    if req.origin in ("import", "demo"):
        for column, zh, english in RECORDED_STEPS:
            moment = getattr(req, column)
            if moment is not None:
                unit = req.owner_unit if column != "received_at" else None
                steps.append(
                    {
                        "at": iso(moment),
                        "action": column.removesuffix("_at"),
                        "action_name": english if en else zh,
                        "status": None,
                        "status_name": None,
                        "unit_name": units.unit_name(session, unit, lang) if unit else None,
                        "text": req.result if column == "closed_at" else None,
                    }
                )
    for record in audit.entity_history(session, entities=[(ENTITY, req.id)]):
        if record.action == "import":
            continue  # its times are the steps above
        before, after = record.before or {}, record.after or {}
        transition = TRANSITIONS.get(record.action)
        zh, english = (
            (transition.zh, transition.en)
            if transition
            else OTHER_ACTIONS.get(record.action, (record.action, record.action))
        )
        unit = after.get("acting_unit") or after.get("owner_unit") or before.get("owner_unit")
        step = {
            "at": after.get("at") or iso(_local(record.occurred_at)),
            "action": record.action,
            "action_name": english if en else zh,
            "status": after.get("status"),
            "status_name": catalogue.name(RequestStatus, after["status"], lang)
            if after.get("status")
            else None,
            "unit_name": units.unit_name(session, unit, lang) if unit else None,
            "text": record.reason,
        }
        if not for_firm:
            step["actor"] = record.actor
        steps.append(step)
    return steps


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment.astimezone(UTC) + LOCAL_OFFSET).replace(tzinfo=None)
