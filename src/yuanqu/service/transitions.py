"""Every move of a request: checked (who, from which state), done, audited. Services never commit.

Each function takes the moment of the move (``at``, local time; now by default) so an office
recording yesterday's call, a test or the demo says when it happened; a move is never dated before
the request's last one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.auth import Principal, Role
from yuanqu.core.errors import Conflict, Forbidden, ValidationError
from yuanqu.core.holidays import work_calendar
from yuanqu.service import catalogue, sla, units
from yuanqu.service import deadlines as _deadlines  # noqa: F401 (recounted on a notice load)
from yuanqu.service.models import RequestStatus, Satisfaction, ServiceRequest
from yuanqu.service.requests import ENTITY, get_request, iso, local_now, set_assists, snapshot
from yuanqu.service.workflow import TRANSITIONS


def _lock(session: Session, request_id: int, actor: Principal) -> ServiceRequest:
    req = get_request(session, request_id=request_id, principal=actor)
    session.refresh(req, with_for_update=True)
    return req


def check(session: Session, req: ServiceRequest, name: str, actor: Principal) -> None:
    """Refuse a move this account may not make, or not from the request's state."""
    transition = TRANSITIONS[name]
    if actor.role not in transition.roles:
        raise Forbidden(
            f"该账号不能对诉求“{transition.zh}”",
            f"this account may not {transition.en} a request",
            details={"request": req.id, "transition": name, "role": str(actor.role)},
        )
    if actor.role == Role.enterprise and req.uscc != actor.uscc:
        raise Forbidden("无权处理该诉求", "access denied: not your firm's request")
    if transition.by_owner and req.owner_unit not in units.units_of(session, actor):
        raise Forbidden(
            f"只有承办单位（{units.unit_name(session, req.owner_unit)}）可以“{transition.zh}”",
            f"only the owning unit ({units.unit_name(session, req.owner_unit, 'en')}) may "
            f"{transition.en}",
            code="not_owner",
            details={"request": req.id, "owner_unit": req.owner_unit},
        )
    if req.status not in transition.sources:
        status_zh = catalogue.name(RequestStatus, req.status)
        status_en = catalogue.name(RequestStatus, req.status, "en")
        raise Conflict(
            f"诉求 {req.ticket_no} 当前为“{status_zh}”，不能“{transition.zh}”",
            f"request {req.ticket_no} is {status_en}; cannot {transition.en}",
            code="invalid_transition",
            details={"request": req.id, "status": req.status, "transition": name},
        )


def _moment(req: ServiceRequest, at: datetime | None) -> datetime:
    moment = at or local_now()
    last = max(
        m
        for m in (
            req.received_at,
            req.dispatched_at,
            req.signed_at,
            req.first_contact_at,
            req.interim_reply_at,
            req.closed_at,
            req.followed_up_at,
        )
        if m is not None
    )
    if moment < last:
        raise ValidationError(
            f"时间 {moment} 早于该诉求上一步（{last}）",
            f"the time {moment} is before the request's last step ({last})",
            details={"field": "at", "value": iso(moment)},
        )
    if moment > local_now() + timedelta(minutes=5):
        raise ValidationError(
            f"时间 {moment} 晚于现在",
            f"the time {moment} is in the future",
            details={"field": "at"},
        )
    return moment


def _need_text(text: str | None, field: str, what_zh: str, what_en: str) -> str:
    value = (text or "").strip()
    if len(value) < 2:
        raise ValidationError(
            f"{what_zh}须写明内容", f"{what_en} needs a written text", details={"field": field}
        )
    return value[:4000]


def _record(
    session: Session,
    req: ServiceRequest,
    name: str,
    actor: Principal,
    before: dict[str, Any],
    moment: datetime,
    *,
    text: str | None = None,
    extra: dict[str, Any] | None = None,
) -> ServiceRequest:
    target = TRANSITIONS[name].target
    if target is not None:
        req.status = target
    audit.record(
        session,
        actor=actor.username,
        entity_type=ENTITY,
        entity_id=req.id,
        action=name,
        before=before,
        after=snapshot(req) | {"at": iso(moment)} | (extra or {}),
        reason=text,
    )
    return req


# --- the moves -----------------------------------------------------------------------------------


def dispatch(
    session: Session,
    *,
    request_id: int,
    actor: Principal,
    unit: str,
    assist_units: Sequence[str] = (),
    at: datetime | None = None,
    note: str | None = None,
) -> ServiceRequest:
    """The desk gives the request to a unit (and any assisting units); it signs within 2 hours."""
    req = _lock(session, request_id, actor)
    check(session, req, "dispatch", actor)
    owner = units.get_unit(session, unit).code
    moment = _moment(req, at)
    before = snapshot(req)
    req.owner_unit = owner
    req.dispatched_at = moment
    req.sign_due_at = sla.shipped_sla().sign_due(moment, work_calendar(session))
    helpers = set_assists(session, req, assist_units)
    return _record(
        session, req, "dispatch", actor, before, moment, text=note, extra={"assists": helpers}
    )


def sign(
    session: Session, *, request_id: int, actor: Principal, at: datetime | None = None
) -> ServiceRequest:
    """The owning unit signs for it; first contact is due within 1 working day."""
    req = _lock(session, request_id, actor)
    check(session, req, "sign", actor)
    moment = _moment(req, at)
    before = snapshot(req)
    req.signed_at = moment
    req.contact_due_at = sla.shipped_sla().contact_due(moment, work_calendar(session))
    return _record(session, req, "sign", actor, before, moment)


def send_back(
    session: Session,
    *,
    request_id: int,
    actor: Principal,
    reason: str,
    at: datetime | None = None,
) -> ServiceRequest:
    """Not this unit's business: back to the dispatcher with the reason (before signing only)."""
    req = _lock(session, request_id, actor)
    check(session, req, "send_back", actor)
    text = _need_text(reason, "reason", "退回", "sending back")
    moment = _moment(req, at)
    before = snapshot(req)
    returned_by = req.owner_unit
    req.owner_unit = None
    req.sign_due_at = None
    req.returns += 1
    return _record(
        session,
        req,
        "send_back",
        actor,
        before,
        moment,
        text=text,
        extra={"acting_unit": returned_by},
    )


def contact(
    session: Session,
    *,
    request_id: int,
    actor: Principal,
    note: str | None = None,
    at: datetime | None = None,
) -> ServiceRequest:
    """The unit reached the firm (the first time counts for the 1-working-day limit)."""
    req = _lock(session, request_id, actor)
    check(session, req, "contact", actor)
    moment = _moment(req, at)
    before = snapshot(req)
    if req.first_contact_at is None:
        req.first_contact_at = moment
    return _record(
        session, req, "contact", actor, before, moment, text=(note or "").strip() or None
    )


def reply(
    session: Session, *, request_id: int, actor: Principal, text: str, at: datetime | None = None
) -> ServiceRequest:
    """An interim reply to the firm (阶段性答复): what is done so far, what comes next."""
    req = _lock(session, request_id, actor)
    check(session, req, "reply", actor)
    body = _need_text(text, "text", "阶段性答复", "an interim reply")
    moment = _moment(req, at)
    before = snapshot(req)
    req.interim_reply_at = moment
    if req.first_contact_at is None:
        req.first_contact_at = moment
    return _record(session, req, "reply", actor, before, moment, text=body)


def close(
    session: Session, *, request_id: int, actor: Principal, result: str, at: datetime | None = None
) -> ServiceRequest:
    """The unit answers the request (办结) with its result; the desk follows up."""
    req = _lock(session, request_id, actor)
    check(session, req, "close", actor)
    body = _need_text(result, "result", "办结", "closing")
    moment = _moment(req, at)
    before = snapshot(req)
    req.result = body
    req.closed_at = moment
    if req.first_contact_at is None:
        req.first_contact_at = moment
    return _record(session, req, "close", actor, before, moment, text=body)


def follow_up(
    session: Session,
    *,
    request_id: int,
    actor: Principal,
    solved: bool,
    satisfaction: str,
    note: str | None = None,
    at: datetime | None = None,
) -> ServiceRequest:
    """The follow-up (回访): was it solved, how satisfied is the firm. The firm may rate it
    itself on the portal; the desk records a follow-up call."""
    req = _lock(session, request_id, actor)
    check(session, req, "follow_up", actor)
    rating = catalogue.parse(Satisfaction, satisfaction, field="satisfaction")
    moment = _moment(req, at)
    before = snapshot(req)
    req.solved = bool(solved)
    req.satisfaction = rating
    req.followed_up_at = moment
    return _record(
        session, req, "follow_up", actor, before, moment, text=(note or "").strip() or None
    )


def reopen(
    session: Session,
    *,
    request_id: int,
    actor: Principal,
    reason: str,
    at: datetime | None = None,
) -> ServiceRequest:
    """Not solved or not satisfied: the owning unit looks at it again (复查复核), with a new
    deadline counted from now."""
    req = _lock(session, request_id, actor)
    check(session, req, "reopen", actor)
    if req.solved and req.satisfaction != Satisfaction.unsatisfied:
        raise Conflict(
            "该诉求已解决且企业满意，不能复查",
            "the request was solved and the firm satisfied: nothing to reopen",
            code="nothing_to_reopen",
            details={"request": req.id},
        )
    text = _need_text(reason, "reason", "复查复核", "reopening")
    moment = _moment(req, at)
    before = snapshot(req)
    req.reopens += 1
    req.closed_at = None
    req.followed_up_at = None
    req.solved = None
    req.satisfaction = None
    req.due_at = sla.shipped_sla().answer_due(moment, req.urgency, work_calendar(session))
    return _record(session, req, "reopen", actor, before, moment, text=text)


def escalate(
    session: Session,
    *,
    request_id: int,
    actor: Principal,
    note: str | None = None,
    at: datetime | None = None,
) -> ServiceRequest:
    """A late request goes to the owning unit's head (超期督办); a request on time is refused."""
    req = _lock(session, request_id, actor)
    check(session, req, "escalate", actor)
    moment = _moment(req, at)
    if moment <= req.due_at:
        raise Conflict(
            f"诉求 {req.ticket_no} 未超期（办理期限 {sla.due_label(req.due_at)}）",
            f"request {req.ticket_no} is not late (due {sla.due_label(req.due_at, 'en')})",
            code="not_late",
            details={"request": req.id, "due_at": iso(req.due_at)},
        )
    before = snapshot(req)
    req.escalated_at = moment
    req.escalated_to = (
        units.head_of(session, req.owner_unit)
        if req.owner_unit
        else units.head_of(session, "service_port")
    )
    return _record(
        session, req, "escalate", actor, before, moment, text=(note or "").strip() or None
    )


def overdue_by_unit(
    session: Session, *, principal: Principal, now: datetime | None = None, lang: str = "zh"
) -> list[dict[str, Any]]:
    """Open requests past their deadline by owning unit (unassigned ones under the desk)."""
    from yuanqu.service.requests import scope_condition
    from yuanqu.service.workflow import OPEN

    now = now or local_now()
    count = func.count(ServiceRequest.id)
    rows = session.execute(
        select(
            ServiceRequest.owner_unit,
            count,
            func.min(ServiceRequest.due_at),
            func.sum(case((ServiceRequest.escalated_at.is_not(None), 1), else_=0)),
        )
        .where(
            ServiceRequest.status.in_(OPEN),
            ServiceRequest.due_at < now,
            scope_condition(session, principal),
        )
        .group_by(ServiceRequest.owner_unit)
        .order_by(count.desc(), ServiceRequest.owner_unit)
    ).all()
    return [
        {
            "unit": unit,
            "unit_name": units.unit_name(session, unit, lang)
            if unit
            else ("awaiting dispatch" if lang == "en" else "待派单"),
            "overdue": int(n),
            "oldest_due_at": iso(oldest),
            "escalated": int(escalated or 0),
        }
        for unit, n, oldest, escalated in rows
    ]


def take(
    session: Session, *, request_id: int, action: str, actor: Principal, body: Any
) -> ServiceRequest:
    """One move by name with a body (``schemas.MoveBody``): the API's and the pages' one entry."""
    common: dict[str, Any] = {"request_id": request_id, "actor": actor, "at": body.at}
    if action == "dispatch":
        return dispatch(
            session, **common, unit=body.unit or "", assist_units=body.assist_units, note=body.text
        )
    if action == "sign":
        return sign(session, **common)
    if action == "send_back":
        return send_back(session, **common, reason=body.reason or "")
    if action == "contact":
        return contact(session, **common, note=body.text)
    if action == "reply":
        return reply(session, **common, text=body.text or "")
    if action == "close":
        return close(session, **common, result=body.result or "")
    if action == "follow_up":
        if body.solved is None:
            raise ValidationError(
                "回访须说明是否解决",
                "a follow-up says whether it was solved",
                details={"field": "solved"},
            )
        return follow_up(
            session,
            **common,
            solved=body.solved,
            satisfaction=body.satisfaction or "",
            note=body.text,
        )
    if action == "reopen":
        return reopen(session, **common, reason=body.reason or "")
    if action == "escalate":
        return escalate(session, **common, note=body.text)
    raise ValidationError(
        f"未知操作 {action}",
        f"unknown action {action}",
        details={"field": "action", "value": action},
    )


def possible_moves(session: Session, req: ServiceRequest, actor: Principal) -> list[str]:
    """The moves this account may make on the request now (the page's buttons)."""
    found = []
    mine = units.units_of(session, actor)
    for name, transition in TRANSITIONS.items():
        if req.status not in transition.sources or actor.role not in transition.roles:
            continue
        if transition.by_owner and req.owner_unit not in mine:
            continue
        if actor.role == Role.enterprise and req.uscc != actor.uscc:
            continue
        if name == "reopen" and req.solved and req.satisfaction != Satisfaction.unsatisfied:
            continue
        if name == "escalate" and (req.escalated_at is not None or local_now() <= req.due_at):
            continue
        found.append(name)
    return found
