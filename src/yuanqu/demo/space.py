"""The demo's land and space, calibrated to Yizhuang: parcels under its manufacturing firms and
signed projects, the standard-factory programme (20万 m² delivered in 2024: 经海产业园三期 and
北科建科创园), the aerospace quarter (空天街区), older parks, occupancy and a few holds for leads.
Written in bulk (a second or so)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from yuanqu.core.db import bump_data_version
from yuanqu.projects.models import Project, ProjectStageDate
from yuanqu.registry.models import Enterprise
from yuanqu.space.models import (
    DATASET,
    Building,
    Occupancy,
    Parcel,
    Park,
    Requirement,
    Reservation,
    SupplyPlan,
    Unit,
)
from yuanqu.stats.models import MonthlyReport

AS_OF = date(2023, 12, 31)
#: (code, name, owner, sub-area, quarter, kind, buildings, floors, delivered, total m²)
PARKS = (
    (
        "JH3",
        "经海产业园三期",
        "北京亦庄投资控股有限公司",
        "路东区",
        None,
        "standard_factory",
        12,
        4,
        date(2024, 6, 28),
        120_000,
    ),
    (
        "BKJ",
        "北科建科创园",
        "北京北科建集团有限公司",
        "台湖片区",
        None,
        "standard_factory",
        8,
        4,
        date(2024, 11, 15),
        80_000,
    ),
    (
        "KTJQ",
        "空天街区星箭产业园",
        "北京亦庄投资控股有限公司",
        "路南区",
        "空天街区",
        "standard_factory",
        6,
        3,
        date(2023, 9, 30),
        48_000,
    ),
    (
        "KTYF",
        "空天街区研发中心",
        "北京亦庄投资控股有限公司",
        "路南区",
        "空天街区",
        "rd_building",
        2,
        12,
        date(2023, 12, 20),
        36_000,
    ),
    (
        "SWY",
        "生物医药产业园",
        "北京经开区生物医药园运营公司",
        "核心区",
        None,
        "standard_factory",
        10,
        4,
        date(2022, 10, 31),
        90_000,
    ),
    (
        "XFH",
        "亦庄创新孵化器",
        "北京亦庄创新孵化器有限公司",
        "河西区",
        None,
        "incubator",
        2,
        8,
        date(2020, 5, 20),
        24_000,
    ),
    (
        "KJDS",
        "亦庄科技大厦",
        "北京亦庄投资控股有限公司",
        "核心区",
        None,
        "office",
        2,
        20,
        date(2018, 8, 1),
        40_000,
    ),
    (
        "MJQ",
        "马驹桥智能仓储园",
        "北京亦庄物流有限公司",
        "马驹桥片区",
        None,
        "warehouse",
        4,
        1,
        date(2021, 7, 1),
        32_000,
    ),
    (
        "LD2",
        "路东标准厂房二期",
        "北京亦庄投资控股有限公司",
        "路东区",
        None,
        "standard_factory",
        8,
        4,
        date(2023, 6, 30),
        72_000,
    ),
)
PLANS = {2022: 100_000, 2023: 150_000, 2024: 200_000}
USE_OF = {
    "standard_factory": "production",
    "rd_building": "rd",
    "office": "office",
    "incubator": "rd",
    "warehouse": "storage",
}


@dataclass
class SpaceSummary:
    parcels: int = 0
    parcel_sqm: int = 0
    units: int = 0
    space_sqm: int = 0
    delivered_2024_sqm: int = 0


def _reporting_manufacturers(session: Session) -> list[tuple[int, str, int]]:
    """(id, sub-area, 2023 tax in fen) of section-C firms with a full 2023 of reports."""
    december = select(MonthlyReport.enterprise_id).where(MonthlyReport.period == "2023-12")
    stmt = (
        select(Enterprise.id, Enterprise.sub_area, func.sum(MonthlyReport.tax_fen))
        .join(MonthlyReport, MonthlyReport.enterprise_id == Enterprise.id)
        .where(
            Enterprise.industry_section == "C",
            MonthlyReport.period.like("2023-%"),
            Enterprise.id.in_(december),
        )
        .group_by(Enterprise.id, Enterprise.sub_area)
        .order_by(Enterprise.id)
    )
    return [(i, s or "核心区", int(t or 0)) for i, s, t in session.execute(stmt)]


def _signed_projects(session: Session) -> list[tuple[int, int, str | None, int]]:
    """(project id, firm id, sub-area, planned fen) of projects that reached signing."""
    signed = select(ProjectStageDate.project_id).where(
        ProjectStageDate.stage == "signed", ProjectStageDate.actual_on.is_not(None)
    )
    stmt = (
        select(
            Project.id, Project.enterprise_id, Enterprise.sub_area, Project.planned_investment_fen
        )
        .join(Enterprise, Enterprise.id == Project.enterprise_id)
        .where(Project.id.in_(signed))
        .order_by(Project.id)
    )
    return [(p, e, s, f) for p, e, s, f in session.execute(stmt)]


def build_space(session: Session, *, seed: int = 2023) -> SpaceSummary:
    rng = np.random.default_rng(seed + 20)
    summary = SpaceSummary()
    firms = _reporting_manufacturers(session)
    # Parcels of the manufacturers: 亩 drawn so 亩均税收 spreads around 5 to 60 万元/亩.
    parcels = []
    for n, (firm_id, sub_area, tax_fen) in enumerate(firms[:400]):
        per_mu_wan = float(rng.uniform(5, 60))
        mu = min(max(tax_fen / 1_000_000 / per_mu_wan, 5.0), 600.0)
        area = round(mu * 10_000 / 15)
        parcels.append(
            {
                "number": f"YZ-GY-{n + 1:04d}",
                "sub_area": sub_area,
                "area_sqm": area,
                "land_use": "industrial",
                "granted_on": date(2008 + n % 14, 1 + n % 12, 15),
                "price_fen": round(mu * float(rng.uniform(80, 160))) * 1_000_000,
                "enterprise_id": firm_id,
                "project_id": None,
            }
        )
    for n, (project_id, firm_id, sub_area, _planned) in enumerate(_signed_projects(session)):
        mu = float(np.clip(rng.lognormal(np.log(40), 0.6), 8, 300))
        parcels.append(
            {
                "number": f"YZ-XM-{n + 1:04d}",
                "sub_area": sub_area or "核心区",
                "area_sqm": round(mu * 10_000 / 15),
                "land_use": "industrial" if n % 5 else "rd",
                "granted_on": None,
                "price_fen": round(mu * float(rng.uniform(80, 160))) * 1_000_000,
                "enterprise_id": firm_id,
                "project_id": project_id,
            }
        )
    if parcels:
        session.execute(insert(Parcel), parcels)
    summary.parcels = len(parcels)
    summary.parcel_sqm = sum(p["area_sqm"] for p in parcels)
    tenants = _tenants(session, rng, holders={p["enterprise_id"] for p in parcels})
    units, occupancy_plan = _buildings(session, rng)
    for start in range(0, len(units), 5_000):
        session.execute(insert(Unit), units[start : start + 5_000])
    summary.units = len(units)
    summary.space_sqm = sum(u["area_sqm"] for u in units)
    summary.delivered_2024_sqm = sum(
        u["area_sqm"] for u, (_d, y) in zip(units, occupancy_plan, strict=True) if y == 2024
    )
    ids = dict(((u.building_id, u.code), u.id) for u in session.scalars(select(Unit)))
    occupancy = []
    for unit, (delivered, _y) in zip(units, occupancy_plan, strict=True):
        if unit["status"] not in ("let", "sold", "self_used"):
            continue
        start = delivered + timedelta(days=int(rng.integers(30, 240)))
        occupancy.append(
            {
                "unit_id": ids[(unit["building_id"], unit["code"])],
                "enterprise_id": tenants[int(rng.integers(0, len(tenants)))],
                "kind": unit["status"],
                "start_on": start,
                "end_on": start + timedelta(days=365 * 5) if unit["status"] == "let" else None,
                "rent_fen_sqm_day": unit["rent_fen_sqm_day"] if unit["status"] == "let" else None,
                "project_id": None,
            }
        )
    if occupancy:
        session.execute(insert(Occupancy), occupancy)
    session.execute(
        insert(SupplyPlan),
        [{"year": y, "kind": "standard_factory", "planned_sqm": s} for y, s in PLANS.items()],
    )
    _requirements(session, rng)
    _holds(session)
    bump_data_version(session, DATASET)
    return summary


def _tenants(session: Session, rng: np.random.Generator, *, holders: set[int]) -> list[int]:
    """Who rents space: mostly small firms that file no monthly report, and the smallest quarter
    of the reporting firms without land of their own (firms with parcels build on them)."""
    tax = {
        firm: int(total or 0)
        for firm, total in session.execute(
            select(MonthlyReport.enterprise_id, func.sum(MonthlyReport.tax_fen))
            .where(MonthlyReport.period.like("2023-%"))
            .group_by(MonthlyReport.enterprise_id)
        )
    }
    ids = list(session.scalars(select(Enterprise.id).order_by(Enterprise.id)))
    small = [i for i in ids if i not in tax]
    picked = (
        [int(i) for i in rng.choice(small, size=min(len(small), 2_500), replace=False)]
        if small
        else []
    )
    # the smallest quarter of the reporters without land rent; the big ones own their land
    renting = sorted((t, f) for f, t in tax.items() if f not in holders)
    picked += [f for _t, f in renting[: max(1, len(renting) // 4)]]
    return picked or ids[:200]


def _buildings(session: Session, rng: np.random.Generator) -> tuple[list[dict], list[tuple]]:
    units: list[dict] = []
    plan: list[tuple[date, int]] = []
    for code, name, owner, sub_area, quarter, kind, count, floors, delivered, total in PARKS:
        park = Park(code=code, name=name, owner=owner, sub_area=sub_area, quarter=quarter)
        session.add(park)
        session.flush()  # the park's id for its buildings
        per_building = total // count
        for b in range(count):
            building = Building(
                park_id=park.id,
                code=f"{code}-{b + 1:02d}",
                name=f"{b + 1}号楼",
                kind=kind,
                floors=floors,
                address=f"{name}{b + 1}号楼",
                delivered_on=delivered,
            )
            session.add(building)
            session.flush()
            area_left = per_building + (total - per_building * count if b == count - 1 else 0)
            per_floor = area_left // floors
            for f in range(1, floors + 1):
                floor_area = per_floor + (area_left - per_floor * floors if f == floors else 0)
                pieces = 2 if kind in ("standard_factory", "warehouse") else 4
                for k in range(pieces):
                    area = floor_area // pieces + (floor_area % pieces if k == pieces - 1 else 0)
                    ground = f == 1
                    factory = kind in ("standard_factory", "warehouse")
                    roll = float(rng.random())
                    if delivered.year == 2024:
                        status = "let" if roll < 0.55 else ("sold" if roll < 0.6 else "vacant")
                    else:
                        status = (
                            "let"
                            if roll < 0.7
                            else "self_used"
                            if roll < 0.78
                            else "sold"
                            if roll < 0.83
                            else "vacant"
                        )
                    units.append(
                        {
                            "building_id": building.id,
                            "code": f"{f}{k + 1:02d}",
                            "floor": f,
                            "area_sqm": area,
                            "height_cm": (900 if ground else 600) if factory else 450,
                            "load_kg_sqm": (3000 if ground else 1200) if factory else 500,
                            "power_kva": round(area * (0.15 if factory else 0.08)),
                            "use": USE_OF[kind],
                            "rent_fen_sqm_day": int(rng.integers(150, 420)),
                            "sale_fen_sqm": int(rng.integers(12_000, 22_000)) * 100,
                            "status": status,
                        }
                    )
                    plan.append((delivered, delivered.year))
    return units, plan


def _requirements(session: Session, rng: np.random.Generator) -> None:
    """Space needs of the leads in talks: a factory floor of a size, by a date."""
    from yuanqu.attraction.models import Lead

    leads = list(session.scalars(select(Lead.id).where(Lead.stage.in_(("negotiating", "intent")))))
    rows = []
    for i, lead_id in enumerate(leads[:40]):
        low = int(rng.choice([500, 1000, 2000, 3000, 5000]))
        rows.append(
            {
                "lead_id": lead_id,
                "project_id": None,
                "min_area_sqm": low,
                "max_area_sqm": low * 2,
                "min_height_cm": 600 if i % 3 else None,
                "min_load_kg_sqm": 1000,
                "use": "production" if i % 4 else "rd",
                "sub_area": None if i % 2 else "路东区",
                "needed_on": date(2024, 3 + i % 9, 1),
                "note": None,
            }
        )
    if rows:
        session.execute(insert(Requirement), rows)


def _holds(session: Session) -> None:
    """A few vacant units of the 2024 factories held for leads in talks (lapsing in two months)."""
    from yuanqu.attraction.models import Lead

    leads = list(session.execute(select(Lead.id, Lead.prospect_name).where(Lead.stage == "intent")))
    vacant = list(
        session.scalars(
            select(Unit)
            .join(Building, Building.id == Unit.building_id)
            .where(Unit.status == "vacant", Building.delivered_on >= date(2024, 1, 1))
            .order_by(Unit.id)
            .limit(len(leads[:6]))
        )
    )
    today = date.today()
    rows = []
    for unit, (lead_id, name) in zip(vacant, leads, strict=False):
        unit.status = "reserved"
        rows.append(
            {
                "unit_id": unit.id,
                "lead_id": lead_id,
                "project_id": None,
                "holder": name,
                "reserved_on": today,
                "expires_on": today + timedelta(days=60),
                "status": "held",
                "created_by": "demo:attraction",
            }
        )
    if rows:
        session.execute(insert(Reservation), rows)
