"""The test zone's verbs beside the permit workflow: vehicles, incidents, roads, and reading.

Every function takes the Session first and never commits. Reading functions take the firm a
test-subject user is bound to (``enterprise_id``) and then see that firm's vehicles only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuanqu.av.models import (
    DATASET,
    AvDisengagement,
    AvIncident,
    AvMileage,
    AvPermit,
    AvRoad,
    AvVehicle,
    IncidentStatus,
    PermitStatus,
    RoadType,
    Scenario,
    Supervision,
)
from yuanqu.av.permits import status_key
from yuanqu.core import audit
from yuanqu.core.auth import Principal, Role
from yuanqu.core.db import bump_data_version
from yuanqu.core.errors import Conflict, Forbidden, NotFound, ValidationError
from yuanqu.insurance.service import find_policy
from yuanqu.registry.firms import codes_for_ids, firm_id, normalise_code

VIN_PATTERN = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
#: The test zone's office: registers vehicles, decides permits, imports records.
OFFICE = (Role.admin, Role.analyst)
#: Who reads the test zone's pages: the office, the other staff, and test firms (their own). A
#: task force's work is its industry's firms, not the zone's road tests (it reads a firm's tab).
READERS = frozenset(Role) - {Role.task_force}


def parse_vin(raw: Any) -> str:
    """A VIN: 17 letters and digits, never I, O or Q; upper-cased."""
    vin = str(raw or "").strip().upper()
    if not VIN_PATTERN.fullmatch(vin):
        raise ValidationError(
            f"车辆识别代号应为 17 位字母和数字（不含 I、O、Q）：{raw}",
            f"a VIN is 17 letters and digits (no I, O or Q): {raw}",
            code="bad_vin",
        )
    return vin


def scope_of(session: Session, principal: Principal | None) -> int | None:
    """The firm a test-subject user is bound to (None: a staff member sees every firm)."""
    if principal is None or not principal.is_enterprise:
        return None
    assert principal.uscc is not None  # an enterprise account is bound to a firm
    return firm_id(session, uscc=principal.uscc)


# --- vehicles ------------------------------------------------------------------------------------


def register_vehicle(
    session: Session,
    *,
    uscc: str,
    vin: str,
    plate: str,
    model: str,
    automation_level: str,
    scenarios: list[str],
    supervision: str,
    cover_fen: int,
    on: date,
    actor: str,
    temporary_plate: bool = False,
    notice_no: str | None = None,
    insurer: str | None = None,
    insurance_policy_no: str | None = None,
) -> AvVehicle:
    """Record a test subject's vehicle (the firm must be in the registry)."""
    code = parse_vin(vin)
    if automation_level not in ("L3", "L4", "L5"):
        raise ValidationError(
            f"自动驾驶等级应为 L3、L4 或 L5：{automation_level}",
            f"the automation level is L3, L4 or L5: {automation_level}",
        )
    for scenario in scenarios:
        Scenario(scenario)  # a ValueError is a programming error: edges parse first
    Supervision(supervision)
    if session.scalar(select(AvVehicle.id).where(AvVehicle.vin == code)) is not None:
        raise Conflict(f"车辆 {code} 已登记", f"vehicle {code} is registered already")
    vehicle = AvVehicle(
        enterprise_id=firm_id(session, uscc=uscc),
        vin=code,
        plate=plate.strip(),
        temporary_plate=temporary_plate,
        model=model.strip(),
        notice_no=notice_no,
        automation_level=automation_level,
        scenarios=list(scenarios),
        supervision=supervision,
        insurer=insurer,
        insurance_policy_no=insurance_policy_no,
        cover_fen=cover_fen,
        registered_on=on,
    )
    session.add(vehicle)
    session.flush()  # the id names the vehicle in its audit record
    audit.record(
        session,
        actor=actor,
        entity_type="av_vehicle",
        entity_id=vehicle.id,
        action="register",
        after={"vin": code, "uscc": normalise_code(uscc), "cover_fen": cover_fen},
    )
    bump_data_version(session, DATASET)
    return vehicle


def get_vehicle(session: Session, *, vin: str, enterprise_id: int | None = None) -> AvVehicle:
    """A vehicle by VIN; a test-subject user may open only its own (403 otherwise)."""
    vehicle = session.scalar(select(AvVehicle).where(AvVehicle.vin == vin.strip().upper()))
    if vehicle is None:
        raise NotFound(f"没有车辆识别代号为 {vin} 的测试车辆", f"no test vehicle with VIN {vin}")
    if enterprise_id is not None and vehicle.enterprise_id != enterprise_id:
        raise Forbidden("无权查看其他测试主体的车辆", "you may not see another firm's vehicles")
    return vehicle


# --- incidents -----------------------------------------------------------------------------------


def report_incident(
    session: Session, *, vin: str, occurred_on: date, description: str, actor: str
) -> AvIncident:
    """An incident on test: it stays open (blocking later stages) until investigated."""
    vehicle = get_vehicle(session, vin=vin)
    incident = AvIncident(
        vehicle_id=vehicle.id,
        occurred_on=occurred_on,
        description=description.strip(),
        status=IncidentStatus.reported,
    )
    session.add(incident)
    session.flush()  # the id names the incident in its audit record
    audit.record(
        session,
        actor=actor,
        entity_type="av_incident",
        entity_id=incident.id,
        action="report",
        after={"vin": vehicle.vin, "occurred_on": occurred_on},
    )
    bump_data_version(session, DATASET)
    return incident


def investigate_incident(session: Session, *, incident_id: int, actor: str) -> AvIncident:
    incident = _incident(session, incident_id)
    if incident.status != IncidentStatus.reported:
        raise Conflict(
            "该事件已在调查或已结案",
            "the incident is already investigated or closed",
            code="invalid_transition",
        )
    incident.status = IncidentStatus.investigating
    audit.record(
        session,
        actor=actor,
        entity_type="av_incident",
        entity_id=incident.id,
        action="investigate",
        before={"status": "reported"},
        after={"status": incident.status},
    )
    return incident


def close_incident(
    session: Session, *, incident_id: int, on: date, responsible: bool, finding: str, actor: str
) -> AvIncident:
    """Close an investigation with its finding: whether the vehicle was responsible."""
    incident = _incident(session, incident_id)
    if incident.status == IncidentStatus.closed:
        raise Conflict("该事件已结案", "the incident is closed already", code="invalid_transition")
    if not finding.strip():
        raise ValidationError(
            "结案须写明调查结论", "closing needs the finding", code="reason_required"
        )
    before = {"status": incident.status}
    incident.status = IncidentStatus.closed
    incident.responsible = responsible
    incident.finding = finding.strip()
    incident.closed_on = on
    audit.record(
        session,
        actor=actor,
        entity_type="av_incident",
        entity_id=incident.id,
        action="close",
        before=before,
        after={"status": incident.status, "responsible": responsible},
        reason=incident.finding,
    )
    bump_data_version(session, DATASET)
    return incident


def _incident(session: Session, incident_id: int) -> AvIncident:
    incident = session.get(AvIncident, incident_id)
    if incident is None:
        raise NotFound(f"没有编号为 {incident_id} 的事件", f"no incident {incident_id}")
    return incident


# --- roads ---------------------------------------------------------------------------------------


def open_road(
    session: Session,
    *,
    code: str,
    name: str,
    road_type: str,
    km: float,
    opened_on: date,
    scenarios: list[str],
    actor: str,
) -> AvRoad:
    """Open a road segment to testing, with the scenarios allowed on it."""
    RoadType(road_type)
    for scenario in scenarios:
        Scenario(scenario)
    if km <= 0:
        raise ValidationError("道路里程应大于零", "a road's length must be positive")
    if session.scalar(select(AvRoad.id).where(AvRoad.code == code)) is not None:
        raise Conflict(f"道路 {code} 已开放", f"road {code} is open already")
    road = AvRoad(
        code=code,
        name=name,
        road_type=road_type,
        km=km,
        opened_on=opened_on,
        scenarios=list(scenarios),
    )
    session.add(road)
    session.flush()  # the id names the road in its audit record
    audit.record(
        session,
        actor=actor,
        entity_type="av_road",
        entity_id=road.id,
        action="open",
        after={"code": code, "km": km, "opened_on": opened_on},
    )
    bump_data_version(session, DATASET)
    return road


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PermitRow:
    permit_no: str
    vin: str
    plate: str
    uscc: str
    stage: str
    scenario: str | None
    status: str
    valid_from: date
    valid_until: date
    days_left: int


def expiring_permits(
    session: Session,
    *,
    today: date,
    within_days: int,
    enterprise_id: int | None = None,
    page: int = 1,
    page_size: int = 50,
) -> tuple[int, list[PermitRow]]:
    """Permits in force that end within ``within_days`` of today, soonest first: the true
    total and one page."""
    where = [
        AvPermit.status == PermitStatus.active,
        AvPermit.valid_until >= today,
        AvPermit.valid_until <= today + timedelta(days=within_days),
    ]
    return _permit_page(session, where, today, enterprise_id, page, page_size)


def list_permits(
    session: Session,
    *,
    today: date,
    enterprise_id: int | None = None,
    status: str | None = None,
    number: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> tuple[int, list[PermitRow]]:
    """Every permit (or those of one status; ``expired``: in force by state, past by date)."""
    where: list[Any] = [] if number is None else [AvPermit.permit_no == number]
    if status == "expired":
        where += [AvPermit.status == PermitStatus.active, AvPermit.valid_until < today]
    elif status == PermitStatus.active:
        where += [AvPermit.status == PermitStatus.active, AvPermit.valid_until >= today]
    elif status:
        where.append(AvPermit.status == status)
    return _permit_page(session, where, today, enterprise_id, page, page_size)


def _permit_page(
    session: Session,
    where: list[Any],
    today: date,
    enterprise_id: int | None,
    page: int,
    page_size: int,
) -> tuple[int, list[PermitRow]]:
    base = select(AvPermit, AvVehicle).join(AvVehicle, AvVehicle.id == AvPermit.vehicle_id)
    if enterprise_id is not None:
        where = [*where, AvVehicle.enterprise_id == enterprise_id]
    base = base.where(*where)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(
        base.order_by(AvPermit.valid_until, AvPermit.permit_no)
        .offset((max(page, 1) - 1) * page_size)
        .limit(page_size)
    ).all()
    codes = codes_for_ids(session, {v.enterprise_id for _p, v in rows})
    return total, [
        PermitRow(
            p.permit_no,
            v.vin,
            v.plate,
            codes.get(v.enterprise_id, ""),
            p.stage,
            p.scenario,
            status_key(p, today),
            p.valid_from,
            p.valid_until,
            (p.valid_until - today).days,
        )
        for p, v in rows
    ]


def list_vehicles(
    session: Session, *, enterprise_id: int | None = None, page: int = 1, page_size: int = 50
) -> tuple[int, list[AvVehicle]]:
    stmt = select(AvVehicle)
    if enterprise_id is not None:
        stmt = stmt.where(AvVehicle.enterprise_id == enterprise_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(AvVehicle.vin).offset((max(page, 1) - 1) * page_size).limit(page_size)
    ).all()
    return total, list(rows)


@dataclass
class VehicleHistory:
    vehicle: AvVehicle
    uscc: str
    permits: list[AvPermit]
    mileage: list[tuple[str, str, float]]  # (month, mode, km)
    disengagements: list[AvDisengagement]
    disengagements_total: int
    incidents: list[AvIncident]
    events: list[Any]  # the permits' audit records
    policy: dict[str, Any] | None = None  # its liability policy, where the insurance book has it


def vehicle_history(
    session: Session, *, vin: str, enterprise_id: int | None = None, limit: int = 200
) -> VehicleHistory:
    """A vehicle's permits with every move, its monthly kilometres, its latest disengagements
    (``limit``; the true total beside them) and its incidents."""
    vehicle = get_vehicle(session, vin=vin, enterprise_id=enterprise_id)
    permits = list(
        session.scalars(
            select(AvPermit).where(AvPermit.vehicle_id == vehicle.id).order_by(AvPermit.issued_on)
        )
    )
    mileage = [
        (m, mode, float(km))
        for m, mode, km in session.execute(
            select(AvMileage.month, AvMileage.mode, AvMileage.km)
            .where(AvMileage.vehicle_id == vehicle.id)
            .order_by(AvMileage.month, AvMileage.mode)
        )
    ]
    total = (
        session.scalar(select(func.count()).where(AvDisengagement.vehicle_id == vehicle.id)) or 0
    )
    disengagements = list(
        session.scalars(
            select(AvDisengagement)
            .where(AvDisengagement.vehicle_id == vehicle.id)
            .order_by(AvDisengagement.occurred_on.desc(), AvDisengagement.id.desc())
            .limit(limit)
        )
    )
    incidents = list(
        session.scalars(
            select(AvIncident)
            .where(AvIncident.vehicle_id == vehicle.id)
            .order_by(AvIncident.occurred_on)
        )
    )
    events = audit.entity_history(session, entities=[("av_permit", p.id) for p in permits])
    uscc = codes_for_ids(session, {vehicle.enterprise_id}).get(vehicle.enterprise_id, "")
    policy = (
        find_policy(session, policy_no=vehicle.insurance_policy_no, insurer=vehicle.insurer)
        if vehicle.insurance_policy_no
        else None
    )
    return VehicleHistory(
        vehicle, uscc, permits, mileage, disengagements, total, incidents, events, policy
    )


def list_roads(session: Session) -> list[AvRoad]:
    return list(session.scalars(select(AvRoad).order_by(AvRoad.opened_on, AvRoad.code)))


def owners(session: Session, vehicles: list[AvVehicle]) -> dict[int, str]:
    """enterprise id -> credit code for these vehicles' firms."""
    return codes_for_ids(session, {v.enterprise_id for v in vehicles})


def km_by_vehicle(session: Session, vehicle_ids: list[int]) -> dict[int, float]:
    """Every kilometre on record of each of these vehicles."""
    if not vehicle_ids:
        return {}
    rows = session.execute(
        select(AvMileage.vehicle_id, func.sum(AvMileage.km))
        .where(AvMileage.vehicle_id.in_(vehicle_ids))
        .group_by(AvMileage.vehicle_id)
    )
    return {vehicle_id: float(km) for vehicle_id, km in rows}


def vehicle_vin(session: Session, *, vehicle_id: int) -> str:
    vin = session.scalar(select(AvVehicle.vin).where(AvVehicle.id == vehicle_id))
    assert vin is not None  # a foreign key
    return vin
