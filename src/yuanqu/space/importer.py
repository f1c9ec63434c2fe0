"""Importing parcels, space (parks, buildings and units in one sheet) and occupancy from xlsx or
CSV. All rows or none: every bad cell is named (row, column, value, reason) and nothing is written
unless the whole file is good."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, tuple_
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.db import bump_data_version
from yuanqu.core.tabular import (
    ImportRejected,
    RowContext,
    RowError,
    Table,
    map_headers,
    parse_amount_fen,
    parse_text,
    read_table,
)
from yuanqu.projects import service as projects_service
from yuanqu.registry import firms as registry_firms
from yuanqu.space import cells
from yuanqu.space.models import DATASET, Building, Occupancy, Parcel, Park, Unit, UnitStatus


class SpaceImportKind(StrEnum):
    parcels = "parcels"
    units = "units"
    occupancy = "occupancy"


@dataclass(frozen=True)
class SpaceImportResult:
    kind: str
    rows: int
    created: int
    source: str = ""


def import_space(
    session: Session,
    *,
    source: Path | str | bytes,
    kind: SpaceImportKind,
    actor: str,
    filename: str | None = None,
    today: date | None = None,
) -> SpaceImportResult:
    """Read, validate and write one space file; any bad row rejects the whole file."""
    table = read_table(source, filename=filename)
    if kind == SpaceImportKind.parcels:
        created = _import_parcels(session, table)
    elif kind == SpaceImportKind.units:
        created = _import_units(session, table)
    else:
        created = _import_occupancy(session, table, today=today or date.today())
    bump_data_version(session, DATASET)
    audit.record(
        session,
        actor=actor,
        entity_type="space_import",
        entity_id=kind.value,
        action="import",
        after={"kind": kind.value, "rows": len(table), "source": table.source},
    )
    return SpaceImportResult(kind.value, len(table), created, table.source)


_NO_FIRM = (
    "企业库中没有该信用代码的企业（请先导入企业库）",
    "no firm with this credit code in the registry (import it first)",
)
_NO_PROJECT = ("没有该编号的重点项目", "no key project with this code")


def _import_parcels(session: Session, table: Table) -> int:
    columns = map_headers(table.header, cells.PARCEL_COLUMNS)
    errors: list[RowError] = []
    parsed: list[tuple[RowContext, dict[str, Any]]] = []
    for number, values in enumerate(table.rows, start=2):
        ctx = RowContext(number, values, columns, errors)
        before = len(errors)
        row = {
            "number": ctx.cell("number", cells.parse_code, required=True),
            "sub_area": ctx.cell("sub_area", parse_text, required=True, max_length=60),
            "area_sqm": ctx.cell("area_sqm", cells.parse_area, required=True),
            "land_use": ctx.cell("land_use", cells.parse_land_use, required=True),
            "granted_on": ctx.cell("granted_on", cells.parse_date),
            "price_fen": ctx.cell("price", parse_amount_fen),
            "uscc": ctx.cell("uscc", cells.parse_uscc),
            "project_code": ctx.cell("project_code", cells.parse_code),
        }
        if len(errors) == before:
            parsed.append((ctx, row))
    firms = registry_firms.ids_for_codes(session, [r["uscc"] for _c, r in parsed if r["uscc"]])
    projects = projects_service.project_ids(
        session, [r["project_code"] for _c, r in parsed if r["project_code"]]
    )
    taken = set(
        session.scalars(
            select(Parcel.number).where(Parcel.number.in_([r["number"] for _c, r in parsed]))
        )
    )
    first: dict[str, int] = {}
    rows: list[dict[str, Any]] = []
    for ctx, row in parsed:
        uscc, code = row.pop("uscc"), row.pop("project_code")
        if uscc and uscc not in firms:
            ctx.fail("uscc", uscc, *_NO_FIRM)
        if code and code not in projects:
            ctx.fail("project_code", code, *_NO_PROJECT)
        if row["number"] in taken:
            ctx.fail("number", row["number"], "该地块已导入", "this parcel was imported already")
        elif row["number"] in first:
            n = first[row["number"]]
            ctx.fail("number", row["number"], f"与第 {n} 行重复", f"repeats row {n}")
        first.setdefault(row["number"], ctx.number)
        row["enterprise_id"] = firms.get(uscc) if uscc else None
        row["project_id"] = projects.get(code) if code else None
        rows.append(row)
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.row))
    session.execute(insert(Parcel), rows)
    return len(rows)


_PARK_FIELDS = ("park_name", "owner", "sub_area", "quarter")
_BUILDING_FIELDS = (
    "park_code",
    "building_name",
    "building_kind",
    "address",
    "floors",
    "delivered_on",
)


def _import_units(session: Session, table: Table) -> int:
    columns = map_headers(table.header, cells.UNIT_COLUMNS)
    errors: list[RowError] = []
    parsed: list[tuple[RowContext, dict[str, Any]]] = []
    for number, values in enumerate(table.rows, start=2):
        ctx = RowContext(number, values, columns, errors)
        before = len(errors)
        row = {
            "park_code": ctx.cell("park_code", cells.parse_code, required=True),
            "park_name": ctx.cell("park_name", parse_text, required=True, max_length=200),
            "owner": ctx.cell("owner", parse_text, required=True, max_length=200),
            "sub_area": ctx.cell("sub_area", parse_text, required=True, max_length=60),
            "quarter": ctx.cell("quarter", parse_text, max_length=100),
            "building_code": ctx.cell("building_code", cells.parse_code, required=True),
            "building_name": ctx.cell("building_name", parse_text, required=True, max_length=200),
            "building_kind": ctx.cell("building_kind", cells.parse_building_kind, required=True),
            "address": ctx.cell("address", parse_text, max_length=300),
            "floors": ctx.cell("floors", cells.parse_count, required=True),
            "delivered_on": ctx.cell("delivered_on", cells.parse_date),
            "code": ctx.cell("unit_code", cells.parse_code, required=True),
            "floor": ctx.cell("floor", cells.scaled(1, positive=False), required=True),
            "area_sqm": ctx.cell("area_sqm", cells.parse_area, required=True),
            "height_cm": ctx.cell("height_m", cells.parse_height, required=True),
            "load_kg_sqm": ctx.cell("load_t", cells.parse_load, required=True),
            "power_kva": ctx.cell("power_kva", cells.scaled(1, positive=False)),
            "use": ctx.cell("use", cells.parse_unit_use, required=True),
            "rent_fen_sqm_day": ctx.cell("rent", cells.parse_rent),
            "sale_fen_sqm": ctx.cell("sale_price", cells.parse_rent),
            "status": ctx.cell("status", cells.parse_unit_status, required=True),
        }
        if row["floors"] and row["floor"] and row["floor"] > row["floors"]:
            ctx.fail(
                "floor",
                ctx.raw("floor"),
                f"高于楼层数 {row['floors']}",
                f"above the building's {row['floors']} floors",
            )
        if len(errors) == before:
            parsed.append((ctx, row))
    parks = {p.code: p for p in session.scalars(select(Park))}
    buildings = {b.code: b for b in session.scalars(select(Building))}
    park_of = {p.id: p.code for p in parks.values()}
    seen_parks: dict[str, tuple[int, tuple]] = {}
    seen_buildings: dict[str, tuple[int, tuple]] = {}
    seen_units: dict[tuple[str, str], int] = {}
    existing_units = set()
    if buildings:
        keys = [(b.id, r["code"]) for _c, r in parsed if (b := buildings.get(r["building_code"]))]
        for start in range(0, len(keys), cells.CHUNK):
            stmt = select(Unit.building_id, Unit.code).where(
                tuple_(Unit.building_id, Unit.code).in_(keys[start : start + cells.CHUNK])
            )
            existing_units.update(session.execute(stmt).all())
    for ctx, row in parsed:
        park_values = tuple(row[f] for f in _PARK_FIELDS)
        first = seen_parks.setdefault(row["park_code"], (ctx.number, park_values))
        if first[1] != park_values:
            ctx.fail(
                "park_code",
                row["park_code"],
                f"园区信息与第 {first[0]} 行不一致",
                f"the park's details differ from row {first[0]}",
            )
        building_values = tuple(row[f] for f in _BUILDING_FIELDS)
        first = seen_buildings.setdefault(row["building_code"], (ctx.number, building_values))
        if first[1] != building_values:
            ctx.fail(
                "building_code",
                row["building_code"],
                f"楼栋信息与第 {first[0]} 行不一致",
                f"the building's details differ from row {first[0]}",
            )
        known = buildings.get(row["building_code"])
        if known is not None and park_of.get(known.park_id) != row["park_code"]:
            ctx.fail(
                "building_code",
                row["building_code"],
                "该楼栋已属于另一个园区",
                "this building belongs to another park",
            )
        key = (row["building_code"], row["code"])
        if key in seen_units:
            ctx.fail(
                "unit_code",
                row["code"],
                f"与第 {seen_units[key]} 行重复",
                f"repeats row {seen_units[key]}",
            )
        seen_units.setdefault(key, ctx.number)
        if known is not None and (known.id, row["code"]) in existing_units:
            ctx.fail("unit_code", row["code"], "该单元已导入", "this unit was imported already")
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.row))
    for code, (_n, values) in seen_parks.items():
        if code not in parks:
            name, owner, sub_area, quarter = values
            parks[code] = Park(
                code=code, name=name, owner=owner, sub_area=sub_area, quarter=quarter
            )
            session.add(parks[code])
    session.flush()  # parks' ids for their buildings
    for code, (_n, values) in seen_buildings.items():
        if code not in buildings:
            park_code, name, kind, address, floors, delivered = values
            buildings[code] = Building(
                park_id=parks[park_code].id,
                code=code,
                name=name,
                kind=kind,
                address=address,
                floors=floors,
                delivered_on=delivered,
            )
            session.add(buildings[code])
    session.flush()  # buildings' ids for their units
    unit_fields = (
        "code",
        "floor",
        "area_sqm",
        "height_cm",
        "load_kg_sqm",
        "power_kva",
        "use",
        "rent_fen_sqm_day",
        "sale_fen_sqm",
        "status",
    )
    rows = [
        {"building_id": buildings[r["building_code"]].id, **{f: r[f] for f in unit_fields}}
        for _c, r in parsed
    ]
    for start in range(0, len(rows), 20_000):
        session.execute(insert(Unit), rows[start : start + 20_000])
    return len(rows)


def _import_occupancy(session: Session, table: Table, *, today: date) -> int:
    columns = map_headers(table.header, cells.OCCUPANCY_COLUMNS)
    errors: list[RowError] = []
    parsed: list[tuple[RowContext, dict[str, Any]]] = []
    for number, values in enumerate(table.rows, start=2):
        ctx = RowContext(number, values, columns, errors)
        before = len(errors)
        row = {
            "building_code": ctx.cell("building_code", cells.parse_code, required=True),
            "unit_code": ctx.cell("unit_code", cells.parse_code, required=True),
            "uscc": ctx.cell("uscc", cells.parse_uscc, required=True),
            "kind": ctx.cell("kind", cells.parse_occupancy_kind, required=True),
            "start_on": ctx.cell("start_on", cells.parse_date, required=True),
            "end_on": ctx.cell("end_on", cells.parse_date),
            "rent_fen_sqm_day": ctx.cell("rent", cells.parse_rent),
            "project_code": ctx.cell("project_code", cells.parse_code),
        }
        if row["start_on"] and row["end_on"] and row["end_on"] < row["start_on"]:
            ctx.fail("end_on", ctx.raw("end_on"), "终止日期早于起始日期", "ends before it starts")
        if len(errors) == before:
            parsed.append((ctx, row))
    units = dict(
        ((b, u), (uid, status))
        for b, u, uid, status in session.execute(
            select(Building.code, Unit.code, Unit.id, Unit.status).join(
                Building, Building.id == Unit.building_id
            )
        )
    )
    firms = registry_firms.ids_for_codes(session, [r["uscc"] for _c, r in parsed])
    projects = projects_service.project_ids(
        session, [r["project_code"] for _c, r in parsed if r["project_code"]]
    )
    current: dict[int, int] = {}
    rows: list[dict[str, Any]] = []
    for ctx, row in parsed:
        unit = units.get((row.pop("building_code"), row.pop("unit_code")))
        uscc, code = row.pop("uscc"), row.pop("project_code")
        if unit is None:
            ctx.fail(
                "unit_code",
                ctx.raw("unit_code"),
                "没有该楼栋的该单元（请先导入载体）",
                "no such unit in that building (import the space first)",
            )
            continue
        if uscc not in firms:
            ctx.fail("uscc", uscc, *_NO_FIRM)
        if code and code not in projects:
            ctx.fail("project_code", code, *_NO_PROJECT)
        open_now = row["start_on"] <= today and (row["end_on"] is None or row["end_on"] >= today)
        if open_now:
            if unit[0] in current:
                n = current[unit[0]]
                ctx.fail(
                    "unit_code",
                    ctx.raw("unit_code"),
                    f"与第 {n} 行同时占用该单元",
                    f"occupies the unit at the same time as row {n}",
                )
            current[unit[0]] = ctx.number
            if unit[1] not in (UnitStatus.vacant, UnitStatus.reserved):
                ctx.fail(
                    "unit_code",
                    ctx.raw("unit_code"),
                    "该单元当前已被占用",
                    "the unit is occupied already",
                )
        rows.append(
            {
                **row,
                "unit_id": unit[0],
                "enterprise_id": firms.get(uscc),
                "project_id": projects.get(code) if code else None,
                "_open": open_now,
            }
        )
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.row))
    session.execute(insert(Occupancy), [{k: v for k, v in r.items() if k != "_open"} for r in rows])
    for r in rows:
        if r["_open"]:
            unit_row = session.get(Unit, r["unit_id"])
            assert unit_row is not None
            unit_row.status = r["kind"]
    return len(rows)
