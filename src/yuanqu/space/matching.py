"""Matching requirements to units in DuckDB: one SQL join over Arrow tables, ranked per
requirement with a window function (no Python double loop).

A unit fits a requirement when its use is the one asked, its area lies in the range, its height
and floor load reach the minimums, it is in the sub-area asked (if one is), and it is free by the
date needed: vacant now, or let with a lease that ends before that date. Units that fit are ranked
by how close their area is to the middle of the range, then by rent, then by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuanqu.core.errors import ValidationError
from yuanqu.space.holds import check_requirement
from yuanqu.space.models import (
    UNIT_USE_NAMES,
    Building,
    Occupancy,
    Park,
    Requirement,
    Unit,
    UnitStatus,
)
from yuanqu.space.service import unit_dict

UNIT_SCHEMA = pa.schema(
    [
        ("unit_id", pa.int64()),
        ("area_sqm", pa.int64()),
        ("height_cm", pa.int64()),
        ("load_kg_sqm", pa.int64()),
        ("use", pa.string()),
        ("sub_area", pa.string()),
        ("rent_fen_sqm_day", pa.int64()),
        ("available_on", pa.date32()),
    ]
)
REQUIREMENT_SCHEMA = pa.schema(
    [
        ("requirement_id", pa.int64()),
        ("min_area_sqm", pa.int64()),
        ("max_area_sqm", pa.int64()),
        ("min_height_cm", pa.int64()),
        ("min_load_kg_sqm", pa.int64()),
        ("use", pa.string()),
        ("sub_area", pa.string()),
        ("needed_on", pa.date32()),
    ]
)

#: When unit ``u`` fits requirement ``r`` (the candidates of a unit use the same rule).
FITS = """u.use = r.use
   AND u.area_sqm BETWEEN r.min_area_sqm AND r.max_area_sqm
   AND u.height_cm >= coalesce(r.min_height_cm, 0)
   AND u.load_kg_sqm >= coalesce(r.min_load_kg_sqm, 0)
   AND (r.sub_area IS NULL OR u.sub_area = r.sub_area)
   AND u.available_on <= coalesce(r.needed_on, DATE '9999-12-31')"""

MATCH_SQL = f"""
SELECT requirement_id, unit_id, rank, area_sqm, available_on FROM (
  SELECT r.requirement_id, u.unit_id, u.area_sqm, u.available_on,
         row_number() OVER (
           PARTITION BY r.requirement_id
           ORDER BY abs(2 * u.area_sqm - r.min_area_sqm - r.max_area_sqm),
                    u.rent_fen_sqm_day NULLS LAST, u.unit_id
         ) AS rank
  FROM requirements r
  JOIN units u
    ON {FITS}
)
WHERE rank <= $top
ORDER BY requirement_id, rank
"""


def match_tables(units: pa.Table, requirements: pa.Table, *, top: int = 5) -> pa.Table:
    """The ``top`` units that fit each requirement, ranked (requirement_id, unit_id, rank...)."""
    if not 1 <= top <= 100:
        raise ValidationError("top 应在 1 到 100 之间", "top must be between 1 and 100")
    con = duckdb.connect()
    try:
        con.register("units", units)
        con.register("requirements", requirements)
        # ``top`` is a checked int, so writing it into the text is safe (and avoids a DB-API copy).
        return con.sql(MATCH_SQL.replace("$top", str(int(top)))).to_arrow_table()
    finally:
        con.close()


def units_table(session: Session, *, today: date) -> pa.Table:
    """Every unit with the date it is free from (NULL: not free: reserved, sold, self-used, or
    let without an end date)."""
    lease_end = (
        select(Occupancy.unit_id, func.max(Occupancy.end_on).label("end_on"))
        .where(Occupancy.kind == "let")
        .group_by(Occupancy.unit_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Unit.id,
            Unit.area_sqm,
            Unit.height_cm,
            Unit.load_kg_sqm,
            Unit.use,
            Park.sub_area,
            Unit.rent_fen_sqm_day,
            Unit.status,
            lease_end.c.end_on,
        )
        .join(Building, Building.id == Unit.building_id)
        .join(Park, Park.id == Building.park_id)
        .outerjoin(lease_end, lease_end.c.unit_id == Unit.id)
    )
    columns: dict[str, list[Any]] = {name: [] for name in UNIT_SCHEMA.names}
    for uid, area, height, load, use, sub_area, rent, status, end_on in rows:
        if status == UnitStatus.vacant:
            free = today
        elif status == UnitStatus.let and end_on is not None:
            free = max(today, end_on + timedelta(days=1))
        else:
            free = None
        for name, value in zip(
            UNIT_SCHEMA.names, (uid, area, height, load, use, sub_area, rent, free), strict=True
        ):
            columns[name].append(value)
    return pa.table(columns, schema=UNIT_SCHEMA)


def requirements_table(rows: list[dict[str, Any]]) -> pa.Table:
    columns = {name: [r.get(name) for r in rows] for name in REQUIREMENT_SCHEMA.names}
    return pa.table(columns, schema=REQUIREMENT_SCHEMA)


def stored_requirements(
    session: Session, *, lead_id: int | None = None, project_id: int | None = None
) -> list[dict[str, Any]]:
    stmt = select(Requirement).order_by(Requirement.id)
    if lead_id is not None:
        stmt = stmt.where(Requirement.lead_id == lead_id)
    if project_id is not None:
        stmt = stmt.where(Requirement.project_id == project_id)
    return [
        {
            "requirement_id": r.id,
            "lead": r.lead_id,
            "project": r.project_id,
            "min_area_sqm": r.min_area_sqm,
            "max_area_sqm": r.max_area_sqm,
            "min_height_cm": r.min_height_cm,
            "min_load_kg_sqm": r.min_load_kg_sqm,
            "use": r.use,
            "sub_area": r.sub_area,
            "needed_on": r.needed_on,
        }
        for r in session.scalars(stmt)
    ]


@dataclass(frozen=True)
class Match:
    requirement_id: int
    rank: int
    unit: dict[str, Any]


def match(
    session: Session,
    *,
    requirements: list[dict[str, Any]],
    today: date,
    top: int = 5,
    lang: str = "zh",
) -> list[dict[str, Any]]:
    """Each requirement with the units that fit it, ranked, as rows people read."""
    if not requirements:
        return []
    for r in requirements:
        check_requirement(r)
    ranked = match_tables(
        units_table(session, today=today), requirements_table(requirements), top=top
    ).to_pylist()
    ids = sorted({m["unit_id"] for m in ranked})
    cards: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        for u, b, p in session.execute(
            select(Unit, Building, Park)
            .join(Building, Building.id == Unit.building_id)
            .join(Park, Park.id == Building.park_id)
            .where(Unit.id.in_(ids[start : start + 500]))
        ):
            cards[u.id] = unit_dict(u, b, p, lang)
    by_requirement: dict[int, list[dict[str, Any]]] = {}
    for m in ranked:
        card = {**cards[m["unit_id"]], "rank": m["rank"], "available_on": m["available_on"]}
        by_requirement.setdefault(m["requirement_id"], []).append(card)
    return [
        {
            **r,
            "use_name": UNIT_USE_NAMES.get(r["use"], (r["use"], r["use"]))[lang == "en"],
            "matches": by_requirement.get(r["requirement_id"], []),
        }
        for r in requirements
    ]
