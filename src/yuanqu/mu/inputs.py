"""What a grading reads, per firm and year, gathered into one Arrow table of the variables in
:data:`yuanqu.mu.method.VARIABLES`: the registry (section, founding year, the above-scale label on
31 December), the statistics (yearly sums of the monthly reports, average employees), the land the
firm holds (read from the space domain through a reader wired at start-up) and the resource use
imported here (energy, emissions, electricity).

Amounts are yuan, land 亩 (m² x 15 / 10000), energy tce, emissions tonnes, all exact decimals with
ten places, which is how the policy language's compiled SQL reads its numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import delete, func, insert, select, tuple_
from sqlalchemy.orm import Session

from yuanqu.core.db import bump_data_version
from yuanqu.core.land import LandHeld
from yuanqu.core.tabular import (
    CellError,
    Column,
    ImportRejected,
    RowContext,
    RowError,
    map_headers,
    read_table,
)
from yuanqu.mu.models import MuResource
from yuanqu.registry.firms import (
    Enterprise,
    EnterpriseLabel,
    Label,
    ids_for_codes,
    label_active,
    parse_code_cell,
)
from yuanqu.stats.firms import yearly_figures

#: m² of one 亩 (1 亩 = 10000/15 m²).
MU_PER_M2 = Decimal(15) / Decimal(10000)
DECIMAL = pa.decimal128(38, 10)
TEN_PLACES = Decimal(1).scaleb(-10)

#: Reads the land each firm holds in a year: firm id -> m² of its parcels and of the space it
#: occupies counted at the building's plot ratio where the zone says so (kept apart, so a result
#: says which part came from space). The space domain owns parcels and space and hands its reader
#: over at start-up (:func:`yuanqu.wiring.wire`).
LandReader = Callable[[Session, int], dict[int, LandHeld]]
_land_readers: list[LandReader] = []


def read_land_with(reader: LandReader) -> None:
    """Start-up wiring: where the land a firm holds comes from (set again: replaced)."""
    _land_readers[:] = [reader]


def land_held(session: Session, *, year: int) -> dict[int, LandHeld]:
    """firm id -> the m² held in ``year`` ({} when no land source is wired)."""
    return _land_readers[0](session, year) if _land_readers else {}


def has_land_source() -> bool:
    return bool(_land_readers)


# --- the resource import -------------------------------------------------------------------------

COLUMNS = (
    Column("uscc", ("统一社会信用代码", "信用代码"), required=True),
    Column("year", ("年度", "年份"), required=True),
    Column("energy_tce", ("综合能耗", "综合能耗(吨标准煤)", "能耗")),
    Column("emissions_t", ("主要污染物排放量", "污染物排放(吨)", "排放量")),
    Column("electricity_kwh", ("用电量", "用电量(千瓦时)")),
)
EARLIEST, LATEST = 2000, 2100
#: Bounds a firm's yearly figure cannot plausibly exceed (a typo's extra digits).
LIMITS = {
    "energy_tce": Decimal(10) ** 9,
    "emissions_t": Decimal(10) ** 9,
    "electricity_kwh": Decimal(10) ** 12,
}


@dataclass
class ResourceImport:
    rows: int
    created: int
    replaced: int
    source: str = ""


def _year(value: Any) -> int:
    text = str(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isdigit() or not EARLIEST <= int(text) <= LATEST:
        raise CellError(
            f"年度应为 {EARLIEST}–{LATEST} 之间的四位年份",
            f"the year must be four digits between {EARLIEST} and {LATEST}",
        )
    return int(text)


def _quantity(name: str, places: int) -> Callable[[Any], int]:
    """A non-negative quantity of at most ``places`` decimals, returned in its thousandths (or
    units for kWh): exact, never a float."""

    def parse(value: Any) -> int:
        text = str(value).strip().replace(",", "")
        try:
            number = Decimal(text)
        except ArithmeticError:
            raise CellError("不是数字", "not a number") from None
        if not number.is_finite() or number < 0:
            raise CellError("不能为负数", "must not be negative")
        if number > LIMITS[name]:
            raise CellError(
                f"超出合理范围（上限 {LIMITS[name]}）", f"beyond a plausible value ({LIMITS[name]})"
            )
        scaled = number.scaleb(places)
        if scaled != scaled.to_integral_value():
            raise CellError(f"最多 {places} 位小数", f"at most {places} decimals")
        return int(scaled)

    return parse


def import_resources(
    session: Session, *, source: Path | str | bytes, filename: str | None = None
) -> ResourceImport:
    """Read a file of ``uscc,year,energy_tce,emissions_t,electricity_kwh`` (or the Chinese
    headers) and write it all, or nothing with every bad cell named: a firm-year already imported
    is replaced by the file's figures."""
    table = read_table(source, filename=filename)
    columns = map_headers(table.header, COLUMNS)
    parsers = {
        "energy_tce": _quantity("energy_tce", 3),
        "emissions_t": _quantity("emissions_t", 3),
        "electricity_kwh": _quantity("electricity_kwh", 0),
    }
    errors: list[RowError] = []
    parsed: list[tuple[RowContext, dict[str, Any]]] = []
    seen: dict[tuple[str, int], int] = {}
    for number, values in enumerate(table.rows, start=2):
        ctx = RowContext(number, values, columns, errors)
        before = len(errors)
        row = {
            "uscc": ctx.cell("uscc", parse_code_cell, required=True),
            "year": ctx.cell("year", _year, required=True),
        }
        for name, parse in parsers.items():
            row[name] = ctx.cell(name, parse)
        if len(errors) != before:
            continue
        key = (row["uscc"], row["year"])
        if key in seen:
            ctx.fail(
                "year",
                row["year"],
                f"与第 {seen[key]} 行的企业和年度重复",
                f"repeats the firm and year of row {seen[key]}",
            )
            continue
        seen[key] = number
        parsed.append((ctx, row))
    ids = ids_for_codes(session, sorted({r["uscc"] for _c, r in parsed}))
    for ctx, row in parsed:
        if row["uscc"] not in ids:
            ctx.fail(
                "uscc",
                row["uscc"],
                "企业库中没有该信用代码的企业（请先导入企业库）",
                "no firm of the registry holds this credit code (import it first)",
            )
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.row))
    rows = [r for _c, r in parsed]
    keys = [(ids[r["uscc"]], r["year"]) for r in rows]
    present = {
        tuple(k)
        for start in range(0, len(keys), 500)
        for k in session.execute(
            select(MuResource.enterprise_id, MuResource.year).where(
                tuple_(MuResource.enterprise_id, MuResource.year).in_(keys[start : start + 500])
            )
        )
    }
    for start in range(0, len(keys), 500):
        chunk = [k for k in keys[start : start + 500] if k in present]
        if chunk:
            session.execute(
                delete(MuResource).where(
                    tuple_(MuResource.enterprise_id, MuResource.year).in_(chunk)
                )
            )
    if rows:
        session.execute(
            insert(MuResource.__table__),
            [
                {
                    "enterprise_id": ids[r["uscc"]],
                    "year": r["year"],
                    "energy_kgce": r["energy_tce"],
                    "emissions_kg": r["emissions_t"],
                    "electricity_kwh": r["electricity_kwh"],
                }
                for r in rows
            ],
        )
    bump_data_version(session, "mu")
    return ResourceImport(
        rows=len(rows),
        created=len(rows) - len(present),
        replaced=len(present),
        source=table.source,
    )


# --- the grading's inputs ------------------------------------------------------------------------

FIRM_SCHEMA = pa.schema(
    [
        ("firm_id", pa.int64()),
        ("uscc", pa.string()),
        ("name", pa.string()),
        ("industry_code", pa.string()),
        ("industry_section", pa.string()),
        ("sub_area", pa.string()),
        ("task_force", pa.string()),
        ("established_year", pa.int64()),
        ("above_scale", pa.bool_()),
    ]
)


def _firms(session: Session, year: int, sections: tuple[str, ...]) -> pa.Table:
    end = date(year, 12, 31)
    above = (
        select(EnterpriseLabel.enterprise_id)
        .where(EnterpriseLabel.label == Label.above_scale, label_active(end))
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            Enterprise.id,
            Enterprise.uscc,
            Enterprise.name,
            Enterprise.industry_code,
            Enterprise.industry_section,
            Enterprise.sub_area,
            Enterprise.task_force,
            Enterprise.established,
            Enterprise.id.in_(above),
        ).where(Enterprise.industry_section.in_(sections))
    ).all()
    columns = list(zip(*rows, strict=True)) if rows else [()] * 9
    established = [d.year if d is not None else None for d in columns[7]]
    values = [*columns[:7], established, [bool(v) for v in columns[8]]]
    return pa.table(
        [pa.array(v, type=f.type) for v, f in zip(values, FIRM_SCHEMA, strict=True)],
        schema=FIRM_SCHEMA,
    )


def _resources(session: Session, year: int) -> pa.Table:
    rows = session.execute(
        select(
            MuResource.enterprise_id,
            MuResource.energy_kgce,
            MuResource.emissions_kg,
            MuResource.electricity_kwh,
        ).where(MuResource.year == year)
    ).all()
    names = ("firm_id", "energy_kgce", "emissions_kg", "electricity_kwh")
    columns = list(zip(*rows, strict=True)) if rows else [()] * 4
    return pa.table({n: pa.array(c, type=pa.int64()) for n, c in zip(names, columns, strict=True)})


def _land(session: Session, year: int) -> pa.Table:
    held = land_held(session, year=year)
    return pa.table(
        {
            "firm_id": pa.array(list(held), type=pa.int64()),
            "parcels_m2": pa.array(
                [Decimal(v.parcels_sqm).quantize(TEN_PLACES) for v in held.values()], type=DECIMAL
            ),
            "space_m2": pa.array(
                [Decimal(v.space_sqm).quantize(TEN_PLACES) for v in held.values()], type=DECIMAL
            ),
        }
    )


def gather(session: Session, *, year: int, sections: tuple[str, ...]) -> pa.Table:
    """The inputs of every firm of ``sections`` for ``year``, one row each (see the module)."""
    con = duckdb.connect()
    con.register("firms", _firms(session, year, sections))
    con.register("stats", yearly_figures(session, year=year))
    con.register("resources", _resources(session, year))
    con.register("land", _land(session, year))
    decimal = "DECIMAL(38,10)"
    yuan = ", ".join(
        f"CAST(s.{m} AS {decimal}) / 100 AS {m}"
        for m in ("tax", "value_added", "revenue", "rd_expense", "gross_output")
    )
    return con.sql(
        f"""
        SELECT f.*, {yuan},
            CAST(s.employees_sum AS {decimal}) / NULLIF(s.employees_months, 0) AS employees_avg,
            CAST((l.parcels_m2 + l.space_m2) * 15 / 10000 AS {decimal}) AS land_mu,
            CAST(l.space_m2 * 15 / 10000 AS {decimal}) AS land_space_mu,
            CAST(r.energy_kgce AS {decimal}) / 1000 AS energy_tce,
            CAST(r.emissions_kg AS {decimal}) / 1000 AS emissions_t,
            CAST(r.electricity_kwh AS {decimal}) AS electricity_kwh,
            CAST({int(year)} - f.established_year AS {decimal}) AS established_years
        FROM firms f
        LEFT JOIN stats s ON s.firm_id = f.firm_id
        LEFT JOIN resources r ON r.firm_id = f.firm_id
        LEFT JOIN land l ON l.firm_id = f.firm_id
        ORDER BY f.uscc
        """
    ).to_arrow_table()


def resource_count(session: Session, *, year: int) -> int:
    return session.scalar(select(func.count(MuResource.id)).where(MuResource.year == year)) or 0


def write_resources(session: Session, rows: list[dict[str, int | None]]) -> int:
    """Write checked rows (``enterprise_id, year, energy_kgce, emissions_kg, electricity_kwh``)
    in bulk, replacing a firm-year already there (the demo's and a bureau feed's path)."""
    keys = [(r["enterprise_id"], r["year"]) for r in rows]
    for start in range(0, len(keys), 500):
        session.execute(
            delete(MuResource).where(
                tuple_(MuResource.enterprise_id, MuResource.year).in_(keys[start : start + 500])
            )
        )
    for start in range(0, len(rows), 5000):
        session.execute(insert(MuResource.__table__), rows[start : start + 5000])
    bump_data_version(session, "mu")
    return len(rows)
