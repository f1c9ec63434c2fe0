"""The permit workflow: issue, renew, suspend, reinstate, revoke. One function per move.

Each move checks that it is allowed from the permit's state, does its work and writes the
hash-chained audit record in the caller's unit of work (services never commit). A stage is
granted only when its prerequisites hold on the day (:func:`unmet_prerequisites`): the cover,
the stages it builds on, and for every stage past the road test a record in the zone of at least
240 hours or 1,000 km without a responsible accident or an open investigation.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuanqu.av.models import (
    MAX_VALIDITY_MONTHS,
    MIN_COVER_FEN,
    PERMIT_STATUS_NAMES,
    SCENARIO_NAMES,
    STAGE_NAMES,
    AvIncident,
    AvMileage,
    AvPermit,
    AvVehicle,
    IncidentStatus,
    PermitStage,
    PermitStatus,
    Supervision,
    name_of,
)
from yuanqu.core import audit
from yuanqu.core.errors import Conflict, NotFound, ValidationError

ENTITY = "av_permit"
#: The road-test record a later stage needs: hours or kilometres in the zone.
RECORD_HOURS = 240
RECORD_KM = 1000
#: The stages each stage builds on (a permit of it in force on the day).
BUILDS_ON: dict[str, tuple[str, ...]] = {
    PermitStage.road_test: (),
    PermitStage.passenger: (PermitStage.road_test,),
    PermitStage.night: (PermitStage.road_test,),
    PermitStage.highway: (PermitStage.road_test,),
    PermitStage.driverless_onboard: (PermitStage.road_test,),
    PermitStage.demonstration: (PermitStage.road_test,),
    PermitStage.driverless_remote: (PermitStage.road_test,),
    PermitStage.commercial_pilot: (PermitStage.demonstration,),
}


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day where it has fewer days)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def longest_until(valid_from: date) -> date:
    """The last day a permit starting on ``valid_from`` may run: 18 months, inclusive."""
    return add_months(valid_from, MAX_VALIDITY_MONTHS) - timedelta(days=1)


@dataclass(frozen=True)
class Unmet:
    """One prerequisite that does not hold, in words."""

    key: str
    zh: str
    en: str

    def to_dict(self, lang: str = "zh") -> dict[str, str]:
        return {"key": self.key, "reason": self.en if lang == "en" else self.zh}


@dataclass(frozen=True)
class RoadRecord:
    """A vehicle's testing in the zone up to a day, and its incidents."""

    km: float
    hours: float
    responsible_accidents: int
    open_incidents: int

    @property
    def enough(self) -> bool:
        return self.hours >= RECORD_HOURS or self.km >= RECORD_KM


def road_record(session: Session, *, vehicle_id: int, on: date) -> RoadRecord:
    """Kilometres and hours driven in the zone in the months up to ``on``; incidents to then."""
    month = f"{on.year:04d}-{on.month:02d}"
    km, hours = session.execute(
        select(
            func.coalesce(func.sum(AvMileage.km), 0), func.coalesce(func.sum(AvMileage.hours), 0)
        ).where(AvMileage.vehicle_id == vehicle_id, AvMileage.month <= month)
    ).one()
    responsible = session.scalar(
        select(func.count()).where(
            AvIncident.vehicle_id == vehicle_id,
            AvIncident.responsible.is_(True),
            AvIncident.occurred_on <= on,
        )
    )
    open_ = session.scalar(
        select(func.count()).where(
            AvIncident.vehicle_id == vehicle_id,
            AvIncident.status != IncidentStatus.closed,
            AvIncident.occurred_on <= on,
        )
    )
    return RoadRecord(float(km), float(hours), int(responsible or 0), int(open_ or 0))


def in_force(session: Session, *, vehicle_id: int, stage: str, on: date) -> AvPermit | None:
    """The vehicle's permit of ``stage`` in force on the day, if any."""
    return session.scalar(
        select(AvPermit)
        .where(
            AvPermit.vehicle_id == vehicle_id,
            AvPermit.stage == stage,
            AvPermit.status == PermitStatus.active,
            AvPermit.valid_from <= on,
            AvPermit.valid_until >= on,
        )
        .limit(1)
    )


def unmet_prerequisites(
    session: Session, *, vehicle: AvVehicle, stage: str, on: date, scenario: str | None = None
) -> list[Unmet]:
    """Every prerequisite of ``stage`` that does not hold for the vehicle on the day."""
    unmet: list[Unmet] = []
    cover = vehicle.cover_fen / 100 / 10_000
    if vehicle.cover_fen < MIN_COVER_FEN:
        unmet.append(
            Unmet(
                "insurance",
                f"保险金额 {cover:,.0f} 万元，不足 500 万元",
                f"insurance cover of {cover:,.0f} ten-thousand yuan is below 5 million yuan",
            )
        )
    if scenario is not None and scenario not in (vehicle.scenarios or []):
        label = name_of(SCENARIO_NAMES, scenario)
        unmet.append(
            Unmet(
                "scenario",
                f"该车未登记“{label}”场景",
                f"the vehicle is not registered for the scenario "
                f"'{name_of(SCENARIO_NAMES, scenario, 'en')}'",
            )
        )
    for needed in BUILDS_ON[stage]:
        if in_force(session, vehicle_id=vehicle.id, stage=needed, on=on) is None:
            unmet.append(
                Unmet(
                    f"needs_{needed}",
                    f"须先持有有效的“{name_of(STAGE_NAMES, needed)}”牌照",
                    f"needs a '{name_of(STAGE_NAMES, needed, 'en')}' permit in force",
                )
            )
    if stage == PermitStage.driverless_remote and vehicle.supervision == Supervision.safety_driver:
        unmet.append(
            Unmet(
                "remote_operator",
                "该车没有远程安全员安排",
                "the vehicle has no remote operator arrangement",
            )
        )
    if stage != PermitStage.road_test:
        record = road_record(session, vehicle_id=vehicle.id, on=on)
        if not record.enough:
            unmet.append(
                Unmet(
                    "road_record",
                    f"区内道路测试 {record.hours:,.0f} 小时、{record.km:,.0f} 公里，"
                    f"须至少 {RECORD_HOURS} 小时或 {RECORD_KM:,} 公里",
                    f"{record.hours:,.0f} hours and {record.km:,.0f} km of road testing in the "
                    f"zone; at least {RECORD_HOURS} hours or {RECORD_KM:,} km are needed",
                )
            )
        if record.responsible_accidents:
            unmet.append(
                Unmet(
                    "responsible_accident",
                    f"有 {record.responsible_accidents} 起负有责任的事故",
                    f"{record.responsible_accidents} accident(s) the vehicle was responsible for",
                )
            )
        if record.open_incidents:
            unmet.append(
                Unmet(
                    "open_incident",
                    f"有 {record.open_incidents} 起事件尚在调查",
                    f"{record.open_incidents} incident(s) still under investigation",
                )
            )
    return unmet


def _refuse_unmet(unmet: list[Unmet], stage: str) -> None:
    if unmet:
        raise Conflict(
            f"不能授予“{name_of(STAGE_NAMES, stage)}”牌照：" + "；".join(u.zh for u in unmet),
            f"cannot grant the '{name_of(STAGE_NAMES, stage, 'en')}' permit: "
            + "; ".join(u.en for u in unmet),
            code="prerequisites_unmet",
            details=[u.to_dict("en") | {"key": u.key} for u in unmet],
        )


def _state(permit: AvPermit) -> dict[str, Any]:
    return {
        "permit_no": permit.permit_no,
        "stage": permit.stage,
        "scenario": permit.scenario,
        "status": permit.status,
        "valid_from": permit.valid_from,
        "valid_until": permit.valid_until,
        "renewals": permit.renewals,
    }


def _reason_required(reason: str | None, move_zh: str, move_en: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError(
            f"{move_zh}须写明理由", f"{move_en} needs a reason", code="reason_required"
        )
    return text


def _check_validity(valid_from: date, valid_until: date) -> None:
    if valid_until < valid_from:
        raise ValidationError(
            f"有效期止 {valid_until} 早于起始 {valid_from}",
            f"the validity ends ({valid_until}) before it starts ({valid_from})",
            code="validity_ordered",
        )
    if valid_until > longest_until(valid_from):
        raise ValidationError(
            f"有效期不得超过 {MAX_VALIDITY_MONTHS} 个月（自 {valid_from} 起最晚至 "
            f"{longest_until(valid_from)}）",
            f"a permit runs at most {MAX_VALIDITY_MONTHS} months (from {valid_from}: "
            f"until {longest_until(valid_from)} at the latest)",
            code="validity_too_long",
        )


def get_permit(session: Session, *, permit_no: str) -> AvPermit:
    permit = session.scalar(select(AvPermit).where(AvPermit.permit_no == permit_no.strip()))
    if permit is None:
        raise NotFound(f"没有编号为 {permit_no} 的牌照", f"no permit numbered {permit_no}")
    return permit


def _vehicle(session: Session, vehicle_id: int) -> AvVehicle:
    vehicle = session.get(AvVehicle, vehicle_id)
    assert vehicle is not None  # a permit's foreign key
    return vehicle


def _next_number(session: Session, on: date) -> str:
    last = session.scalar(select(func.max(AvPermit.id))) or 0
    return f"AV{on.year}{last + 1:06d}"


def issue(
    session: Session,
    *,
    vin: str,
    stage: PermitStage | str,
    on: date,
    actor: str,
    valid_from: date | None = None,
    valid_until: date | None = None,
    permit_no: str | None = None,
    scenario: str | None = None,
) -> AvPermit:
    """Grant a stage to a vehicle; refused (naming every unmet prerequisite) unless they hold."""
    stage = PermitStage(stage)
    vehicle = session.scalar(select(AvVehicle).where(AvVehicle.vin == vin.strip().upper()))
    if vehicle is None:
        raise NotFound(f"没有车辆识别代号为 {vin} 的测试车辆", f"no test vehicle with VIN {vin}")
    start = valid_from or on
    until = valid_until or longest_until(start)
    _check_validity(start, until)
    number = (permit_no or "").strip() or _next_number(session, on)
    if session.scalar(select(AvPermit.id).where(AvPermit.permit_no == number)) is not None:
        raise Conflict(f"牌照编号 {number} 已存在", f"permit number {number} exists already")
    if in_force(session, vehicle_id=vehicle.id, stage=stage, on=start) is not None:
        raise Conflict(
            f"该车已持有有效的“{name_of(STAGE_NAMES, stage)}”牌照（请办理延续）",
            f"the vehicle holds a '{name_of(STAGE_NAMES, stage, 'en')}' permit in force "
            "already (renew it)",
            code="already_permitted",
        )
    _refuse_unmet(
        unmet_prerequisites(session, vehicle=vehicle, stage=stage, on=on, scenario=scenario),
        stage,
    )
    permit = AvPermit(
        permit_no=number,
        vehicle_id=vehicle.id,
        stage=stage,
        scenario=scenario,
        status=PermitStatus.active,
        issued_on=on,
        valid_from=start,
        valid_until=until,
        renewals=0,
    )
    session.add(permit)
    session.flush()  # the id names the permit in its audit record
    audit.record(
        session,
        actor=actor,
        entity_type=ENTITY,
        entity_id=permit.id,
        action="issue",
        after=_state(permit),
    )
    return permit


def renew(
    session: Session, *, permit_no: str, on: date, actor: str, valid_until: date | None = None
) -> AvPermit:
    """Extend a permit in force (or lapsed) for up to 18 months from the day after it ends (or
    from today if it lapsed); its prerequisites are checked again."""
    permit = get_permit(session, permit_no=permit_no)
    if permit.status != PermitStatus.active:
        raise Conflict(
            f"牌照 {permit.permit_no} 处于“{_status_zh(permit)}”状态，不能延续",
            f"permit {permit.permit_no} is {permit.status}: it cannot be renewed",
            code="invalid_transition",
        )
    start = max(permit.valid_until + timedelta(days=1), on)
    until = valid_until or longest_until(start)
    if until <= permit.valid_until:
        raise ValidationError(
            f"延续后的有效期止 {until} 应晚于现有的 {permit.valid_until}",
            f"the renewed end {until} must be after the current end {permit.valid_until}",
            code="validity_ordered",
        )
    _check_validity(start, until)
    vehicle = _vehicle(session, permit.vehicle_id)
    unmet = [
        u
        for u in unmet_prerequisites(
            session, vehicle=vehicle, stage=permit.stage, on=on, scenario=permit.scenario
        )
        # The stage's own permit is what is renewed: the road test it built on may have been
        # renewed itself, so only the record and the cover are asked again.
        if not u.key.startswith("needs_")
    ]
    _refuse_unmet(unmet, permit.stage)
    before = _state(permit)
    permit.valid_until = until
    permit.renewals += 1
    audit.record(
        session,
        actor=actor,
        entity_type=ENTITY,
        entity_id=permit.id,
        action="renew",
        before=before,
        after=_state(permit),
    )
    return permit


def suspend(
    session: Session, *, permit_no: str, on: date, actor: str, reason: str | None
) -> AvPermit:
    """Suspend a permit in force (an incident, a lapse of cover...): the reason is required."""
    text = _reason_required(reason, "暂停牌照", "suspending a permit")
    permit = get_permit(session, permit_no=permit_no)
    if permit.status != PermitStatus.active:
        raise Conflict(
            f"牌照 {permit.permit_no} 处于“{_status_zh(permit)}”状态，不能暂停",
            f"permit {permit.permit_no} is {permit.status}: it cannot be suspended",
            code="invalid_transition",
        )
    return _move(session, permit, PermitStatus.suspended, "suspend", actor, text)


def reinstate(
    session: Session, *, permit_no: str, on: date, actor: str, reason: str | None
) -> AvPermit:
    """Lift a suspension: the reason (what was put right) is required."""
    text = _reason_required(reason, "恢复牌照", "reinstating a permit")
    permit = get_permit(session, permit_no=permit_no)
    if permit.status != PermitStatus.suspended:
        raise Conflict(
            f"牌照 {permit.permit_no} 未被暂停，无需恢复",
            f"permit {permit.permit_no} is not suspended",
            code="invalid_transition",
        )
    return _move(session, permit, PermitStatus.active, "reinstate", actor, text)


def revoke(
    session: Session, *, permit_no: str, on: date, actor: str, reason: str | None
) -> AvPermit:
    """Revoke a permit for good: the reason is required; a revoked permit never moves again."""
    text = _reason_required(reason, "撤销牌照", "revoking a permit")
    permit = get_permit(session, permit_no=permit_no)
    if permit.status == PermitStatus.revoked:
        raise Conflict(
            f"牌照 {permit.permit_no} 已撤销",
            f"permit {permit.permit_no} is revoked already",
            code="invalid_transition",
        )
    permit.ended_on = on
    return _move(session, permit, PermitStatus.revoked, "revoke", actor, text)


def _move(
    session: Session, permit: AvPermit, status: PermitStatus, action: str, actor: str, reason: str
) -> AvPermit:
    before = _state(permit)
    permit.status = status
    permit.reason = reason
    audit.record(
        session,
        actor=actor,
        entity_type=ENTITY,
        entity_id=permit.id,
        action=action,
        before=before,
        after=_state(permit),
        reason=reason,
    )
    return permit


def status_key(permit: AvPermit, today: date) -> str:
    """The state a person reads: in force, suspended, revoked, or expired (by date)."""
    if permit.status == PermitStatus.active and permit.valid_until < today:
        return "expired"
    return permit.status


def _status_zh(permit: AvPermit) -> str:
    return PERMIT_STATUS_NAMES[permit.status][0]
