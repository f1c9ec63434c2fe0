"""Reading a year's base inputs from the system of record into Arrow (one row per firm).

Four portable queries (registry, labels as of the period's last day, the statistics summed per
firm and year by the stats service, the policy facts), shaped by DuckDB into
:data:`inputs.BASE_SCHEMA`. They run in the caller's session, so a unit of work sees its own
uncommitted writes.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from yuanqu.policies.inputs import BASE_SCHEMA, LABELS
from yuanqu.policies.models import PolicyFact
from yuanqu.policies.variables import FACTS, STAT_SUMS
from yuanqu.registry.models import Enterprise, EnterpriseLabel
from yuanqu.registry.service import label_active
from yuanqu.stats.service import annual_totals


def _arrow(rows, names: list[str], types: list[pa.DataType]) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return pa.table({n: pa.array(c, type=t) for n, c, t in zip(names, columns, types, strict=True)})


def _rows(session: Session, query) -> list:
    # Core rows on the session's own connection (its transaction, so its uncommitted writes):
    # the ORM's per-row loading costs more than the query for 100,000 firms.
    return session.connection().execute(query).all()


def load_base(session: Session, year: int, *, uscc: str | None = None) -> pa.Table:
    """Base columns for every firm (or one firm) for the calendar year ``year``."""
    end = date(year, 12, 31)
    firms_q = select(
        Enterprise.id,
        Enterprise.uscc,
        Enterprise.name,
        Enterprise.industry_code,
        Enterprise.industry_section,
        Enterprise.task_force,
        Enterprise.sub_area,
        Enterprise.established,
        Enterprise.registered_capital_fen,
    )
    if uscc is not None:
        firms_q = firms_q.where(Enterprise.uscc == uscc)
    firms = _arrow(
        _rows(session, firms_q),
        [
            "firm_id",
            "uscc",
            "name",
            "industry_code",
            "industry_section",
            "task_force",
            "sub_area",
            "established",
            "registered_capital_fen",
        ],
        [
            pa.int64(),
            pa.string(),
            pa.string(),
            pa.string(),
            pa.string(),
            pa.string(),
            pa.string(),
            pa.date32(),
            pa.int64(),
        ],
    )
    ids = firms.column("firm_id").to_pylist() if uscc is not None else None

    labels_q = select(EnterpriseLabel.enterprise_id, EnterpriseLabel.label).where(label_active(end))
    if ids is not None:
        labels_q = labels_q.where(EnterpriseLabel.enterprise_id.in_(ids))
    labels = _arrow(
        _rows(session, labels_q.distinct()), ["firm_id", "label"], [pa.int64(), pa.string()]
    )

    # The statistics domain owns the monthly reports: its service sums them per firm and year.
    stats = annual_totals(
        session, years=(year - 1, year), measures=STAT_SUMS, enterprise_ids=ids
    ).rename_columns(["firm_id", "year", *STAT_SUMS, "employees"])

    facts_q = select(PolicyFact.enterprise_id, PolicyFact.fact, PolicyFact.value).where(
        PolicyFact.year == year
    )
    if ids is not None:
        facts_q = facts_q.where(PolicyFact.enterprise_id.in_(ids))
    facts = _arrow(
        _rows(session, facts_q),
        ["firm_id", "fact", "value"],
        [pa.int64(), pa.string(), pa.int64()],
    )
    return shape_base(firms, labels, stats, facts, year)


def shape_base(
    firms: pa.Table, labels: pa.Table, stats: pa.Table, facts: pa.Table, year: int
) -> pa.Table:
    """Join the four raw tables into the base schema (vectorised in DuckDB)."""
    con = duckdb.connect()
    for name, table in (("firms", firms), ("labels", labels), ("stats", stats), ("facts", facts)):
        con.register(name, table)
    sql = f"{base_sql(year)} ORDER BY firm_id"
    return con.sql(sql).to_arrow_table().cast(BASE_SCHEMA)


def base_sql(
    year: int,
    *,
    firms: str = "firms",
    labels: str = "labels",
    stats: str = "stats",
    facts: str = "facts",
) -> str:
    """The base columns of :data:`BASE_SCHEMA` for ``year`` from four raw relations: ``firms``
    (the registry columns of :func:`load_base`), ``labels`` (firm_id, label: the labels held at
    the period end), ``stats`` (firm_id, year, the :data:`STAT_SUMS` in fen, employees: one row
    per firm and year reported) and ``facts`` (firm_id, fact, value: the year's facts).

    Plain SQL: DuckDB runs it over the Arrow tables read from the system of record, Spark
    (transpiled) over the exported Parquet dataset (:mod:`yuanqu.policies.spark_runner`)."""
    label_cols = ", ".join(f"bool_or(label = '{label}') AS label_{label}" for label in LABELS)
    fact_cols = ", ".join(
        f"max(CASE WHEN fact = '{f.name}' THEN value END) AS fact_{f.name}" for f in FACTS
    )
    registry = (
        "firm_id",
        "uscc",
        "name",
        "industry_code",
        "industry_section",
        "task_force",
        "sub_area",
        "established",
        "registered_capital_fen",
    )
    derived = {
        **{name: f"r.{name}" for name in registry},
        "size": "CAST(NULL AS VARCHAR)",
        **{f"label_{label}": f"l.label_{label}" for label in LABELS},
        **{f"{n}_fen": f"s.{n}" for n in STAT_SUMS},
        "revenue_prev_fen": "p.revenue",
        "rd_expense_prev_fen": "p.rd_expense",
        "value_added_prev_fen": "p.value_added",
        "employees_stats": "s.employees",
        **{f"fact_{f.name}": f"f.fact_{f.name}" for f in FACTS},
    }
    columns = ", ".join(f'{derived[c.name]} AS "{c.name}"' for c in BASE_SCHEMA)
    return f"""
    WITH l AS (SELECT firm_id, {label_cols} FROM {labels} GROUP BY firm_id),
         f AS (SELECT firm_id, {fact_cols} FROM {facts} GROUP BY firm_id),
         s AS (SELECT * FROM {stats} WHERE year = {int(year)}),
         p AS (SELECT * FROM {stats} WHERE year = {int(year) - 1})
    SELECT {columns}
    FROM {firms} r LEFT JOIN l ON l.firm_id = r.firm_id LEFT JOIN s ON s.firm_id = r.firm_id
         LEFT JOIN p ON p.firm_id = r.firm_id LEFT JOIN f ON f.firm_id = r.firm_id"""
