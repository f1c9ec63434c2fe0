"""The inputs of an evaluation: one Arrow row per firm with the *base* columns, and the DuckDB
SQL that turns them into the catalogue's variables (integers at a known scale).

Base columns hold what the system of record holds: money in integer fen, counts as integers,
dates, codes, label flags; a NULL is a missing figure. :func:`variables_select` converts them,
exactly, into catalogue variables: money stays integer fen, counts integers, shares are exact
divisions floored to 10 places held as integers at scale 10. The batch evaluation and ``explain``
both read the variables through that one query (``explain`` through :func:`to_values`, which turns
the integers into exact decimals), so they cannot disagree on an input.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa

from yuanqu.core.industry import industry_catalog
from yuanqu.policies.language.expressions import NUMBER, SCALE, quote_ident, sql_text
from yuanqu.policies.language.sqlgen import Num, divide
from yuanqu.policies.language.variables import FACTS, STAT_SUMS, VARIABLES, declared_range
from yuanqu.registry.firms import LABEL_NAMES

LABELS = tuple(str(label) for label in LABEL_NAMES)

#: Base column -> Arrow type. Fen and counts are int64; NULL means missing.
BASE_SCHEMA = pa.schema(
    [
        ("firm_id", pa.int64()),
        ("uscc", pa.string()),
        ("name", pa.string()),
        ("industry_code", pa.string()),
        ("industry_section", pa.string()),
        ("task_force", pa.string()),
        ("sub_area", pa.string()),
        ("size", pa.string()),
        ("established", pa.date32()),
        ("registered_capital_fen", pa.int64()),
        *((f"label_{label}", pa.bool_()) for label in LABELS),
        *((f"{name}_fen", pa.int64()) for name in STAT_SUMS),
        ("revenue_prev_fen", pa.int64()),
        ("rd_expense_prev_fen", pa.int64()),
        ("value_added_prev_fen", pa.int64()),
        ("employees_stats", pa.int64()),
        *((f"fact_{fact.name}", pa.int64()) for fact in FACTS),
    ]
)


#: The scale of each numeric variable's integer column: money in fen (2), counts (0), shares
#: and percentages (10: exact divisions floored to 10 places).
_UNIT_SCALES = {"yuan": 2, "share": 10, "percent": 10, "persons": 0, "count": 0, "years": 0}


def scale_of(name: str) -> int:
    return _UNIT_SCALES[VARIABLES[name].unit]


def column_of(name: str, type_: str) -> tuple[str, int]:
    """A variable's column and scale, for :func:`yuanqu.policies.language.sqlgen.compile_node`."""
    return quote_ident(name), scale_of(name) if type_ == NUMBER else 0


def to_values(row: dict[str, Any]) -> dict[str, Any]:
    """A row of the variables table as catalogue values: integers at their scale become exact
    ``Decimal`` (fen -> yuan), as ``explain`` reads them."""
    out = dict(row)
    for name, value in row.items():
        variable = VARIABLES.get(name)
        if variable is not None and variable.type == NUMBER and value is not None:
            out[name] = Decimal(int(value)).scaleb(-scale_of(name))
    return out


def variables_select(source: str, period_end: date, *, keep: Sequence[str] = ()) -> str:
    """SELECT turning the base columns of ``source`` into the catalogue's variables, as integers
    at each variable's scale (plain SQL: it runs on DuckDB and, transpiled, on Spark); ``keep``:
    columns of ``source`` passed through as they are."""
    q = quote_ident
    end = f"DATE {sql_text(period_end.isoformat())}"
    money = lambda sql: Num(sql, 2)  # noqa: E731
    count = lambda sql: Num(sql, 0)  # noqa: E731
    revenue = "coalesce(revenue_fen, fact_annual_revenue)"
    rd = "coalesce(rd_expense_fen, fact_annual_rd_expense)"
    rd_prev = "coalesce(rd_expense_prev_fen, fact_annual_rd_expense_prev)"
    employees = "coalesce(employees_stats, fact_annual_employees)"
    growth = divide(money("value_added_fen"), money("value_added_prev_fen")).sql
    columns = [
        *map(quote_ident, keep),
        "firm_id",
        "uscc",
        "name",
        "size",
        "industry_code",
        "industry_section",
        "task_force",
        "sub_area",
        f"""CAST(CASE WHEN established IS NULL OR established > {end} THEN NULL ELSE
            (year({end}) - year(established)) - CASE WHEN month({end}) * 100 + day({end})
            < month(established) * 100 + day(established) THEN 1 ELSE 0 END
        END AS BIGINT) AS years_since_established""",
        "registered_capital_fen AS registered_capital",
        *(f"coalesce({q('label_' + label)}, FALSE) AS {q('label_' + label)}" for label in LABELS),
        f"{revenue} AS revenue",
        f"{rd} AS rd_expense",
        *(
            f"{q(name + '_fen')} AS {q(name)}"
            for name in STAT_SUMS
            if name not in ("revenue", "rd_expense")
        ),
        "revenue_prev_fen AS revenue_prev",
        f"{rd_prev} AS rd_expense_prev",
        "value_added_prev_fen AS value_added_prev",
        f"{employees} AS employees",
        f"{divide(money(rd), money(revenue)).sql} AS rd_ratio",
        f"""CASE WHEN value_added_prev_fen > 0 THEN ({growth} - {10**SCALE}) * 100
            ELSE NULL END AS value_added_yoy_pct""",
        f"{rd} - {rd_prev} AS rd_expense_growth",
        "fact_tech_staff AS tech_staff",
        f"{divide(count('fact_tech_staff'), count(employees)).sql} AS tech_staff_share",
        "fact_high_tech_product_revenue AS high_tech_product_revenue",
        f"{divide(money('fact_high_tech_product_revenue'), money(revenue)).sql}"
        " AS high_tech_product_share",
        *(
            f"{q('fact_' + name)} AS {q(name)}"
            for name in (
                "invention_patents",
                "class2_ip",
                "clinical_trials_approved",
                "rockets_launched",
                "satellites_delivered",
            )
        ),
        "fact_tech_insurance_premium AS tech_insurance_premium",
        # A firm the zone has not graded is 0, never missing: not being graded decides nothing.
        "coalesce(fact_mu_grade, 0) AS mu_grade",
    ]
    inner = f"SELECT {', '.join(columns)} FROM {source}"
    return f"SELECT {', '.join(_in_range(c) for c in columns)} FROM ({inner}) AS read_values"


def _in_range(column: str) -> str:
    """A column of the variables table; a number outside its declared range reads as missing
    (the range `policy check` proved every policy safe for: see ``DECLARED_RANGES``)."""
    name = column.rsplit(" AS ", 1)[-1].strip()
    bare = name.strip('"')
    bounds = declared_range(bare) if bare in VARIABLES else None
    if bounds is None:
        return name
    scale = scale_of(bare)
    low, high = (int(b.scaleb(scale)) for b in bounds)
    return f"CASE WHEN {name} BETWEEN {low} AND {high} THEN {name} END AS {name}"


def base_table(rows: list[dict[str, Any]]) -> pa.Table:
    """An Arrow table of base columns from dicts (absent keys are NULL)."""
    columns = {f.name: [row.get(f.name) for row in rows] for f in BASE_SCHEMA}
    return pa.table(columns, schema=BASE_SCHEMA)


def base_row_from_values(values: dict[str, Any], *, firm_id: int, uscc: str) -> dict[str, Any]:
    """A base row from catalogue-style values (money in yuan), as golden cases write them.

    Keys may be catalogue variables of source registry/label/stats/facts (not derived ones), or
    ``established`` (a date) and ``size``.
    """
    from yuanqu.policies.language.variables import FACT_NAMES, VARIABLES

    row: dict[str, Any] = {"firm_id": firm_id, "uscc": uscc, "name": uscc, "industry_section": None}
    for key, value in values.items():
        if key in (
            "industry_code",
            "industry_section",
            "task_force",
            "sub_area",
            "size",
            "established",
        ):
            row[key] = value
        elif key.startswith("label_"):
            row[key] = bool(value)
        elif key == "registered_capital":
            row["registered_capital_fen"] = _fen(value)
        elif key in STAT_SUMS or key in ("revenue_prev", "rd_expense_prev", "value_added_prev"):
            row[f"{key}_fen"] = None if value is None else _fen(value)
        elif key == "employees":
            row["employees_stats"] = None if value is None else int(value)
        elif key in FACT_NAMES:
            unit = FACT_NAMES[key].unit
            row[f"fact_{key}"] = (
                None if value is None else (_fen(value) if unit == "fen" else int(value))
            )
        else:
            known = VARIABLES.get(key)
            raise ValueError(
                f"{key} cannot be given as an input"
                + (
                    " (it is derived from other inputs)"
                    if known and known.source == "derived"
                    else ""
                )
            )
    if row.get("industry_code") and not row.get("industry_section"):
        row["industry_section"] = industry_catalog().section_of(str(row["industry_code"]))
    return row


def _fen(value: Any) -> int:
    if value is None:
        return None  # type: ignore[return-value]
    if isinstance(value, float | bool):
        raise TypeError("amounts must not be floats")
    amount = Decimal(str(value)) * 100
    if amount != amount.to_integral_value():
        raise ValueError(f"{value} yuan is not a whole number of fen")
    return int(amount)
