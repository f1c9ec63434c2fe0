"""Space verbs: vacancy, the factory programme's supply, units and their history, reservations,
occupancy, a firm's space and the economy of each building. Services never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.auth import Principal, Role
from yuanqu.core.errors import NotFound, ValidationError
from yuanqu.registry.firms import Enterprise
from yuanqu.space.models import (
    BUILDING_KIND_NAMES,
    LAND_USE_NAMES,
    RESERVATION_STATUS_NAMES,
    UNIT_STATUS_NAMES,
    UNIT_USE_NAMES,
    Building,
    Occupancy,
    Parcel,
    Park,
    Reservation,
    SupplyPlan,
    Unit,
    UnitStatus,
    sqm_to_mu,
)

#: Size bands of units, m²: (lower bound inclusive, key, zh, en).
SIZE_BANDS: tuple[tuple[int, str, str, str], ...] = (
    (0, "lt500", "500 m² 以下", "under 500 m²"),
    (500, "500_1000", "500–1000 m²", "500–1,000 m²"),
    (1000, "1000_3000", "1000–3000 m²", "1,000–3,000 m²"),
    (3000, "3000_10000", "3000–10000 m²", "3,000–10,000 m²"),
    (10000, "ge10000", "10000 m² 及以上", "10,000 m² and over"),
)
#: The audited actions on units and holds, in words.
ACTION_NAMES: dict[str, tuple[str, str]] = {
    "reserve": ("预留", "reserved"),
    "lapsed": ("预留到期", "hold lapsed"),
    "released": ("释放预留", "hold released"),
    "taken": ("签约入驻", "taken up"),
    "occupy": ("入驻", "moved in"),
}
SPACE_OFFICERS = frozenset({Role.admin, Role.project_officer, Role.task_force})


def name_of(names: dict[str, tuple[str, str]], key: str | None, lang: str) -> str:
    if key is None:
        return "—"
    return names.get(key, (key, key))[lang == "en"]


def band_of(area_sqm: int) -> str:
    key = SIZE_BANDS[0][1]
    for lower, band, _zh, _en in SIZE_BANDS:
        if area_sqm >= lower:
            key = band
    return key


def band_name(key: str, lang: str) -> str:
    for _lower, band, zh, en in SIZE_BANDS:
        if band == key:
            return en if lang == "en" else zh
    return key


def _band_sql() -> Any:
    whens = [(Unit.area_sqm >= lower, band) for lower, band, _z, _e in reversed(SIZE_BANDS[1:])]
    return case(*whens, else_=SIZE_BANDS[0][1])


# --- vacancy and supply --------------------------------------------------------------------------


@dataclass
class VacancyRow:
    key: str
    name: str
    units: int = 0
    area_sqm: int = 0
    vacant_units: int = 0
    vacant_sqm: int = 0
    reserved_sqm: int = 0

    @property
    def rate(self) -> float | None:
        return self.vacant_sqm / self.area_sqm if self.area_sqm else None

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "vacancy_rate": self.rate}


def vacancy(session: Session, *, lang: str = "zh") -> dict[str, Any]:
    """Units and m², vacant and reserved, by sub-area, building kind and size band, with totals
    (one grouped query; the totals are sums of the groups, never of a cut list)."""
    band = _band_sql().label("band")
    stmt = (
        select(
            Park.sub_area,
            Building.kind,
            band,
            func.count(Unit.id),
            func.sum(Unit.area_sqm),
            func.count(Unit.id).filter(Unit.status == UnitStatus.vacant),
            func.coalesce(func.sum(Unit.area_sqm).filter(Unit.status == UnitStatus.vacant), 0),
            func.coalesce(func.sum(Unit.area_sqm).filter(Unit.status == UnitStatus.reserved), 0),
        )
        .join(Building, Building.id == Unit.building_id)
        .join(Park, Park.id == Building.park_id)
        .group_by(Park.sub_area, Building.kind, band)
    )
    groups: dict[str, dict[str, VacancyRow]] = {"sub_area": {}, "kind": {}, "band": {}}
    total = VacancyRow("total", "合计" if lang != "en" else "total")
    for sub_area, kind, size, units, area, vacant_units, vacant, reserved in session.execute(stmt):
        keys = {
            "sub_area": (sub_area, sub_area),
            "kind": (kind, name_of(BUILDING_KIND_NAMES, kind, lang)),
            "band": (size, band_name(size, lang)),
        }
        for dim, (key, name) in keys.items():
            row = groups[dim].setdefault(key, VacancyRow(key, name))
            for target in (row, total) if dim == "sub_area" else (row,):
                target.units += units
                target.area_sqm += int(area or 0)
                target.vacant_units += vacant_units
                target.vacant_sqm += int(vacant)
                target.reserved_sqm += int(reserved)
    order = {band: i for i, (_l, band, _z, _e) in enumerate(SIZE_BANDS)}
    return {
        "by_sub_area": [
            r.to_dict() for r in sorted(groups["sub_area"].values(), key=lambda r: r.key)
        ],
        "by_kind": [r.to_dict() for r in sorted(groups["kind"].values(), key=lambda r: r.key)],
        "by_band": [
            r.to_dict() for r in sorted(groups["band"].values(), key=lambda r: order.get(r.key, 9))
        ],
        "total": total.to_dict(),
    }


def supply(session: Session, *, kind: str = "standard_factory", lang: str = "zh") -> list[dict]:
    """m² of a building kind delivered per year against the plan (the factory programme)."""
    year = func.extract("year", Building.delivered_on)
    delivered = dict(
        session.execute(
            select(year, func.sum(Unit.area_sqm))
            .join(Unit, Unit.building_id == Building.id)
            .where(Building.kind == kind, Building.delivered_on.is_not(None))
            .group_by(year)
        ).all()
    )
    delivered = {int(y): int(v) for y, v in delivered.items()}
    planned = dict(
        session.execute(
            select(SupplyPlan.year, SupplyPlan.planned_sqm).where(SupplyPlan.kind == kind)
        ).all()
    )
    years = sorted(set(delivered) | set(planned))
    return [
        {
            "year": y,
            "kind": kind,
            "kind_name": name_of(BUILDING_KIND_NAMES, kind, lang),
            "delivered_sqm": delivered.get(y, 0),
            "planned_sqm": planned.get(y),
            "done_share": (delivered.get(y, 0) / planned[y]) if planned.get(y) else None,
        }
        for y in years
    ]


def set_supply_plan(
    session: Session, *, year: int, kind: str, planned_sqm: int, actor: Principal
) -> None:
    if kind not in BUILDING_KIND_NAMES:
        raise ValidationError(f"未知的载体类型 {kind}", f"unknown building kind {kind}")
    row = session.get(SupplyPlan, (year, kind))
    before = None if row is None else {"planned_sqm": row.planned_sqm}
    if row is None:
        session.add(SupplyPlan(year=year, kind=kind, planned_sqm=planned_sqm))
    else:
        row.planned_sqm = planned_sqm
    audit.record(
        session,
        actor=actor.username,
        entity_type="space_plan",
        entity_id=f"{year}:{kind}",
        action="set_plan",
        before=before,
        after={"planned_sqm": planned_sqm},
    )


# --- units ---------------------------------------------------------------------------------------


def unit_dict(unit: Unit, building: Building, park: Park, lang: str = "zh") -> dict[str, Any]:
    return {
        "id": unit.id,
        "park": park.name,
        "park_code": park.code,
        "sub_area": park.sub_area,
        "quarter": park.quarter,
        "building": building.name,
        "building_code": building.code,
        "kind": building.kind,
        "kind_name": name_of(BUILDING_KIND_NAMES, building.kind, lang),
        "code": unit.code,
        "floor": unit.floor,
        "area_sqm": unit.area_sqm,
        "height_m": unit.height_cm / 100,
        "load_t_sqm": unit.load_kg_sqm / 1000,
        "power_kva": unit.power_kva,
        "use": unit.use,
        "use_name": name_of(UNIT_USE_NAMES, unit.use, lang),
        "rent_yuan_sqm_day": None if unit.rent_fen_sqm_day is None else unit.rent_fen_sqm_day / 100,
        "sale_yuan_sqm": None if unit.sale_fen_sqm is None else unit.sale_fen_sqm / 100,
        "status": unit.status,
        "status_name": name_of(UNIT_STATUS_NAMES, unit.status, lang),
    }


def list_units(
    session: Session,
    *,
    sub_area: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    band: str | None = None,
    page: int = 1,
    page_size: int = 50,
    lang: str = "zh",
) -> dict[str, Any]:
    """Units matching the filters: the true total and one page."""
    stmt = select(Unit, Building, Park).join(Building, Building.id == Unit.building_id)
    stmt = stmt.join(Park, Park.id == Building.park_id)
    if sub_area:
        stmt = stmt.where(Park.sub_area == sub_area)
    if kind:
        stmt = stmt.where(Building.kind == kind)
    if status:
        stmt = stmt.where(Unit.status == status)
    if band:
        stmt = stmt.where(_band_sql() == band)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(
        stmt.order_by(Park.sub_area, Building.code, Unit.floor, Unit.code)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return {
        "total": total,
        "page": page,
        "page_size": page_size,
        "pages": max(1, -(-total // page_size)),
        "items": [unit_dict(u, b, p, lang) for u, b, p in rows],
    }


def _unit(session: Session, unit_id: int, *, lock: bool = False) -> tuple[Unit, Building, Park]:
    unit = session.get(Unit, unit_id, with_for_update=lock) if 1 <= unit_id < 2**63 else None
    if unit is None:
        raise NotFound(f"没有编号为 {unit_id} 的单元", f"no unit {unit_id}")
    building = session.get(Building, unit.building_id)
    assert building is not None
    park = session.get(Park, building.park_id)
    assert park is not None
    return unit, building, park


def unit_history(session: Session, *, unit_id: int, lang: str = "zh") -> dict[str, Any]:
    """A unit's card: who occupied it when, its reservations, and its audited changes."""
    unit, building, park = _unit(session, unit_id)
    occupancy = [
        {
            "firm": name,
            "uscc": uscc,
            "kind": o.kind,
            "kind_name": name_of(UNIT_STATUS_NAMES, o.kind, lang),
            "start_on": o.start_on,
            "end_on": o.end_on,
            "rent_yuan_sqm_day": None if o.rent_fen_sqm_day is None else o.rent_fen_sqm_day / 100,
        }
        for o, name, uscc in session.execute(
            select(Occupancy, Enterprise.name, Enterprise.uscc)
            .join(Enterprise, Enterprise.id == Occupancy.enterprise_id)
            .where(Occupancy.unit_id == unit.id)
            .order_by(Occupancy.start_on)
        )
    ]
    reservations = [
        reservation_dict(r, lang)
        for r in session.scalars(
            select(Reservation).where(Reservation.unit_id == unit.id).order_by(Reservation.id)
        )
    ]
    ids = [r["id"] for r in reservations]
    history = audit.entity_history(
        session, entities=[("space_unit", unit.id), *(("space_reservation", i) for i in ids)]
    )
    return {
        "unit": unit_dict(unit, building, park, lang),
        "occupancy": occupancy,
        "reservations": reservations,
        "history": [
            {
                **h.to_dict(),
                "action_name": name_of(ACTION_NAMES, h.action, lang),
                "status_name": name_of(UNIT_STATUS_NAMES, (h.after or {}).get("status"), lang)
                if h.entity_type == "space_unit"
                else name_of(RESERVATION_STATUS_NAMES, (h.after or {}).get("status"), lang),
            }
            for h in history
        ],
    }


# --- a firm's space ------------------------------------------------------------------------------


def parcel_dict(p: Parcel, lang: str = "zh") -> dict[str, Any]:
    return {
        "id": p.id,
        "number": p.number,
        "sub_area": p.sub_area,
        "area_sqm": p.area_sqm,
        "area_mu": round(sqm_to_mu(p.area_sqm), 2),
        "land_use": p.land_use,
        "land_use_name": name_of(LAND_USE_NAMES, p.land_use, lang),
        "granted_on": p.granted_on,
        "price_fen": p.price_fen,
        "project": p.project_id,
    }


def firm_space(session: Session, *, enterprise_id: int, lang: str = "zh") -> dict[str, Any]:
    """The firm's parcels (with 亩) and the units it occupies or occupied."""
    parcels = [
        parcel_dict(p, lang)
        for p in session.scalars(
            select(Parcel).where(Parcel.enterprise_id == enterprise_id).order_by(Parcel.number)
        )
    ]
    units = []
    for o, u, b, pk in session.execute(
        select(Occupancy, Unit, Building, Park)
        .join(Unit, Unit.id == Occupancy.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .join(Park, Park.id == Building.park_id)
        .where(Occupancy.enterprise_id == enterprise_id)
        .order_by(Occupancy.start_on)
    ):
        units.append(
            {
                **unit_dict(u, b, pk, lang),
                "start_on": o.start_on,
                "end_on": o.end_on,
                "occupancy_kind": name_of(UNIT_STATUS_NAMES, o.kind, lang),
            }
        )
    area = sum(p["area_sqm"] for p in parcels)
    return {
        "parcels": parcels,
        "parcel_sqm": area,
        "parcel_mu": round(sqm_to_mu(area), 2),
        "units": units,
        "unit_sqm": sum(u["area_sqm"] for u in units if u["end_on"] is None),
    }


def project_space(session: Session, *, project_id: int, lang: str = "zh") -> dict[str, Any]:
    """A project's space as records, not free text: its parcels and the units it occupies."""
    parcels = [
        parcel_dict(p, lang)
        for p in session.scalars(
            select(Parcel).where(Parcel.project_id == project_id).order_by(Parcel.number)
        )
    ]
    units = [
        {**unit_dict(u, b, pk, lang), "start_on": o.start_on, "end_on": o.end_on}
        for o, u, b, pk in session.execute(
            select(Occupancy, Unit, Building, Park)
            .join(Unit, Unit.id == Occupancy.unit_id)
            .join(Building, Building.id == Unit.building_id)
            .join(Park, Park.id == Building.park_id)
            .where(Occupancy.project_id == project_id)
            .order_by(Occupancy.start_on)
        )
    ]
    area = sum(p["area_sqm"] for p in parcels)
    return {"parcels": parcels, "parcel_mu": round(sqm_to_mu(area), 2), "units": units}


def parcel_sqm(
    session: Session, *, enterprise_id: int | None, project_id: int | None, by: date
) -> int:
    """m² of the parcels of a project (or, with no project, of a firm) granted by ``by``."""
    stmt = select(func.coalesce(func.sum(Parcel.area_sqm), 0)).where(
        (Parcel.granted_on.is_(None)) | (Parcel.granted_on <= by)
    )
    if project_id is not None:
        stmt = stmt.where(Parcel.project_id == project_id)
    else:
        stmt = stmt.where(Parcel.enterprise_id == enterprise_id)
    return int(session.scalar(stmt) or 0)


def space_map(session: Session, *, lang: str = "zh") -> list[dict[str, Any]]:
    """Per sub-area: parcels (亩), space built, let and vacant (m²): the space map's data."""
    vac = {r["key"]: r for r in vacancy(session, lang=lang)["by_sub_area"]}
    land = dict(
        session.execute(
            select(Parcel.sub_area, func.sum(Parcel.area_sqm)).group_by(Parcel.sub_area)
        ).all()
    )
    rows = []
    for key in sorted(set(vac) | set(land)):
        v = vac.get(key)
        rows.append(
            {
                "sub_area": key,
                "parcel_mu": round(sqm_to_mu(int(land.get(key) or 0)), 1),
                "space_sqm": v["area_sqm"] if v else 0,
                "vacant_sqm": v["vacant_sqm"] if v else 0,
                "reserved_sqm": v["reserved_sqm"] if v else 0,
                "occupied_sqm": (v["area_sqm"] - v["vacant_sqm"] - v["reserved_sqm"]) if v else 0,
            }
        )
    return rows


def reservation_dict(r: Reservation, lang: str = "zh") -> dict[str, Any]:
    return {
        "id": r.id,
        "unit": r.unit_id,
        "lead": r.lead_id,
        "project": r.project_id,
        "holder": r.holder,
        "reserved_on": r.reserved_on,
        "expires_on": r.expires_on,
        "status": r.status,
        "status_name": name_of(RESERVATION_STATUS_NAMES, r.status, lang),
    }


@dataclass(frozen=True)
class Handover:
    """Space handed over to a firm on a day: a unit let, sold or given for its own use."""

    start_on: date
    area_sqm: int
    enterprise_id: int
    sub_area: str


def handovers(session: Session, *, start: date, end: date) -> list[Handover]:
    """Every occupancy starting within [start, end], with its unit's floor area (建筑面积): the
    space delivered to firms (载体交付). A firm moving to another unit counts again, as the zone
    delivered that unit too; land parcels are not counted (their area is land, not floor)."""
    rows = session.execute(
        select(Occupancy.start_on, Unit.area_sqm, Occupancy.enterprise_id, Park.sub_area)
        .join(Unit, Unit.id == Occupancy.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .join(Park, Park.id == Building.park_id)
        .where(Occupancy.start_on >= start, Occupancy.start_on <= end)
        .order_by(Occupancy.start_on, Occupancy.id)
    )
    return [Handover(*row) for row in rows]
