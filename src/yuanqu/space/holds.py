"""Holding space: a unit reserved for a lead or a project (and the hold lapsing), a unit let or
sold to a firm, and what a lead or a project needs (its requirement, which matching reads)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuanqu.attraction import service as attraction
from yuanqu.core import audit
from yuanqu.core.auth import Principal
from yuanqu.core.db import bump_data_version
from yuanqu.core.errors import Conflict, Forbidden, ValidationError
from yuanqu.projects import service as projects
from yuanqu.space.models import (
    DATASET,
    UNIT_STATUS_NAMES,
    UNIT_USE_NAMES,
    Occupancy,
    Requirement,
    Reservation,
    ReservationStatus,
    Unit,
    UnitStatus,
)
from yuanqu.space.service import SPACE_OFFICERS, _unit, reservation_dict


def _officer(actor: Principal) -> None:
    if actor.role not in SPACE_OFFICERS:
        raise Forbidden(
            "只有项目办、产业专班或管理员可以预留和分配载体",
            "only project officers, task forces or admins reserve and assign space",
        )


def reserve(
    session: Session,
    *,
    unit_id: int,
    holder: str,
    until: date,
    actor: Principal,
    today: date,
    lead_id: int | None = None,
    project_id: int | None = None,
) -> Reservation:
    """Hold a vacant unit for a lead (or a project) until a date; it lapses after that."""
    _officer(actor)
    lapse_reservations(session, today=today, actor=actor)
    unit, _b, _p = _unit(session, unit_id, lock=True)
    if unit.status != UnitStatus.vacant:
        raise Conflict(
            f"单元当前为“{UNIT_STATUS_NAMES[unit.status][0]}”，只能预留空置单元",
            f"the unit is {unit.status}; only a vacant unit can be reserved",
            code="unit_not_vacant",
        )
    if until < today or (until - today).days > 180:
        raise ValidationError(
            "预留期限应在今天起 180 天以内",
            "a hold lasts up to 180 days",
            details={"field": "until", "value": until.isoformat()},
        )
    if not holder.strip() or (lead_id is None and project_id is None):
        raise ValidationError(
            "预留须写明为哪个线索或项目",
            "a hold names its lead or project",
            details={"field": "holder"},
        )
    _check_holder(session, lead_id=lead_id, project_id=project_id)
    row = Reservation(
        unit_id=unit.id,
        lead_id=lead_id,
        project_id=project_id,
        holder=holder.strip()[:200],
        reserved_on=today,
        expires_on=until,
        status=ReservationStatus.held,
        created_by=actor.username,
    )
    session.add(row)
    unit.status = UnitStatus.reserved
    session.flush()  # the audit record names the reservation
    audit.record(
        session,
        actor=actor.username,
        entity_type="space_reservation",
        entity_id=row.id,
        action="reserve",
        after=reservation_dict(row),
    )
    audit.record(
        session,
        actor=actor.username,
        entity_type="space_unit",
        entity_id=unit.id,
        action="reserve",
        before={"status": "vacant"},
        after={"status": "reserved"},
    )
    bump_data_version(session, DATASET)
    return row


def release(session: Session, *, reservation_id: int, actor: Principal) -> Reservation:
    _officer(actor)
    row = session.get(Reservation, reservation_id, with_for_update=True)
    if row is None or row.status != ReservationStatus.held:
        raise Conflict("没有进行中的该预留", "no such hold in force", code="no_hold")
    _end_hold(session, row, ReservationStatus.released, actor.username)
    return row


def _end_hold(session: Session, row: Reservation, status: str, actor: str) -> None:
    row.status = status
    unit = session.get(Unit, row.unit_id, with_for_update=True)
    assert unit is not None
    if unit.status == UnitStatus.reserved and status != ReservationStatus.taken:
        unit.status = UnitStatus.vacant
        audit.record(
            session,
            actor=actor,
            entity_type="space_unit",
            entity_id=unit.id,
            action=status,
            before={"status": "reserved"},
            after={"status": "vacant"},
        )
    audit.record(
        session,
        actor=actor,
        entity_type="space_reservation",
        entity_id=row.id,
        action=status,
        after=reservation_dict(row),
    )


def lapse_reservations(session: Session, *, today: date, actor: Principal | None = None) -> int:
    """Every hold past its date lapses and its unit is vacant again; returns how many."""
    due = list(
        session.scalars(
            select(Reservation).where(
                Reservation.status == ReservationStatus.held, Reservation.expires_on < today
            )
        )
    )
    for row in due:
        _end_hold(
            session, row, ReservationStatus.lapsed, actor.username if actor else "system:lapse"
        )
    if due:
        bump_data_version(session, DATASET)
    return len(due)


def occupy(
    session: Session,
    *,
    unit_id: int,
    enterprise_id: int,
    kind: str,
    start_on: date,
    actor: Principal,
    rent_fen_sqm_day: int | None = None,
    project_id: int | None = None,
) -> Occupancy:
    """A firm moves into a unit (let, sold or self-used); a hold on it is taken up."""
    _officer(actor)
    unit, _b, _p = _unit(session, unit_id, lock=True)
    if kind not in ("let", "sold", "self_used"):
        raise ValidationError(f"未知的使用方式 {kind}", f"unknown occupancy kind {kind}")
    if unit.status not in (UnitStatus.vacant, UnitStatus.reserved):
        raise Conflict("该单元已被占用", "the unit is occupied", code="unit_occupied")
    hold = session.scalars(
        select(Reservation).where(
            Reservation.unit_id == unit.id, Reservation.status == ReservationStatus.held
        )
    ).one_or_none()
    if hold is not None:
        _end_hold(session, hold, ReservationStatus.taken, actor.username)
    row = Occupancy(
        unit_id=unit.id,
        enterprise_id=enterprise_id,
        kind=kind,
        start_on=start_on,
        rent_fen_sqm_day=rent_fen_sqm_day,
        project_id=project_id,
    )
    session.add(row)
    before = unit.status
    unit.status = kind
    session.flush()
    audit.record(
        session,
        actor=actor.username,
        entity_type="space_unit",
        entity_id=unit.id,
        action="occupy",
        before={"status": before},
        after={"status": kind, "enterprise_id": enterprise_id, "start_on": start_on.isoformat()},
    )
    bump_data_version(session, DATASET)
    return row


def add_requirement(
    session: Session,
    *,
    actor: Principal,
    min_area_sqm: int,
    max_area_sqm: int,
    use: str,
    lead_id: int | None = None,
    project_id: int | None = None,
    min_height_cm: int | None = None,
    min_load_kg_sqm: int | None = None,
    sub_area: str | None = None,
    needed_on: date | None = None,
    note: str | None = None,
) -> Requirement:
    """Record what a lead or a project needs (audited); matching reads it."""
    _officer(actor)
    values = {"min_area_sqm": min_area_sqm, "max_area_sqm": max_area_sqm, "use": use}
    check_requirement(values)
    if (lead_id is None) == (project_id is None):
        raise ValidationError(
            "载体需求须属于一个线索或一个项目",
            "a requirement belongs to one lead or one project",
            details={"field": "lead_id"},
        )
    _check_holder(session, lead_id=lead_id, project_id=project_id)
    row = Requirement(
        lead_id=lead_id,
        project_id=project_id,
        min_height_cm=min_height_cm,
        min_load_kg_sqm=min_load_kg_sqm,
        sub_area=sub_area,
        needed_on=needed_on,
        note=note,
        **values,
    )
    session.add(row)
    session.flush()  # the audit record names the requirement
    audit.record(
        session,
        actor=actor.username,
        entity_type="space_requirement",
        entity_id=row.id,
        action="create",
        after={
            **values,
            "lead_id": lead_id,
            "project_id": project_id,
            "sub_area": sub_area,
            "needed_on": needed_on,
        },
    )
    return row


def _check_holder(session: Session, *, lead_id: int | None, project_id: int | None) -> None:
    """The lead and the project a hold or a requirement names must exist (a clear 404)."""
    if lead_id is not None:
        attraction.require_lead(session, lead_id)
    if project_id is not None:
        projects.require_project(session, project_id)


def check_requirement(r: dict[str, Any]) -> None:
    """A requirement that can fit something: a use we know, a sensible area range."""
    if r.get("use") not in UNIT_USE_NAMES:
        known = "、".join(zh for zh, _en in UNIT_USE_NAMES.values())
        raise ValidationError(
            f"未知的用途：{r.get('use')}（可选：{known}）",
            f"unknown use: {r.get('use')} (one of {', '.join(UNIT_USE_NAMES)})",
            details={"field": "use"},
        )
    low, high = r.get("min_area_sqm"), r.get("max_area_sqm")
    if not (isinstance(low, int) and isinstance(high, int) and 0 < low <= high):
        raise ValidationError(
            "面积范围无效：应为 0 < 最小面积 ≤ 最大面积",
            "invalid area range: 0 < minimum <= maximum",
            details={"field": "area", "value": [low, high]},
        )
