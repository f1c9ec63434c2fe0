"""Reading requests: the scoped lists with their filters and overdue rule, one request as the pages
and the API show it, and its timeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.auth import Principal
from yuanqu.service import catalogue, sla, units
from yuanqu.service.models import (
    Channel,
    RequestStatus,
    RequestType,
    ServiceAssist,
    ServiceAttachment,
    ServiceRequest,
    Urgency,
)
from yuanqu.service.requests import ENTITY, LOCAL_OFFSET, iso, local_now, scope_condition
from yuanqu.service.workflow import OPEN

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
                        "actor": None,  # an imported step names its unit, not a person
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
