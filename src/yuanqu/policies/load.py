"""Reading a year's base inputs from the system of record into Arrow (one row per firm).

Four portable queries (registry, labels as of the period's last day, the statistics summed per
firm and year by the stats service, the policy facts), shaped by DuckDB into
:data:`inputs.BASE_SCHEMA`. Two paths give the same table:

- **columnar**: the four queries in one ADBC read transaction of the committed data
  (:func:`yuanqu.analytics.engine.read_arrow`: a child process on SQLite, the PostgreSQL driver in
  process), with the data versions read at its start and at its end. Used when that is exactly
  what the session sees: the session is bound to an engine (not to a test's connection) and sees
  the same versions, so it holds no uncommitted import (every import bumps its version);
- **the session's own connection** otherwise (its transaction, so its uncommitted writes): Core
  rows, one year at a time, and for one firm (``explain``).

:func:`bases` keeps what the columnar path read, per database, data year and the versions of
the three datasets read (``registry``, ``stats``, ``policy_facts``: see
``core.db.bump_data_version``), in a small LRU: while no import bumps a version, the next page
reads nothing; after an import its key differs, so the figures follow the new data.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date

import duckdb
import pyarrow as pa
from sqlalchemy import Connection, exists, select
from sqlalchemy.orm import Session

from yuanqu.analytics.engine import read_arrow
from yuanqu.core.cache import LruCache
from yuanqu.core.db import DataVersion
from yuanqu.policies.facts import DATASET as FACTS_DATASET
from yuanqu.policies.inputs import BASE_SCHEMA, LABELS
from yuanqu.policies.language.variables import FACTS, STAT_SUMS
from yuanqu.policies.models import PolicyFact
from yuanqu.registry.firms import Enterprise, EnterpriseLabel
from yuanqu.registry.service import label_active
from yuanqu.stats.firms import annual_totals, annual_totals_schema, annual_totals_sql

#: The datasets a base is read from, in the order of a cache key's versions.
DATASETS = ("registry", "stats", FACTS_DATASET)
#: Base tables kept in memory: a data year of 100,000 firms is about 30 MB (two award years of
#: the shipped policies read three data years).
KEPT = 4

_REGISTRY = (
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
_REGISTRY_TYPES = (
    pa.int64(),
    pa.string(),
    pa.string(),
    pa.string(),
    pa.string(),
    pa.string(),
    pa.string(),
    pa.date32(),
    pa.int64(),
)
_VERSIONS_SQL = "SELECT dataset, version FROM data_versions WHERE dataset IN ({})".format(
    ", ".join(f"'{d}'" for d in DATASETS)
)


def _text(column: str) -> str:
    # ADBC's SQLite driver types a column from its first rows (a NULL there types it as an
    # integer): text columns arrive as '' for NULL and '=' + the value otherwise, so an empty
    # string stays an empty string.
    return f"CASE WHEN {column} IS NULL THEN '' ELSE '=' || {column} END AS {column}"


_FIRMS_SQL = (
    "SELECT CAST(id AS BIGINT) AS firm_id, uscc, name, industry_code, industry_section, "
    f"{_text('task_force')}, {_text('sub_area')}, "
    "CASE WHEN established IS NULL THEN '' ELSE CAST(established AS TEXT) END AS established, "
    "CAST(registered_capital_fen AS BIGINT) AS registered_capital_fen FROM enterprises"
)
_LABELS_SQL = (
    "SELECT DISTINCT CAST(enterprise_id AS BIGINT) AS firm_id, label, "
    "COALESCE(CAST(valid_from AS TEXT), '') AS valid_from, "
    "COALESCE(CAST(valid_to AS TEXT), '') AS valid_to FROM enterprise_labels"
)

#: The raw tables of the columnar read, as DuckDB shapes them (an empty read types its columns
#: as the driver likes: cast first).
_RAW = {
    # ``established`` arrives as ISO text ('' for none), parsed by DuckDB.
    "firms": pa.schema(
        [
            (n, pa.string() if n == "established" else t)
            for n, t in zip(_REGISTRY, _REGISTRY_TYPES, strict=True)
        ]
    ),
    "labels": pa.schema(
        [
            ("firm_id", pa.int64()),
            ("label", pa.string()),
            ("valid_from", pa.string()),
            ("valid_to", pa.string()),
        ]
    ),
    "facts": pa.schema(
        [
            ("firm_id", pa.int64()),
            ("year", pa.int64()),
            ("fact", pa.string()),
            ("value", pa.int64()),
        ]
    ),
    "stats": annual_totals_schema(STAT_SUMS),
}


@dataclass
class Reads:
    """How bases were read, for tests and the benchmark: columnar reads (each of one or more
    data years) and years read through the session."""

    columnar: int = 0
    session: int = 0


READS = Reads()
_BASES: LruCache[pa.Table] = LruCache(KEPT)
_read_lock = threading.Lock()


def load_base(session: Session, year: int, *, uscc: str | None = None) -> pa.Table:
    """Base columns for every firm (or one firm) for the calendar year ``year``, read now (not
    cached: :func:`bases` is the cached read)."""
    if uscc is not None:
        return read_through_session(session, year, uscc=uscc)
    return load_bases(session, [year])[year]


def load_bases(session: Session, years: Iterable[int]) -> dict[int, pa.Table]:
    """Base columns of every firm for each data year, read now: columnar when the session sees
    the committed data, else through the session."""
    years = sorted(set(years))
    seen = _session_versions(session)
    read = _columnar(session, years, seen)
    if read is not None:
        return read
    return {year: read_through_session(session, year) for year in years}


def bases(session: Session, years: Iterable[int]) -> dict[int, pa.Table]:
    """Base columns of every firm for each data year, from the in-process cache when no version
    changed since they were read (a cold read keeps them for the next call)."""
    years = sorted(set(years))
    key, seen = _cache_key(session)
    if key is None:
        return load_bases(session, years)
    found = {y: _BASES.get((key, y)) for y in years}
    missing = [y for y, table in found.items() if table is None]
    if not missing:
        return found  # type: ignore[return-value]  # every year found
    with _read_lock:  # concurrent cold pages: one reads, the others find its tables
        found.update({y: _BASES.get((key, y)) for y in missing})
        missing = [y for y, table in found.items() if table is None]
        if missing:
            read = _columnar(session, missing, seen)
            if read is None:  # the committed data moved on since the key was read
                read = {y: read_through_session(session, y) for y in missing}
            else:
                for y, table in read.items():
                    _BASES.get_or_compute((key, y), lambda t=table: t)
            found.update(read)
    return found  # type: ignore[return-value]  # every year read


def clear_cache() -> None:
    """Forget the cached bases (the benchmark's cold runs; tests)."""
    _BASES.clear()


def cache_key(session: Session) -> tuple[str, tuple[Hashable, ...]] | None:
    """What a cached base is valid for: the database and the versions of its datasets as the
    session sees them. None when the base cannot be cached: the session is bound to a
    connection (a test's rolled-back transaction), the registry or the statistics have no
    version, or facts were written without one (rows added by hand, which no version tracks).
    A zone that never had a fact keys its facts as ``"none"``."""
    return _cache_key(session)[0]


def _cache_key(
    session: Session,
) -> tuple[tuple[str, tuple[Hashable, ...]] | None, dict[str, int | None]]:
    bind = session.get_bind()
    if isinstance(bind, Connection):
        return None, {}
    versions = _session_versions(session)
    if versions["registry"] is None or versions["stats"] is None:
        return None, versions
    facts: Hashable = versions[FACTS_DATASET]
    if facts is None:
        if session.scalar(select(exists().where(PolicyFact.id.is_not(None)))):
            return None, versions  # facts written without a version: nothing to key them by
        facts = "none"
    url = bind.url.render_as_string(hide_password=True)
    return (url, (versions["registry"], versions["stats"], facts)), versions


def _session_versions(session: Session) -> dict[str, int | None]:
    found = dict(
        session.execute(
            select(DataVersion.dataset, DataVersion.version).where(
                DataVersion.dataset.in_(DATASETS)
            )
        ).all()
    )
    return {d: (None if found.get(d) is None else int(found[d])) for d in DATASETS}


def _columnar(
    session: Session, years: list[int], seen: dict[str, int | None]
) -> dict[int, pa.Table] | None:
    """The bases read by ADBC, or None when that read would not show what the session sees."""
    bind = session.get_bind()
    if isinstance(bind, Connection) or bind.dialect.name not in ("sqlite", "postgresql"):
        return None
    url = bind.url.render_as_string(hide_password=False)
    # A unit of work with its own uncommitted import sees other versions than the committed
    # data: a read of the versions alone (a few ms) saves reading every firm for nothing.
    if _read_versions(read_arrow(url, {"versions": _VERSIONS_SQL})["versions"]) != seen:
        return None
    data_years = sorted({y for year in years for y in (year - 1, year)})
    facts_in = ", ".join(str(int(y)) for y in years)
    queries = {
        "versions_first": _VERSIONS_SQL,
        "firms": _FIRMS_SQL,
        "labels": _LABELS_SQL,
        "stats": annual_totals_sql(years=data_years, measures=STAT_SUMS),
        "facts": "SELECT CAST(enterprise_id AS BIGINT) AS firm_id, CAST(year AS BIGINT) AS year, "
        f"fact, CAST(value AS BIGINT) AS value FROM policy_facts WHERE year IN ({facts_in})",
        "versions_last": _VERSIONS_SQL,
    }
    raw = read_arrow(url, queries)
    first, last = (_read_versions(raw[name]) for name in ("versions_first", "versions_last"))
    if first != last or first != seen:
        return None
    READS.columnar += 1
    return _shape_read(raw, years)


def _read_versions(table: pa.Table) -> dict[str, int | None]:
    found = dict(zip(table.column(0).to_pylist(), table.column(1).to_pylist(), strict=True))
    return {d: (None if found.get(d) is None else int(found[d])) for d in DATASETS}


def _shape_read(raw: dict[str, pa.Table], years: list[int]) -> dict[int, pa.Table]:
    """The columnar read's raw tables as the four relations of :func:`base_sql`, each year
    shaped in one DuckDB connection (text columns decoded, dates parsed, labels as of the
    year's last day)."""
    con = duckdb.connect()
    try:
        for name, schema in _RAW.items():
            con.register(f"raw_{name}", raw[name].rename_columns(schema.names).cast(schema))
        text = lambda c: f"CASE WHEN {c} = '' THEN NULL ELSE substr({c}, 2) END AS {c}"  # noqa: E731
        con.execute(
            "CREATE TEMP TABLE firms AS SELECT CAST(firm_id AS BIGINT) AS firm_id, "
            "CAST(uscc AS VARCHAR) AS uscc, CAST(name AS VARCHAR) AS name, "
            "CAST(industry_code AS VARCHAR) AS industry_code, "
            "CAST(industry_section AS VARCHAR) AS industry_section, "
            f"{text('task_force')}, {text('sub_area')}, "
            "CAST(nullif(established, '') AS DATE) AS established, "
            "CAST(registered_capital_fen AS BIGINT) AS registered_capital_fen FROM raw_firms"
        )
        con.execute("CREATE OR REPLACE TEMP VIEW stats AS SELECT * FROM raw_stats")
        out = {}
        for year in years:
            end = date(year, 12, 31).isoformat()
            con.execute(
                "CREATE OR REPLACE TEMP VIEW labels AS SELECT DISTINCT firm_id, "
                "CAST(label AS VARCHAR) AS label FROM raw_labels "
                f"WHERE (valid_from = '' OR valid_from <= '{end}') "
                f"AND (valid_to = '' OR valid_to >= '{end}')"
            )
            con.execute(
                "CREATE OR REPLACE TEMP VIEW facts AS SELECT firm_id, "
                "CAST(fact AS VARCHAR) AS fact, CAST(value AS BIGINT) AS value "
                f"FROM raw_facts WHERE year = {int(year)}"
            )
            sql = f"{base_sql(year)} ORDER BY uscc"  # the engine ranks by credit code
            out[year] = con.sql(sql).to_arrow_table().cast(BASE_SCHEMA)
        return out
    finally:
        con.close()


def _arrow(rows, names: Iterable[str], types: Iterable[pa.DataType]) -> pa.Table:
    names, types = list(names), list(types)
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return pa.table({n: pa.array(c, type=t) for n, c, t in zip(names, columns, types, strict=True)})


def _rows(session: Session, query) -> list:
    # Core rows on the session's own connection (its transaction, so its uncommitted writes):
    # the ORM's per-row loading costs more than the query for 100,000 firms.
    return session.connection().execute(query).all()


def read_through_session(session: Session, year: int, *, uscc: str | None = None) -> pa.Table:
    """The base of ``year`` read through the session (every firm, or one): Core rows on its own
    connection, so its uncommitted writes count."""
    READS.session += 1
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
    firms = _arrow(_rows(session, firms_q), _REGISTRY, _REGISTRY_TYPES)
    ids = firms.column("firm_id").to_pylist() if uscc is not None else None

    labels_q = select(EnterpriseLabel.enterprise_id, EnterpriseLabel.label).where(label_active(end))
    if ids is not None:
        labels_q = labels_q.where(EnterpriseLabel.enterprise_id.in_(ids))
    labels = _arrow(
        _rows(session, labels_q.distinct()), ["firm_id", "label"], [pa.int64(), pa.string()]
    )

    # The statistics domain owns the monthly reports: its service sums them per firm and year.
    stats = annual_totals(session, years=(year - 1, year), measures=STAT_SUMS, enterprise_ids=ids)

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
    try:
        for name, table in (
            ("firms", firms),
            ("labels", labels),
            ("stats", stats),
            ("facts", facts),
        ):
            con.register(name, table)
        sql = f"{base_sql(year)} ORDER BY uscc"  # the engine ranks by credit code
        return con.sql(sql).to_arrow_table().cast(BASE_SCHEMA)
    finally:
        con.close()


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
    derived = {
        **{name: f"r.{name}" for name in _REGISTRY},
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
