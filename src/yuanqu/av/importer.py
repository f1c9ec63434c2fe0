"""Importing the test subjects' records (xlsx or CSV): monthly kilometres and disengagements.

All rows or none: every row is checked, every bad cell named (row, column, value, reason), and
only a file without an error is written, in bulk, in the caller's unit of work. Two layouts of
each are read as they are:

- the canonical columns, English or Chinese: mileage ``permit_no,vin,month,mode,km`` (``hours``
  optional) and disengagements ``permit_no,vin,date,initiated_by,road_type,description``;
- the California DMV's published files: the disengagement report (Manufacturer, Permit Number,
  DATE, VIN NUMBER, ..., DISENGAGEMENT INITIATED BY, DISENGAGEMENT LOCATION, DESCRIPTION OF
  FACTS CAUSING DISENGAGEMENT) and the mileage report (Manufacturer, Permit Number, VIN NUMBER,
  one column per month such as ``DEC 2022``, ANNUAL TOTAL), its miles turned into kilometres.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, tuple_
from sqlalchemy.orm import Session

from yuanqu.av.cells import (
    DISENGAGEMENT_COLUMNS,
    MANUFACTURER_COLUMN,
    MILEAGE_COLUMNS,
    PERMIT_COLUMN,
    VIN_COLUMN,
    parse_day,
    parse_distance,
    parse_initiator,
    parse_mode,
    parse_month,
    parse_road_type,
    parse_vin_cell,
)
from yuanqu.av.models import (
    DATASET,
    AvDisengagement,
    AvMileage,
    AvPermit,
    AvVehicle,
    Mode,
)
from yuanqu.core.db import bump_data_version
from yuanqu.core.tabular import (
    CellError,
    Column,
    ImportRejected,
    RowContext,
    RowError,
    Table,
    map_headers,
    parse_text,
    read_table,
)

MILE_KM = 1.609344
_CHUNK = 20_000


class ImportKind(StrEnum):
    mileage = "mileage"
    disengagements = "disengagements"


@dataclass(frozen=True)
class AvImportResult:
    kind: str
    layout: str
    rows: int
    created: int
    replaced: int
    source: str = ""


# --- checking rows against the zone --------------------------------------------------------------


def _vehicles_and_permits(
    session: Session, vins: set[str], numbers: set[str]
) -> tuple[dict[str, int], dict[str, AvPermit]]:
    vehicles: dict[str, int] = {}
    permits: dict[str, AvPermit] = {}
    vin_list, number_list = sorted(vins), sorted(numbers)
    for start in range(0, len(vin_list), 2000):
        chunk = vin_list[start : start + 2000]
        vehicles.update(
            session.execute(
                select(AvVehicle.vin, AvVehicle.id).where(AvVehicle.vin.in_(chunk))
            ).all()
        )
    for start in range(0, len(number_list), 2000):
        chunk = number_list[start : start + 2000]
        permits.update(
            (p.permit_no, p)
            for p in session.scalars(select(AvPermit).where(AvPermit.permit_no.in_(chunk)))
        )
    return vehicles, permits


def _resolve(
    ctx: RowContext,
    row: dict[str, Any],
    vehicles: dict[str, int],
    permits: dict[str, AvPermit],
    first: date,
    last: date,
) -> bool:
    """The row's vehicle and permit; the permit must be that vehicle's and cover the dates."""
    vehicle_id = vehicles.get(row["vin"])
    if vehicle_id is None:
        ctx.fail(
            "vin",
            row["vin"],
            "没有该车辆识别代号的测试车辆（请先登记车辆）",
            "no test vehicle with this VIN (register it first)",
        )
        return False
    permit = permits.get(row["permit_no"])
    if permit is None:
        ctx.fail(
            "permit_no", row["permit_no"], "没有该编号的测试牌照", "no permit with this number"
        )
        return False
    if permit.vehicle_id != vehicle_id:
        ctx.fail(
            "permit_no",
            row["permit_no"],
            f"该牌照不属于车辆 {row['vin']}",
            f"this permit is not vehicle {row['vin']}'s",
        )
        return False
    if last < permit.valid_from or first > permit.valid_until:
        ctx.fail(
            "permit_no",
            row["permit_no"],
            f"记录日期不在牌照有效期（{permit.valid_from} 至 {permit.valid_until}）内",
            f"the record falls outside the permit's validity "
            f"({permit.valid_from} to {permit.valid_until})",
        )
        return False
    row["vehicle_id"], row["permit_id"] = vehicle_id, permit.id
    return True


def _month_bounds(month: str) -> tuple[date, date]:
    import calendar

    year, number = int(month[:4]), int(month[5:])
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


# --- mileage -------------------------------------------------------------------------------------

_DMV_MONTH = re.compile(r"([A-Za-z]{3})\.?(\d{4})")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"),
        start=1,
    )
}


def _dmv_month(header: str) -> str | None:
    match = _DMV_MONTH.fullmatch(header.strip())
    if match and match.group(1).upper() in _MONTHS:
        return f"{match.group(2)}-{_MONTHS[match.group(1).upper()]:02d}"
    return None


def is_dmv_mileage(table: Table) -> bool:
    return any(_dmv_month(h) for h in table.header)


def validate_mileage(session: Session, table: Table, *, today: date) -> list[dict[str, Any]]:
    """Every mileage row checked; ImportRejected naming every bad cell, or rows to insert."""
    if is_dmv_mileage(table):
        candidates = _dmv_mileage_rows(table, today)
    else:
        candidates = _canonical_mileage_rows(table, today)
    errors: list[RowError] = candidates.errors
    parsed = candidates.rows
    vehicles, permits = _vehicles_and_permits(
        session, {r["vin"] for _c, r in parsed}, {r["permit_no"] for _c, r in parsed}
    )
    seen: dict[tuple[str, str, str], int] = {}
    rows: list[dict[str, Any]] = []
    for ctx, row in parsed:
        first, last = _month_bounds(row["month"])
        if not _resolve(ctx, row, vehicles, permits, first, last):
            continue
        key = (row["vin"], row["month"], row["mode"])
        if key in seen:
            ctx.fail(
                "month",
                row["month"],
                f"与第 {seen[key]} 行重复（同一车辆、月份和模式）",
                f"repeats row {seen[key]} (same vehicle, month and mode)",
            )
            continue
        seen[key] = ctx.number
        row["_row"] = ctx.number
        rows.append(row)
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.row))
    return rows


@dataclass
class _Candidates:
    rows: list[tuple[RowContext, dict[str, Any]]]
    errors: list[RowError]


def _canonical_mileage_rows(table: Table, today: date) -> _Candidates:
    columns = map_headers(table.header, MILEAGE_COLUMNS)
    errors: list[RowError] = []
    parsed = []
    for number, values in enumerate(table.rows, start=2):
        ctx = RowContext(number, values, columns, errors)
        before = len(errors)
        row = {
            "permit_no": ctx.cell("permit_no", parse_text, required=True, max_length=40),
            "vin": ctx.cell("vin", parse_vin_cell, required=True),
            "month": ctx.cell("month", parse_month, required=True, latest=today),
            "mode": ctx.cell("mode", parse_mode, required=True),
            "km": ctx.cell("km", parse_distance, required=True),
            "hours": ctx.cell("hours", parse_distance),
        }
        if len(errors) == before:
            parsed.append((ctx, row))
    return _Candidates(parsed, errors)


def _dmv_mileage_rows(table: Table, today: date) -> _Candidates:
    """The DMV's monthly mileage report: one row per vehicle, one column per month, in miles."""
    months = {i: m for i, h in enumerate(table.header) if (m := _dmv_month(h))}
    fixed_headers = [h if i not in months else "" for i, h in enumerate(table.header)]
    columns = map_headers(
        fixed_headers,
        (
            PERMIT_COLUMN,
            VIN_COLUMN,
            MANUFACTURER_COLUMN,
            Column("annual_total", ("ANNUAL TOTAL", "TOTAL")),
        ),
    )
    errors: list[RowError] = []
    parsed = []
    for number, values in enumerate(table.rows, start=2):
        ctx = RowContext(number, values, columns, errors)
        before = len(errors)
        permit_no = ctx.cell("permit_no", parse_text, required=True, max_length=40)
        vin = ctx.cell("vin", parse_vin_cell, required=True)
        total = ctx.cell("annual_total", parse_distance)
        miles_sum = 0.0
        found = []
        for index, month in months.items():
            raw = values[index] if index < len(values) else None
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            header = table.header[index]
            try:
                miles = parse_distance(raw)
                if month > f"{today.year:04d}-{today.month:02d}":
                    raise CellError(f"月份 {month} 在将来", f"month {month} is in the future")
            except CellError as exc:
                errors.append(RowError(number, header, str(raw), exc.zh, exc.en))
                continue
            miles_sum += miles
            found.append((month, miles))
        if total is not None and abs(total - miles_sum) > 0.5:
            ctx.fail(
                "annual_total",
                ctx.raw("annual_total"),
                f"年度合计与各月之和（{miles_sum:,.1f} 英里）不符",
                f"the annual total differs from the months' sum ({miles_sum:,.1f} miles)",
            )
        if len(errors) != before:
            continue
        # One row per month: the range check of the permit is per month, so each month gets a
        # context of its own (same spreadsheet row number).
        for month, miles in found:
            if miles == 0:
                continue
            parsed.append(
                (
                    RowContext(number, values, columns, errors),
                    {
                        "permit_no": permit_no,
                        "vin": vin,
                        "month": month,
                        "mode": Mode.safety_driver,
                        "km": round(miles * MILE_KM, 3),
                        "hours": None,
                    },
                )
            )
    return _Candidates(parsed, errors)


def write_mileage(
    session: Session, rows: list[dict[str, Any]], *, replace: bool = False
) -> tuple[int, int]:
    """Insert validated mileage; a (vehicle, month, mode) already there is refused unless
    ``replace``, which puts the new kilometres in its place. Returns (created, replaced)."""
    keys = [(r["vehicle_id"], r["month"], r["mode"]) for r in rows]
    present: dict[tuple[int, str, str], int] = {}
    column = tuple_(AvMileage.vehicle_id, AvMileage.month, AvMileage.mode)
    for start in range(0, len(keys), 500):
        present.update(
            ((v, m, mode), id_)
            for v, m, mode, id_ in session.execute(
                select(AvMileage.vehicle_id, AvMileage.month, AvMileage.mode, AvMileage.id).where(
                    column.in_(keys[start : start + 500])
                )
            )
        )
    if present and not replace:
        raise ImportRejected(
            [
                RowError(
                    r["_row"],
                    "month",
                    r["month"],
                    "该车辆该月该模式的里程已导入（如需替换请使用 --replace）",
                    "these kilometres were imported already (use --replace)",
                )
                for r in rows
                if (r["vehicle_id"], r["month"], r["mode"]) in present
            ]
        )
    fresh = []
    for r in rows:
        values = {k: r[k] for k in ("vehicle_id", "permit_id", "month", "mode", "km", "hours")}
        found = present.get((r["vehicle_id"], r["month"], r["mode"]))
        if found is None:
            fresh.append(values)
        else:
            record = session.get(AvMileage, found)
            assert record is not None
            record.km, record.hours, record.permit_id = r["km"], r["hours"], r["permit_id"]
    for start in range(0, len(fresh), _CHUNK):
        session.execute(insert(AvMileage), fresh[start : start + _CHUNK])
    bump_data_version(session, DATASET)
    return len(fresh), len(rows) - len(fresh)


# --- disengagements ------------------------------------------------------------------------------


def validate_disengagements(session: Session, table: Table, *, today: date) -> list[dict[str, Any]]:
    """Every disengagement row checked; ImportRejected naming every bad cell, or rows."""
    columns = map_headers(table.header, DISENGAGEMENT_COLUMNS)
    errors: list[RowError] = []
    parsed = []
    for number, values in enumerate(table.rows, start=2):
        ctx = RowContext(number, values, columns, errors)
        before = len(errors)
        row = {
            "permit_no": ctx.cell("permit_no", parse_text, required=True, max_length=40),
            "vin": ctx.cell("vin", parse_vin_cell, required=True),
            "occurred_on": ctx.cell("date", parse_day, required=True, latest=today),
            "initiated_by": ctx.cell("initiated_by", parse_initiator, required=True),
            "road_type": ctx.cell("road_type", parse_road_type, required=True),
            "description": ctx.cell("description", parse_text, max_length=4000) or "",
        }
        if len(errors) == before:
            parsed.append((ctx, row))
    vehicles, permits = _vehicles_and_permits(
        session, {r["vin"] for _c, r in parsed}, {r["permit_no"] for _c, r in parsed}
    )
    rows = []
    for ctx, row in parsed:
        day = row["occurred_on"]
        if _resolve(ctx, row, vehicles, permits, day, day):
            row["_row"] = ctx.number
            rows.append(row)
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.row))
    return rows


def write_disengagements(session: Session, rows: list[dict[str, Any]]) -> int:
    keep = ("vehicle_id", "permit_id", "occurred_on", "initiated_by", "road_type", "description")
    fresh = [{k: r[k] for k in keep} for r in rows]
    for start in range(0, len(fresh), _CHUNK):
        session.execute(insert(AvDisengagement), fresh[start : start + _CHUNK])
    bump_data_version(session, DATASET)
    return len(fresh)


# --- the entry point -----------------------------------------------------------------------------


def import_records(
    session: Session,
    *,
    source: Path | str | bytes,
    kind: ImportKind | str,
    today: date,
    filename: str | None = None,
    replace: bool = False,
) -> AvImportResult:
    """Read, check and write a file of kilometres or disengagements; any bad row rejects it."""
    kind = ImportKind(kind)
    table = read_table(source, filename=filename)
    if kind == ImportKind.mileage:
        layout = "dmv" if is_dmv_mileage(table) else "canonical"
        rows = validate_mileage(session, table, today=today)
        created, replaced = write_mileage(session, rows, replace=replace)
    else:
        layout = (
            "dmv"
            if any(h.upper().startswith("DISENGAGEMENT") for h in table.header)
            else ("canonical")
        )
        rows = validate_disengagements(session, table, today=today)
        created, replaced = write_disengagements(session, rows), 0
    return AvImportResult(kind.value, layout, len(rows), created, replaced, table.source)
