"""The annual road-test report, computed in DuckDB over Arrow tables (never a Python loop).

The two big tables, monthly kilometres and disengagements, are read from the system of record
once per data version of the ``av`` dataset (every import and every demo write bumps it) and kept
in memory as Arrow; the small ones (vehicles, permits, firms, incidents, roads) are read fresh with
each report. :func:`compute_report` is the whole computation: a handful of SQL statements over
tables registered on a DuckDB connection, the same function the benchmark times over ten million
synthetic rows (``benchmarks/av_report.py``).

Definitions. A *test subject* of a year is a firm with a vehicle holding a permit in effect at
some time in the year (issued by its end, valid after its start, not revoked before it); the
*vehicles* of the year are those vehicles. Kilometres are counted under one mode each (with a
safety driver, driverless, with passengers, at night); *total* is their sum. Disengagements per
1,000 km by initiator and by road type are over all the year's kilometres.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import text
from sqlalchemy.orm import Session

from yuanqu.av.models import DATASET
from yuanqu.core.db import DataVersion

_BIG = {
    "mileage": (
        "SELECT vehicle_id, CAST(substr(month, 1, 4) AS INTEGER) * 100 "
        "+ CAST(substr(month, 6, 2) AS INTEGER) AS ym, mode, km FROM av_mileage",
        {"vehicle_id": pa.int64(), "ym": pa.int32(), "mode": pa.string(), "km": pa.float64()},
    ),
    "disengagements": (
        "SELECT vehicle_id, CAST(substr(CAST(occurred_on AS TEXT), 1, 4) AS INTEGER) * 100 "
        "+ CAST(substr(CAST(occurred_on AS TEXT), 6, 2) AS INTEGER) AS ym, initiated_by, "
        "road_type FROM av_disengagements",
        {
            "vehicle_id": pa.int64(),
            "ym": pa.int32(),
            "initiated_by": pa.string(),
            "road_type": pa.string(),
        },
    ),
}
_SMALL = {
    "vehicles": (
        "SELECT v.id, v.enterprise_id, e.uscc, e.name FROM av_vehicles v "
        "JOIN enterprises e ON e.id = v.enterprise_id",
        {"id": pa.int64(), "enterprise_id": pa.int64(), "uscc": pa.string(), "name": pa.string()},
    ),
    "permits": (
        "SELECT vehicle_id, stage, status, issued_on, valid_until, ended_on FROM av_permits",
        {
            "vehicle_id": pa.int64(),
            "stage": pa.string(),
            "status": pa.string(),
            "issued_on": pa.date32(),
            "valid_until": pa.date32(),
            "ended_on": pa.date32(),
        },
    ),
    "incidents": (
        "SELECT vehicle_id, occurred_on, responsible FROM av_incidents",
        {"vehicle_id": pa.int64(), "occurred_on": pa.date32(), "responsible": pa.bool_()},
    ),
    "roads": (
        "SELECT code, road_type, km, opened_on FROM av_roads",
        {
            "code": pa.string(),
            "road_type": pa.string(),
            "km": pa.float64(),
            "opened_on": pa.date32(),
        },
    ),
}


def _plain(values: tuple[Any, ...], kind: pa.DataType) -> list[Any]:
    # SQLite hands dates back as ISO text and booleans as 0/1; PostgreSQL as dates and bools.
    if kind == pa.date32():
        return [
            v if v is None or isinstance(v, date) else date.fromisoformat(v[:10]) for v in values
        ]
    if kind == pa.bool_():
        return [None if v is None else bool(v) for v in values]
    return list(values)


def _read(session: Session, sql: str, schema: dict[str, pa.DataType]) -> pa.Table:
    rows = session.execute(text(sql)).all()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    return pa.table(
        {
            name: pa.array(_plain(values, kind), type=kind)
            for (name, kind), values in zip(schema.items(), columns, strict=True)
        }
    )


def _encoded(table: pa.Table) -> pa.Table:
    """Text columns (a handful of distinct keys over millions of rows) as dictionaries."""
    for index, field in enumerate(table.schema):
        if pa.types.is_string(field.type):
            table = table.set_column(index, field.name, pc.dictionary_encode(table[field.name]))
    return table


@dataclass
class _Snapshot:
    version: int | None
    tables: dict[str, pa.Table]


_cache: dict[str, _Snapshot] = {}
_lock = threading.Lock()


def _big_tables(session: Session) -> dict[str, pa.Table]:
    """Kilometres and disengagements at the session's data version, read once per version."""
    version = session.get(DataVersion, DATASET)
    key = session.get_bind().engine.url.render_as_string(hide_password=False)
    number = version.version if version is not None else None
    with _lock:
        found = _cache.get(key)
        if found is not None and found.version == number and number is not None:
            return found.tables
    tables = {name: _encoded(_read(session, sql, schema)) for name, (sql, schema) in _BIG.items()}
    with _lock:
        _cache[key] = _Snapshot(number, tables)
    return tables


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def load_tables(session: Session) -> dict[str, pa.Table]:
    """Every table the report reads, as Arrow."""
    tables = dict(_big_tables(session))
    tables.update({name: _read(session, sql, schema) for name, (sql, schema) in _SMALL.items()})
    return tables


def annual_report(
    session: Session, *, year: int, enterprise_id: int | None = None
) -> dict[str, Any]:
    """The year's road-test report (one firm's part only, for a test-subject user)."""
    return compute_report(load_tables(session), year=year, enterprise_id=enterprise_id)


def latest_year(session: Session) -> int | None:
    """The latest year with kilometres on record."""
    found = session.execute(text("SELECT max(month) FROM av_mileage")).scalar()
    return int(found[:4]) if found else None


def _ratio(km: float, count: int) -> float | None:
    return round(km / count, 1) if count else None


def compute_report(
    tables: dict[str, pa.Table], *, year: int, enterprise_id: int | None = None
) -> dict[str, Any]:
    """The report from Arrow tables, in DuckDB: what the service, the pages, the CLI and the
    benchmark all call."""
    con = duckdb.connect()
    try:
        for name, table in tables.items():
            con.register(f"t_{name}", table)
        return _compute(con, year, enterprise_id)
    finally:
        con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    return con.execute(sql, params).fetchall()


def _compute(con: duckdb.DuckDBPyConnection, year: int, enterprise_id: int | None) -> dict:
    start, end = date(year, 1, 1), date(year, 12, 31)
    first, last = year * 100 + 1, year * 100 + 12
    scope = "" if enterprise_id is None else f"WHERE enterprise_id = {int(enterprise_id)}"
    con.execute(f"CREATE TEMP VIEW vehicles AS SELECT * FROM t_vehicles {scope}")
    # The permits in effect at some time in the year, and their vehicles.
    con.execute(
        """CREATE TEMP TABLE in_effect AS
        SELECT p.vehicle_id, p.stage, v.enterprise_id FROM t_permits p
        JOIN vehicles v ON v.id = p.vehicle_id
        WHERE p.issued_on <= ? AND p.valid_until >= ?
          AND (p.status <> 'revoked' OR p.ended_on >= ?)""",
        [end, start, start],
    )
    # One scan of each big table for the year, down to a few small groupings (per vehicle, per
    # mode, per month...), and one for the years up to it: no grouping as large as the input.
    only = "" if enterprise_id is None else "AND vehicle_id IN (SELECT id FROM vehicles)"
    con.execute(
        f"""CREATE TEMP TABLE km_sets AS
        SELECT grouping(vehicle_id, mode, month) AS g, vehicle_id, mode, month, sum(km) AS km
        FROM (SELECT vehicle_id, mode, ym % 100 AS month, km FROM t_mileage
              WHERE ym BETWEEN ? AND ? {only})
        GROUP BY GROUPING SETS ((vehicle_id), (month, mode))""",
        [first, last],
    )
    con.execute(
        f"""CREATE TEMP TABLE km_by_year AS
        SELECT ym // 100 AS year, sum(km) AS km FROM t_mileage
        WHERE ym <= ? {only} GROUP BY ALL""",
        [last],
    )
    con.execute(
        f"""CREATE TEMP TABLE dis_sets AS
        SELECT grouping(vehicle_id, initiated_by, road_type, month) AS g, vehicle_id,
               initiated_by, road_type, month, count(*) AS n
        FROM (SELECT vehicle_id, initiated_by, road_type, ym % 100 AS month
              FROM t_disengagements WHERE ym BETWEEN ? AND ? {only})
        GROUP BY GROUPING SETS ((vehicle_id), (initiated_by), (road_type), (month))""",
        [first, last],
    )
    con.execute(
        f"""CREATE TEMP TABLE dis_by_year AS
        SELECT ym // 100 AS year, count(*) AS n FROM t_disengagements
        WHERE ym <= ? {only} GROUP BY ALL""",
        [last],
    )
    con.execute(
        """CREATE TEMP VIEW km_vehicle AS SELECT vehicle_id, km FROM km_sets
        WHERE vehicle_id IS NOT NULL"""
    )
    con.execute(
        """CREATE TEMP VIEW dis_vehicle AS SELECT vehicle_id, n FROM dis_sets
        WHERE vehicle_id IS NOT NULL"""
    )
    (subjects, vehicles) = _rows(
        con, "SELECT count(DISTINCT enterprise_id), count(DISTINCT vehicle_id) FROM in_effect", []
    )[0]
    modes = dict(
        _rows(con, "SELECT mode, sum(km) FROM km_sets WHERE mode IS NOT NULL GROUP BY 1", [])
    )
    km = float(sum(modes.values()))
    count = int(_rows(con, "SELECT coalesce(sum(n), 0) FROM dis_vehicle", [])[0][0])
    by_year = _rows(
        con,
        """SELECT y.year, y.km, coalesce(d.n, 0) FROM km_by_year y
        LEFT JOIN dis_by_year d USING (year) ORDER BY y.year""",
        [],
    )
    by_subject = _rows(
        con,
        """WITH s AS (SELECT enterprise_id, count(DISTINCT vehicle_id) AS vehicles
                      FROM in_effect GROUP BY 1),
           k AS (SELECT v.enterprise_id, sum(k.km) AS km FROM km_vehicle k
                 JOIN vehicles v ON v.id = k.vehicle_id GROUP BY 1),
           d AS (SELECT v.enterprise_id, sum(d.n) AS n FROM dis_vehicle d
                 JOIN vehicles v ON v.id = d.vehicle_id GROUP BY 1),
           f AS (SELECT DISTINCT enterprise_id, uscc, name FROM vehicles)
        SELECT f.uscc, f.name, s.vehicles, coalesce(k.km, 0), coalesce(d.n, 0)
        FROM s JOIN f USING (enterprise_id) LEFT JOIN k USING (enterprise_id)
        LEFT JOIN d USING (enterprise_id)
        ORDER BY coalesce(k.km, 0) DESC, f.uscc""",
        [],
    )
    by_stage = _rows(
        con,
        "SELECT stage, count(DISTINCT vehicle_id) FROM in_effect GROUP BY 1 ORDER BY 2 DESC, 1",
        [],
    )
    by_initiator = _rows(
        con,
        "SELECT initiated_by, n FROM dis_sets WHERE initiated_by IS NOT NULL ORDER BY 2 DESC, 1",
        [],
    )
    by_road = _rows(
        con, "SELECT road_type, n FROM dis_sets WHERE road_type IS NOT NULL ORDER BY 2 DESC, 1", []
    )
    months = _rows(
        con,
        """WITH k AS (SELECT month, sum(km) AS km,
                        sum(km) FILTER (WHERE mode = 'driverless') AS driverless
                      FROM km_sets WHERE month IS NOT NULL GROUP BY 1),
           d AS (SELECT month, n FROM dis_sets WHERE month IS NOT NULL)
        SELECT range AS month, coalesce(k.km, 0), coalesce(k.driverless, 0), coalesce(d.n, 0)
        FROM range(1, 13) LEFT JOIN k ON k.month = range LEFT JOIN d ON d.month = range
        ORDER BY 1""",
        [],
    )
    incidents = _rows(
        con,
        """SELECT count(*), count(*) FILTER (WHERE i.responsible)
        FROM t_incidents i SEMI JOIN vehicles v ON v.id = i.vehicle_id
        WHERE i.occurred_on BETWEEN ? AND ?""",
        [start, end],
    )[0]
    roads = _rows(
        con,
        """SELECT road_type, count(*), sum(km), count(*) FILTER (WHERE opened_on >= ?)
        FROM t_roads WHERE opened_on <= ? GROUP BY 1 ORDER BY 3 DESC""",
        [start, end],
    )

    def per_1000(n: int) -> float | None:
        return round(n / km * 1000, 3) if km else None

    cumulative = float(sum(row[1] for row in by_year))
    return {
        "year": year,
        "test_subjects": int(subjects),
        "vehicles": int(vehicles),
        "km": round(km, 1),
        "driverless_km": round(float(modes.get("driverless", 0.0)), 1),
        "passenger_km": round(float(modes.get("passenger", 0.0)), 1),
        "night_km": round(float(modes.get("night", 0.0)), 1),
        "safety_driver_km": round(float(modes.get("safety_driver", 0.0)), 1),
        "disengagements": count,
        "km_per_disengagement": _ratio(km, count),
        "disengagements_per_1000_km": per_1000(count),
        "cumulative_km": round(cumulative, 1),
        "by_subject": [
            {
                "uscc": uscc,
                "name": name,
                "vehicles": int(n_vehicles),
                "km": round(float(firm_km), 1),
                "disengagements": int(n),
                "km_per_disengagement": _ratio(float(firm_km), int(n)),
                "disengagements_per_1000_km": (
                    round(int(n) / float(firm_km) * 1000, 3) if firm_km else None
                ),
            }
            for uscc, name, n_vehicles, firm_km, n in by_subject
        ],
        "by_stage": [{"stage": s, "vehicles": int(n)} for s, n in by_stage],
        "by_initiator": [
            {"initiated_by": k, "disengagements": int(n), "per_1000_km": per_1000(int(n))}
            for k, n in by_initiator
        ],
        "by_road_type": [
            {"road_type": k, "disengagements": int(n), "per_1000_km": per_1000(int(n))}
            for k, n in by_road
        ],
        "months": [
            {
                "month": f"{year}-{int(m):02d}",
                "km": round(float(k), 1),
                "driverless_km": round(float(dk), 1),
                "disengagements": int(n),
            }
            for m, k, dk, n in months
        ],
        "years": [
            {
                "year": int(y),
                "km": round(float(k), 1),
                "disengagements": int(n),
                "km_per_disengagement": _ratio(float(k), int(n)),
            }
            for y, k, n in by_year
        ],
        "incidents": {"total": int(incidents[0]), "responsible": int(incidents[1])},
        "roads": [
            {"road_type": t, "segments": int(n), "km": round(float(k), 1), "opened": int(new)}
            for t, n, k, new in roads
        ],
        "open_road_km": round(sum(float(r[2]) for r in roads), 1),
    }


#: The keys of ``yuanqu av report --format json`` (the issue's published shape).
SUMMARY_KEYS = (
    "year",
    "test_subjects",
    "vehicles",
    "km",
    "driverless_km",
    "disengagements",
    "km_per_disengagement",
    "cumulative_km",
)
SUBJECT_KEYS = ("uscc", "vehicles", "km", "disengagements", "km_per_disengagement")


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """The report in the CLI's JSON shape."""
    out = {key: report[key] for key in SUMMARY_KEYS}
    out["by_subject"] = [{k: s[k] for k in SUBJECT_KEYS} for s in report["by_subject"]]
    return out
