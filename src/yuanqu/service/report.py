"""The desk's yearly report, computed on the columnar engine (DuckDB over Arrow), not row by row.

The three rates of a service desk, over the requests received in the year:

* 响应率 (response rate): signed for within the limit, of the requests dispatched to a unit;
* 解决率 (resolution rate): solved, of the requests followed up;
* 满意率 (satisfaction rate): satisfied or basically satisfied, of the requests followed up;

with the share closed, the requests overdue (closed after the deadline, or open past it), and the
median and 90th percentile of the hours from receipt to closing; in total and by unit, type, task
force, channel and month, with the top types and the firms that came back more than once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from yuanqu.analytics.engine import read_arrow
from yuanqu.analytics.tables import duck
from yuanqu.core.errors import ValidationError
from yuanqu.service import catalogue, units
from yuanqu.service.models import Channel, RequestType
from yuanqu.service.requests import local_now

#: The columns the report reads, in order; the times are local.
COLUMNS = (
    "uscc",
    "firm_name",
    "task_force",
    "channel",
    "type",
    "owner_unit",
    "received_at",
    "sign_due_at",
    "signed_at",
    "closed_at",
    "due_at",
    "solved",
    "satisfaction",
)
# A boolean is 0/1 on SQLite and true/false on PostgreSQL: read it as a number on both.
SELECTED = {"solved": "CASE WHEN solved THEN 1 WHEN NOT solved THEN 0 END AS solved"}
TIMES = {"received_at", "sign_due_at", "signed_at", "closed_at", "due_at"}

GROUPS = {
    "unit": "owner_unit",
    "type": "type",
    "task_force": "task_force",
    "channel": "channel",
    "month": "month",
}

_METRICS = """
    count(*) AS tickets,
    count(closed_at) AS closed,
    count(sign_due_at) AS dispatched,
    count_if(signed_at IS NOT NULL AND signed_at <= sign_due_at) AS signed_in_time,
    count(solved) AS followed,
    count_if(solved) AS solved,
    count(satisfaction) AS rated,
    count_if(satisfaction IN ('satisfied', 'basically')) AS satisfied,
    count_if(overdue) AS overdue,
    quantile_cont(hours_to_close, 0.5) AS median_hours,
    quantile_cont(hours_to_close, 0.9) AS p90_hours
"""


def read_year(session: Session, year: int) -> pa.Table:
    """The year's requests as Arrow.

    Read columnar through ADBC (:func:`yuanqu.analytics.engine.read_arrow`) when the session is
    bound to an engine and has written nothing (a page, the CLI: the report reads committed
    data); else through the session's own connection (inside a unit of work, in tests).
    """
    sql = (
        f"SELECT {', '.join(SELECTED.get(c, c) for c in COLUMNS)} FROM service_requests "
        f"WHERE received_at >= '{year:04d}-01-01' AND received_at < '{year + 1:04d}-01-01'"
    )
    bind = session.get_bind()
    if isinstance(bind, Engine) and not (session.new or session.dirty or session.deleted):
        url = bind.url.render_as_string(hide_password=False)
        return _typed(read_arrow(url, {"requests": sql})["requests"])
    rows = session.connection().exec_driver_sql(sql).fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in COLUMNS]
    return _typed(
        pa.table(
            [
                pa.array(values, type=pa.int8() if name == "solved" else None)
                if values
                else pa.array([], type=pa.string())
                for name, values in zip(COLUMNS, columns, strict=True)
            ],
            names=list(COLUMNS),
        )
    )


def _typed(table: pa.Table) -> pa.Table:
    """Times as timestamps (SQLite gives text), solved as a boolean, the rest as text."""
    arrays = []
    for name in COLUMNS:
        array = table.column(name)
        if name in TIMES:
            if not pa.types.is_timestamp(array.type):
                array = pc.cast(array.cast(pa.string()), pa.timestamp("us"))
            elif array.type.tz is not None:  # never written so, but not to be misread
                array = array.cast(pa.timestamp("us"))
        elif name == "solved":
            array = array.cast(pa.int8()).cast(pa.bool_())
        else:
            array = array.cast(pa.string())
        arrays.append(array)
    return pa.table(arrays, names=list(COLUMNS))


def _pct(part: int | None, whole: int | None) -> float | None:
    return round(100.0 * (part or 0) / whole, 1) if whole else None


def _hours(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "tickets": int(row["tickets"] or 0),
        "closed": int(row["closed"] or 0),
        "closed_pct": _pct(row["closed"], row["tickets"]),
        "response_rate_pct": _pct(row["signed_in_time"], row["dispatched"]),
        "resolution_rate_pct": _pct(row["solved"], row["followed"]),
        "satisfaction_rate_pct": _pct(row["satisfied"], row["rated"]),
        "overdue": int(row["overdue"] or 0),
        "median_hours": _hours(row["median_hours"]),
        "p90_hours": _hours(row["p90_hours"]),
    }


def compute(table: pa.Table, *, as_of: datetime) -> dict[str, Any]:
    """Every figure of the report from the year's rows, in two DuckDB queries."""
    conn = duck()
    try:
        conn.register("raw", table)
        conn.execute(
            """
            CREATE TEMP VIEW r AS SELECT *,
                CASE WHEN closed_at IS NOT NULL THEN closed_at > due_at
                     ELSE due_at < TIMESTAMP '{moment}' END AS overdue,
                date_diff('second', received_at, closed_at) / 3600.0 AS hours_to_close,
                strftime(received_at, '%Y-%m') AS month
            FROM raw
            """.replace("{moment}", as_of.replace(microsecond=0).isoformat(sep=" "))
        )  # as_of is a datetime, never a reader's text
        sets = ", ".join(f"({column})" for column in GROUPS.values())
        keys = ", ".join(f"GROUPING({column}) AS g_{name}" for name, column in GROUPS.items())
        cursor = conn.execute(
            f"""
            SELECT {", ".join(f"{c} AS k_{n}" for n, c in GROUPS.items())}, {keys}, {_METRICS}
            FROM r GROUP BY GROUPING SETS ((), {sets})
            """
        )
        names = [d[0] for d in cursor.description]
        grouped = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
        repeat = conn.execute(
            """
            WITH per_type AS (
                SELECT uscc, type, any_value(firm_name) AS firm_name, count(*) AS n
                FROM r WHERE uscc IS NOT NULL GROUP BY uscc, type
            ), per_firm AS (
                SELECT uscc, any_value(firm_name) AS firm_name, sum(n) AS requests,
                       count(*) AS types, arg_max(type, n) AS main_type, max(n) AS most
                FROM per_type GROUP BY uscc HAVING sum(n) > 1
            )
            SELECT *, count(*) OVER () AS firms, sum(requests) OVER () AS all_requests
            FROM per_firm ORDER BY requests DESC, uscc LIMIT 20
            """
        ).fetchall()
    finally:
        conn.close()
    total: dict[str, Any] = {}
    by: dict[str, list[dict[str, Any]]] = {name: [] for name in GROUPS}
    for row in grouped:
        ungrouped = [name for name in GROUPS if row[f"g_{name}"] == 0]
        if not ungrouped:
            total = _figures(row)
        else:
            (name,) = ungrouped
            by[name].append({"key": row[f"k_{name}"], **_figures(row)})
    return {
        "total": total or _figures(dict.fromkeys(_figure_keys(), 0) | _no_hours()),
        "by": by,
        "repeat": [
            {
                "uscc": uscc,
                "firm_name": firm,
                "requests": int(n),
                "types": int(types),
                "main_type": main,
                "most_of_one_type": int(same),
            }
            for uscc, firm, n, types, main, same, _firms, _all in repeat
        ],
        "repeat_firms": int(repeat[0][6]) if repeat else 0,
        "repeat_requests": int(repeat[0][7]) if repeat else 0,
    }


def _figure_keys() -> tuple[str, ...]:
    return (
        "tickets",
        "closed",
        "dispatched",
        "signed_in_time",
        "followed",
        "solved",
        "rated",
        "satisfied",
        "overdue",
    )


def _no_hours() -> dict[str, Any]:
    return {"median_hours": None, "p90_hours": None}


def yearly_report(
    session: Session, *, year: int, lang: str = "zh", as_of: datetime | None = None
) -> dict[str, Any]:
    """The report of the requests received in ``year``, every group named in ``lang``."""
    if not 2000 <= year <= 2100:
        raise ValidationError(
            f"年份 {year} 无效", f"year {year} is not valid", details={"field": "year"}
        )
    figures = compute(read_year(session, year), as_of=as_of or local_now())
    return shape(session, year, figures, lang)


def shape(session: Session, year: int, figures: dict[str, Any], lang: str) -> dict[str, Any]:
    """Order the groups, give every code its name in ``lang``."""
    from yuanqu.registry.service import list_task_forces

    unit_order = {code: i for i, code in enumerate(units.all_units(session))}
    forces = {f.code: (f.name_en if lang == "en" else f.name_zh) for f in list_task_forces(session)}
    none_zh_en = ("（未派单）", "(not dispatched)")
    by = figures["by"]

    def named(
        rows: list[dict[str, Any]], name_of: Any, order: Any, field: str = "code"
    ) -> list[dict[str, Any]]:
        ordered = sorted(rows, key=order)
        return [
            {field: r["key"], "name": name_of(r["key"])}
            | {k: v for k, v in r.items() if k != "key"}
            for r in ordered
        ]

    def unit_name(code: str | None) -> str:
        if code is None:
            return none_zh_en[lang == "en"]
        return units.unit_name(session, code, lang)

    type_rank = {t.value: i for i, t in enumerate(RequestType)}
    channel_rank = {c.value: i for i, c in enumerate(Channel)}
    by_unit = named(
        by["unit"], unit_name, lambda r: (-r["tickets"], unit_order.get(r["key"], 999)), "unit"
    )
    by_type = named(
        by["type"],
        lambda k: catalogue.name(RequestType, k, lang),
        lambda r: (-r["tickets"], type_rank.get(r["key"], 99)),
    )
    by_force = named(
        by["task_force"],
        lambda k: forces.get(k, k) if k else ("no task force" if lang == "en" else "无专班"),
        lambda r: (r["key"] is None, -r["tickets"]),
    )
    by_channel = named(
        by["channel"],
        lambda k: catalogue.name(Channel, k, lang),
        lambda r: channel_rank.get(r["key"], 99),
    )
    by_month = named(by["month"], lambda k: k, lambda r: r["key"], "month")
    repeat = figures["repeat"]
    for row in repeat:
        row["main_type_name"] = catalogue.name(RequestType, row["main_type"], lang)
    return {
        "year": year,
        **figures["total"],
        "by_unit": by_unit,
        "by_type": by_type,
        "by_task_force": by_force,
        "by_channel": by_channel,
        "by_month": by_month,
        "top_types": by_type[:5],
        "repeat_firms": figures["repeat_firms"],
        "repeat_requests": figures["repeat_requests"],
        "repeat": repeat,
    }


#: The keys of ``yuanqu service report --format json`` (the issue's shape).
CLI_KEYS = (
    "year",
    "tickets",
    "closed",
    "closed_pct",
    "response_rate_pct",
    "resolution_rate_pct",
    "satisfaction_rate_pct",
    "overdue",
    "by_unit",
    "by_type",
)
