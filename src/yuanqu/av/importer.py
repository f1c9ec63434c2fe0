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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, tuple_
from sqlalchemy.orm import Session

from yuanqu.av.models import (
    DATASET,
    INITIATOR_NAMES,
    MODE_NAMES,
    ROAD_TYPE_NAMES,
    AvDisengagement,
    AvMileage,
    AvPermit,
    AvVehicle,
    Initiator,
    Mode,
    RoadType,
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
    parse_date_cell,
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


# --- columns -------------------------------------------------------------------------------------

_PERMIT = Column("permit_no", ("牌照编号", "测试牌照编号", "permit number", "permit"), True)
_VIN = Column("vin", ("车辆识别代号", "车架号", "VIN NUMBER", "VIN号"), True)
_MANUFACTURER = Column("manufacturer", ("Manufacturer", "测试主体"))

MILEAGE_COLUMNS = (
    _PERMIT,
    _VIN,
    Column("month", ("月份", "统计月份"), True),
    Column("mode", ("测试模式", "模式"), True),
    Column(
        "km",
        ("里程", "测试里程", "kilometres"),
        True,
        unit_aliases={"里程(公里)": 1, "测试里程(公里)": 1, "km(公里)": 1},
    ),
    Column("hours", ("测试时长", "时长"), unit_aliases={"测试时长(小时)": 1, "时长(小时)": 1}),
)

_DMV_INITIATOR = "DISENGAGEMENT INITIATED BY(AV System, Test Driver, Remote Operator, or Passenger)"
_DMV_LOCATION = (
    "DISENGAGEMENT LOCATION(Interstate, Freeway, Highway, Rural Road, Street, or Parking Facility)"
)
DISENGAGEMENT_COLUMNS = (
    _PERMIT,
    _VIN,
    _MANUFACTURER,
    Column("date", ("日期", "脱离日期", "DATE"), True),
    Column(
        "initiated_by", ("发起方", "脱离发起方", "DISENGAGEMENT INITIATED BY", _DMV_INITIATOR), True
    ),
    Column("road_type", ("道路类型", "DISENGAGEMENT LOCATION", _DMV_LOCATION), True),
    Column("description", ("描述", "情况说明", "DESCRIPTION OF FACTS CAUSING DISENGAGEMENT")),
    # The DMV's two yes/no columns: read as they are, not kept (the mode lives in the mileage).
    Column(
        "capable_without_driver",
        (
            "VEHICLE IS CAPABLE OF OPERATING WITHOUT A DRIVER",
            "VEHICLE IS CAPABLE OF OPERATING WITHOUT A DRIVER(Yes or No)",
        ),
    ),
    Column("driver_present", ("DRIVER PRESENT", "DRIVER PRESENT(Yes or No)")),
)

# --- cells ---------------------------------------------------------------------------------------


def _words(names: dict[str, tuple[str, str]], extra: dict[str, str]) -> dict[str, str]:
    lookup = {key.lower(): key for key in names}
    for key, (zh, en) in names.items():
        lookup[zh.lower()] = key
        lookup[en.lower()] = key
    lookup.update({k.lower(): v for k, v in extra.items()})
    return lookup


_MODES = _words(MODE_NAMES, {"安全员": Mode.safety_driver, "无人": Mode.driverless})
_INITIATORS = _words(
    INITIATOR_NAMES,
    {
        "av system": Initiator.system,
        "自动驾驶系统": Initiator.system,
        "test driver": Initiator.driver,
        "safety driver": Initiator.driver,
        "driver": Initiator.driver,
        "安全员": Initiator.driver,
        "remote operator": Initiator.remote,
        "远程安全员": Initiator.remote,
    },
)
_ROAD_TYPES = _words(
    ROAD_TYPE_NAMES,
    {
        "street": RoadType.urban,
        "城市": RoadType.urban,
        "interstate": RoadType.highway,
        "freeway": RoadType.expressway,
        "rural road": RoadType.rural,
        "parking facility": RoadType.parking,
        "高速": RoadType.highway,
    },
)


def _choice(lookup: dict[str, str], names: dict[str, tuple[str, str]]) -> Callable[[Any], str]:
    allowed_zh = "、".join(zh for zh, _en in names.values())
    allowed_en = ", ".join(en for _zh, en in names.values())

    def parse(value: Any) -> str:
        found = lookup.get(str(value).strip().lower())
        if found is None:
            raise CellError(f"应为以下之一：{allowed_zh}", f"must be one of: {allowed_en}")
        return str(found)

    return parse


parse_mode = _choice(_MODES, MODE_NAMES)
parse_initiator = _choice(_INITIATORS, INITIATOR_NAMES)
parse_road_type = _choice(_ROAD_TYPES, ROAD_TYPE_NAMES)


def parse_vin_cell(value: Any) -> str:
    vin = str(value).strip().upper()
    if not re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", vin):
        raise CellError(
            "车辆识别代号应为 17 位字母和数字（不含 I、O、Q）",
            "a VIN is 17 letters and digits (no I, O or Q)",
        )
    return vin


def parse_month(value: Any, *, latest: date) -> str:
    if isinstance(value, datetime | date):
        text = f"{value.year:04d}-{value.month:02d}"
    else:
        raw = str(value).strip()
        match = re.fullmatch(r"(\d{4})[-/.年]?(\d{1,2})月?", raw)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise CellError("月份格式应为 YYYY-MM", "a month is written YYYY-MM")
        text = f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"
    if text > f"{latest.year:04d}-{latest.month:02d}":
        raise CellError(f"月份 {text} 在将来", f"month {text} is in the future")
    if text < "2010-01":
        raise CellError(f"月份 {text} 早于 2010 年，不合理", f"month {text} is before 2010")
    return text


def parse_distance(value: Any, *, factor: int = 1) -> float:
    if isinstance(value, bool):
        raise CellError("应为数字", "must be a number")
    try:
        number = (
            float(str(value).strip().replace(",", ""))
            if not isinstance(value, int | float)
            else float(value)
        )
    except ValueError:
        raise CellError("应为数字", "must be a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise CellError("应为数字", "must be a number")
    if number < 0:
        raise CellError("不能为负数", "must not be negative")
    if number > 100_000:
        raise CellError("一辆车一个月超过 10 万，不合理", "over 100,000 for one vehicle in a month")
    return number * factor


def parse_day(value: Any, *, latest: date) -> date:
    """An ISO date, or the DMV's MM/DD/YYYY."""
    if isinstance(value, str):
        match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value.strip())
        if match:
            month, day, year = (int(g) for g in match.groups())
            try:
                value = date(year, month, day)
            except ValueError:
                raise CellError(f"日期不存在：{value}", f"no such date: {value}") from None
    return parse_date_cell(value, earliest=date(2010, 1, 1), latest=latest)


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
        (_PERMIT, _VIN, _MANUFACTURER, Column("annual_total", ("ANNUAL TOTAL", "TOTAL"))),
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
