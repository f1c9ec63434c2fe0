"""The statistics snapshot in the columnar engine: which tables, how scopes and breakdowns are
expressed in SQL. The verbs in :mod:`yuanqu.stats.service` run on it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from yuanqu.analytics import spark
from yuanqu.analytics.choice import DUCKDB, EngineChoice
from yuanqu.analytics.engine import CACHE, LoadedData, TableSpec, version_key
from yuanqu.core.config import get_settings
from yuanqu.core.db import DataVersion
from yuanqu.core.errors import ValidationError
from yuanqu.registry.firms import Label
from yuanqu.stats.indicators import INDICATORS, Indicator, compile_expression
from yuanqu.stats.models import MEASURE_FIELDS
from yuanqu.stats.windows import Measure, ytd_sql

Breakdown = Literal[
    "leading_industry", "section", "division", "industry_class", "sub_area", "task_force", "label"
]
BREAKDOWNS: tuple[str, ...] = (
    "leading_industry",
    "section",
    "division",
    "industry_class",
    "sub_area",
    "task_force",
    "label",
)
#: The breakdowns of the full bulletin (the industry class is available but too fine to print).
BULLETIN_BREAKDOWNS: tuple[str, ...] = (
    "leading_industry",
    "section",
    "division",
    "sub_area",
    "task_force",
    "label",
)
#: The group of firms outside every group of a partition (no sub-area, no leading industry...).
OTHER = "other"

_MEASURE_SQL = ", ".join(
    f"CAST(r.{c} AS BIGINT) AS {c}"
    for c in (f if f == "employees" else f"{f}_fen" for f in MEASURE_FIELDS)
)

# Text columns are COALESCEd in the source SQL: ADBC's SQLite driver infers a column's type from
# its first rows, and a NULL there would type the column as an integer.
TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "firms",
        "SELECT id, uscc, name, industry_code, industry_section, "
        "COALESCE(sub_area, '') AS sub_area, COALESCE(task_force, '') AS task_force "
        "FROM enterprises",
        "SELECT CAST(id AS BIGINT) AS id, CAST(uscc AS VARCHAR) AS uscc, "
        "CAST(name AS VARCHAR) AS name, CAST(industry_code AS VARCHAR) AS industry_code, "
        "CAST(industry_section AS VARCHAR) AS section, "
        "substr(CAST(industry_code AS VARCHAR), 1, 2) AS division, "
        "CAST(sub_area AS VARCHAR) AS sub_area, CAST(task_force AS VARCHAR) AS task_force "
        "FROM raw",
    ),
    TableSpec(
        "task_forces",
        "SELECT code, name_zh, name_en, CASE WHEN leading_industry THEN 1 ELSE 0 END AS is_leading "
        "FROM task_forces",
        "SELECT CAST(code AS VARCHAR) AS code, CAST(name_zh AS VARCHAR) AS name_zh, "
        "CAST(name_en AS VARCHAR) AS name_en, CAST(is_leading AS INTEGER) AS is_leading FROM raw",
    ),
    TableSpec(
        "labels",
        "SELECT enterprise_id, label, COALESCE(CAST(valid_from AS TEXT), '') AS valid_from, "
        "COALESCE(CAST(valid_to AS TEXT), '') AS valid_to FROM enterprise_labels",
        "SELECT CAST(enterprise_id AS BIGINT) AS enterprise_id, CAST(label AS VARCHAR) AS label, "
        "CAST(valid_from AS VARCHAR) AS valid_from, CAST(valid_to AS VARCHAR) AS valid_to "
        "FROM raw",
    ),
    # Read by year, only the years a query needs (a bulletin: this year and last). substr() keeps
    # the databases from walking the period index: a year's rows are scattered over the whole
    # table, and one sequential scan is several times faster than millions of index lookups.
    TableSpec(
        "reports",
        "SELECT enterprise_id, period, "
        + ", ".join(f if f == "employees" else f"{f}_fen" for f in MEASURE_FIELDS)
        + " FROM monthly_reports WHERE {where}",
        "SELECT CAST(r.enterprise_id AS BIGINT) AS enterprise_id, "
        "CAST(substr(CAST(r.period AS VARCHAR), 1, 4) AS INTEGER) AS year, "
        "CAST(substr(CAST(r.period AS VARCHAR), 6, 2) AS INTEGER) AS month, "
        # Each year is one slice, inserted at once: its rows stay together (not sorted within
        # it: sorting a year cost more than the scans it saved).
        f"f.division, {_MEASURE_SQL} FROM raw r LEFT JOIN firms f ON f.id = r.enterprise_id",
        sliced=True,
    ),
    TableSpec(
        "prices",
        "SELECT division, period, price_index FROM price_indices",
        "SELECT CAST(division AS VARCHAR) AS division, "
        "CAST(substr(CAST(period AS VARCHAR), 1, 4) AS INTEGER) AS year, "
        "CAST(substr(CAST(period AS VARCHAR), 6, 2) AS INTEGER) AS month, "
        "CAST(price_index AS DOUBLE) AS price_index FROM raw",
    ),
    TableSpec(
        "reference",
        "SELECT region, COALESCE(region_name, '') AS region_name, indicator, period, "
        "month_fen, cumulative_fen FROM reference_totals",
        "SELECT CAST(region AS VARCHAR) AS region, CAST(region_name AS VARCHAR) AS region_name, "
        "CAST(indicator AS VARCHAR) AS indicator, CAST(period AS VARCHAR) AS period, "
        "CAST(month_fen AS BIGINT) AS month_fen, "
        "CAST(cumulative_fen AS BIGINT) AS cumulative_fen FROM raw",
    ),
)

# Each firm's group in every partition breakdown, joined once per snapshot, and its ``combo``:
# the number of its combination of groups (firms are summed per combo, then rolled up).
_GROUPS = "section, division, industry_class, sub_area, task_force, leading_industry"
DIMS = TableSpec(
    "dims",
    "",
    f"SELECT g.*, CAST(dense_rank() OVER (ORDER BY {_GROUPS}) AS INTEGER) AS combo FROM ("
    "SELECT f.id, f.section, f.division, f.industry_code AS industry_class, "
    f"CASE WHEN f.sub_area = '' THEN '{OTHER}' ELSE f.sub_area END AS sub_area, "
    f"CASE WHEN f.task_force = '' THEN '{OTHER}' ELSE f.task_force END AS task_force, "
    f"COALESCE(t.code, '{OTHER}') AS leading_industry FROM firms f "
    "LEFT JOIN task_forces t ON t.code = f.task_force AND t.is_leading = 1) AS g",
    derived=True,
)
COMBOS = TableSpec("combos", "", f"SELECT DISTINCT combo, {_GROUPS} FROM dims", derived=True)

MEASURES: tuple[Measure, ...] = tuple(
    Measure(i.key, compile_expression(i.expression, table="r"), i.kind, i.deflate)
    for i in INDICATORS
)

# Per firm and loaded year: every month's values and the year-to-date running sums, built once
# per year and snapshot as the year's reports arrive, so a period's figures read two rows per firm
# (this year's and last year's) instead of every report of both years.
YTD = TableSpec("ytd", "", ytd_sql(MEASURES, "{slice}"), derived=True, follows="reports")
TABLES = (*TABLES, DIMS, COMBOS, YTD)


#: The data versions the snapshot depends on, read with its tables (see ``analytics.engine``).
VERSIONS_SQL = (
    "SELECT dataset, version FROM data_versions WHERE dataset IN ('registry', 'stats') "
    "ORDER BY dataset"
)


def session_versions(session: Session) -> tuple[tuple[str, int], ...]:
    """The data versions of the snapshot's datasets as this unit of work sees them (which may
    be its own uncommitted import, or older than the last commit)."""
    return version_key(session.execute(text(VERSIONS_SQL)).all())


def versions(session: Session) -> tuple:
    """The data versions as this unit of work sees them, each with when it last changed (what
    an export records)."""
    rows = session.execute(
        select(DataVersion.dataset, DataVersion.version, DataVersion.changed_at).where(
            DataVersion.dataset.in_(("registry", "stats"))
        )
    ).all()
    found = {dataset: (version, str(changed)) for dataset, version, changed in rows}
    return (found.get("registry"), found.get("stats"))


def database_url(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=False)


def snapshot(
    session: Session, years: Sequence[int] = (), *, engine: EngineChoice = DUCKDB
) -> LoadedData:
    """The statistics tables in DuckDB, as of the last committed import (cached under the data
    versions of the rows read, not under those the session sees: an import this unit of work
    has not committed yet is not in them), with the reports of ``years`` loaded; on Spark, the
    same tables over the exported dataset."""
    if engine.is_spark:
        assert engine.source is not None  # checked by EngineChoice.resolve
        shaped = spark.snapshot(engine.source, TABLES, engine.master)
        shaped.ensure("reports", {year: "" for year in years})
        return shaped  # type: ignore[return-value]  # the same verbs as LoadedData
    wanted = {year: f"substr(period, 1, 4) = '{year:04d}'" for year in sorted(set(years))}
    data, _warm = CACHE.get(
        database_url(session),
        TABLES,
        VERSIONS_SQL,
        {"reports": wanted},
        seen=session_versions(session),
        max_slices=get_settings().stats_cache_years,
    )
    return data


# --- scopes and breakdowns -----------------------------------------------------------------------

LABEL_SCOPES = tuple(Label.__members__)


def lit(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Scope:
    """Which firms a figure covers: ``all``, a label held at the period end (``above_scale``,
    ``high_tech``...), ``leading_industry``, ``task_force:X`` or ``sub_area:X``."""

    kind: str
    value: str | None = None

    @classmethod
    def parse(cls, text: str | None) -> Scope:
        text = (text or "all").strip()
        kind, _sep, value = text.partition(":")
        if kind in ("task_force", "sub_area") and value:
            return cls(kind, value)
        if not value and (kind in ("all", "leading_industry") or kind in LABEL_SCOPES):
            return cls(kind)
        raise ValidationError(
            f"无效的范围 '{text}'（可用：all、{'、'.join(LABEL_SCOPES)}、leading_industry、"
            "task_force:代码、sub_area:名称）",
            f"invalid scope '{text}' (all, {', '.join(LABEL_SCOPES)}, leading_industry, "
            "task_force:CODE, sub_area:NAME)",
            details={"scope": text},
        )

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}" if self.value else self.kind

    def firm_ids(self, as_of: date) -> str | None:
        """A SQL subquery of the ids of the firms in scope (None: every firm); labels are
        judged on ``as_of`` (the period end)."""
        if self.kind == "all":
            return None
        if self.kind == "leading_industry":
            return (
                "SELECT id FROM firms WHERE task_force IN "
                "(SELECT code FROM task_forces WHERE is_leading = 1)"
            )
        if self.kind == "task_force":
            return f"SELECT id FROM firms WHERE task_force = {lit(self.value or '')}"
        if self.kind == "sub_area":
            return f"SELECT id FROM firms WHERE sub_area = {lit(self.value or '')}"
        return f"SELECT enterprise_id FROM ({labels_at_sql(as_of)}) WHERE label = {lit(self.kind)}"


def check_breakdowns(names: Sequence[str]) -> list[str]:
    for name in names:
        if name not in BREAKDOWNS:
            raise ValidationError(
                f"未知的分组 '{name}'（可用：{'、'.join(BREAKDOWNS)}）",
                f"unknown breakdown '{name}' (known: {', '.join(BREAKDOWNS)})",
                details={"by": name},
            )
    return list(dict.fromkeys(names))


def labels_at_sql(as_of: date) -> str:
    """The labels each firm holds on ``as_of``: ``(enterprise_id, label)``."""
    day = lit(as_of.isoformat())
    return (
        "SELECT DISTINCT enterprise_id, label FROM labels "
        f"WHERE valid_from <= {day} AND (valid_to = '' OR valid_to >= {day})"
    )


PARTITIONS = tuple(name for name in BREAKDOWNS if name != "label")


def indicator_list(keys: Sequence[str] | None) -> list[Indicator]:
    from yuanqu.stats.indicators import get_indicator

    return [get_indicator(k) for k in keys] if keys else list(INDICATORS)


def measures_for(indicators: Sequence[Indicator]) -> list[Measure]:
    wanted = {i.key for i in indicators}
    return [m for m in MEASURES if m.key in wanted]
