"""Requests' deadlines counted again when an administrator loads a holiday notice.

An open request's answer deadline of N working days was counted with the calendar of its day: a
year nobody had loaded counted weekends only. When the year's notice is loaded, every open request
whose working-day deadline touches that year is counted again: the same N working days from the
same start (the day of receipt, or of reopening), by the new calendar. Calendar-hour limits and
closed requests stay as they were.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.holidays import on_notice_loaded
from yuanqu.core.workdays import WorkCalendar
from yuanqu.service.models import ServiceRequest
from yuanqu.service.requests import ENTITY, snapshot
from yuanqu.service.sla import END_OF_DAY, shipped_sla
from yuanqu.service.workflow import OPEN


def recount_deadlines(
    session: Session, *, old: WorkCalendar, new: WorkCalendar, year: int, actor: str
) -> int:
    limits = shipped_sla().answer
    by_workdays = [u for u, limit in limits.items() if limit.workdays is not None]
    requests = session.scalars(
        select(ServiceRequest)
        .where(
            ServiceRequest.status.in_(OPEN),
            ServiceRequest.urgency.in_(by_workdays),
            ServiceRequest.received_at <= datetime(year, 12, 31, 23, 59, 59),
            ServiceRequest.due_at >= datetime(year - 1, 12, 1),
        )
        .order_by(ServiceRequest.id)
        .with_for_update()
    ).all()
    moved = 0
    for req in requests:
        days = limits[req.urgency].workdays
        assert days is not None
        start: date = old.add_workdays(req.due_at.date(), -days)
        due = datetime.combine(new.add_workdays(start, days), END_OF_DAY)
        if due == req.due_at:
            continue
        before = snapshot(req)
        req.due_at = due
        moved += 1
        audit.record(
            session,
            actor=actor,
            entity_type=ENTITY,
            entity_id=req.id,
            action="recount_deadline",
            before=before,
            after=snapshot(req),
            reason=f"{year}年节假日安排载入 / the {year} holiday notice was loaded",
        )
    return moved


on_notice_loaded("service", recount_deadlines)
