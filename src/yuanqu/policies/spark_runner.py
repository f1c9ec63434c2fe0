"""Policy evaluation on Apache Spark: the batch engine's own statements over the Parquet dataset.

Nothing here defines a variable, a condition or an allocation. :func:`evaluate` hands
:func:`yuanqu.policies.engine.evaluate` a :class:`SparkRunner`, which runs each statement the
engine generates (DuckDB-dialect SQL) transpiled by :func:`yuanqu.analytics.spark.to_spark_sql`;
the engine's temporary tables become tables computed at once and kept by the executors (local
checkpoints), its views plain temporary views, and what it reads back is collected to Arrow.

The base table (:data:`yuanqu.policies.inputs.BASE_SCHEMA`) is built on Spark by the one
:func:`yuanqu.policies.load.base_sql` the DuckDB engine uses, from the exported layout
(:mod:`yuanqu.analytics.parquet`): the registry columns from ``firms/``, the labels held at the
end of the data year by the statistics' :func:`yuanqu.stats.frames.labels_at_sql` over
``labels/``, the year's and the previous year's sums per firm by the statistics' own definitions
(the per-firm windows :func:`yuanqu.stats.windows.firm_windows_sql` of December, read in one
pass: cumulative January to December, the headcount of December) over ``monthly_reports/``
(only those years' partitions are read), and the year's facts from ``policy_facts/``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from yuanqu.analytics.parquet import MANIFEST, check_dataset, dataset_path
from yuanqu.analytics.spark import (
    collect_rows,
    forget_snapshots,
    spark_session,
    to_arrow,
    to_spark_sql,
)
from yuanqu.core.errors import ValidationError
from yuanqu.policies import engine
from yuanqu.policies.language.definition import Policy
from yuanqu.policies.language.variables import STAT_SUMS
from yuanqu.policies.load import base_sql
from yuanqu.stats.frames import TABLES, labels_at_sql
from yuanqu.stats.windows import Measure, Window, firm_windows_sql

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame, SparkSession

#: The layout's tables the base reads, with the schema of an empty one (a partitioned table
#: with no rows has no directory: no reports yet, no facts imported).
_EMPTY = {
    "reports": "enterprise_id BIGINT, period STRING, "
    + ", ".join(f"{m}_fen BIGINT" for m in STAT_SUMS)
    + ", employees BIGINT, year INT, month INT",
    "policy_facts": "enterprise_id BIGINT, uscc STRING, fact STRING, value BIGINT, year INT",
}

#: The per-firm sums the base reads, as measures of the statistics' window pre-aggregate.
_MEASURES = (*(Measure(m, f"r.{m}_fen") for m in STAT_SUMS), Measure("employees", "r.employees"))


@dataclass
class _Result:
    """What the engine reads of a statement's result: rows as tuples, or an Arrow table."""

    frame: DataFrame

    def fetchall(self) -> list[tuple]:
        return collect_rows(self.frame)

    @property
    def description(self) -> list[tuple[str]]:
        """The column names, as the first item of each entry (as in the DB-API)."""
        return [(name,) for name in self.frame.columns]

    def to_arrow_table(self) -> pa.Table:
        return to_arrow(self.frame)


@dataclass
class SparkRunner:
    """The batch engine's :class:`~yuanqu.policies.engine.Runner` on Spark.

    Statements run in a session of their own (``newSession``: the same JVM and cache, separate
    temporary views), so an evaluation never replaces the statistics snapshot's views (``firms``,
    ``labels``...) nor another evaluation's."""

    spark: SparkSession
    tables: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, master: str | None = None) -> SparkRunner:
        spark = spark_session(master)
        if (master or "").startswith("sc://"):
            # Spark Connect has no newSession: the evaluation shares the session's views and
            # replaces some the statistics snapshot registered (``labels``): rebuild it next.
            forget_snapshots()
            return cls(spark)
        return cls(spark.newSession())

    def frame(self, sql: str) -> DataFrame:
        return self.spark.sql(to_spark_sql(sql))

    def create(self, name: str, sql: str, *, view: bool = False) -> None:
        """``CREATE TEMP TABLE name AS sql`` or ``CREATE TEMP VIEW`` (``view``).

        A table is computed at once and kept by the executors (``localCheckpoint``), which also
        cuts its lineage: the statements after it plan over the table, not over every statement
        before it (planning a batch over the whole lineage exhausts a 1 GB driver)."""
        frame = self.frame(sql)
        if not view:
            frame = frame.localCheckpoint(eager=True)
        frame.createOrReplaceTempView(name)
        self.tables.append(name)

    def execute(self, sql: str, parameters: Any = None) -> _Result:
        if parameters:
            raise ValueError("the Spark runner takes no parameters: the engine inlines literals")
        return _Result(self.frame(sql))

    def sql(self, sql: str) -> _Result:
        return _Result(self.frame(sql))

    def register(self, name: str, table: pa.Table | DataFrame) -> None:
        """A relation visible under ``name``: a Spark DataFrame (the base built on the cluster)
        or an Arrow table (sent from the driver)."""
        if isinstance(table, pa.Table):
            table = self.spark.createDataFrame(table)
        table.createOrReplaceTempView(name)

    def close(self) -> None:
        """Drop this evaluation's tables and views (Spark frees the blocks of the tables once
        nothing refers to them)."""
        for name in dict.fromkeys(reversed(self.tables)):
            self.spark.catalog.dropTempView(name)
        self.tables.clear()


def _read(spark: SparkSession, root: Path, name: str) -> DataFrame:
    path = dataset_path(root, name)
    # The manifest, not a directory listing, says a table is empty (a listing of a remote or
    # half-copied dataset could hide rows).
    rows = json.loads((root / MANIFEST).read_text()).get("rows", {})
    if name in _EMPTY and rows.get(path.name) == 0:
        return spark.createDataFrame([], _EMPTY[name])
    return spark.read.parquet(str(path))


def _source_views(runner: SparkRunner, root: Path) -> None:
    """The raw tables the base reads, as views ``src_firms``, ``labels``, ``src_reports`` and
    ``src_facts``."""
    spark = runner.spark
    firms = _read(spark, root, "firms")
    lacking = [c for c in ("established", "registered_capital_fen") if c not in firms.columns]
    if lacking:
        raise ValidationError(
            f"{root} 的 firms/ 缺少列 {'、'.join(lacking)}："
            "请用本版本重新运行 yuanqu export parquet",
            f"firms/ of {root} lacks {', '.join(lacking)}: run `yuanqu export parquet` again "
            "with this version",
            code="dataset_invalid",
            details={"source": str(root), "table": "firms", "field": lacking[0]},
        )
    firms.createOrReplaceTempView("raw_firms")
    # The statistics' export writes '' for no sub-area or task force; the registry holds NULL.
    runner.create(
        "src_firms",
        "SELECT CAST(id AS BIGINT) AS firm_id, uscc, name, industry_code, industry_section, "
        "NULLIF(task_force, '') AS task_force, NULLIF(sub_area, '') AS sub_area, "
        "CAST(established AS DATE) AS established, "
        "CAST(registered_capital_fen AS BIGINT) AS registered_capital_fen FROM raw_firms",
    )
    # The labels as the statistics shape them (open ends ''), for labels_at_sql.
    labels = next(spec for spec in TABLES if spec.name == "labels")
    _read(spark, root, "labels").createOrReplaceTempView("raw")
    runner.create("labels", labels.shape_sql)
    _read(spark, root, "reports").createOrReplaceTempView("src_reports")
    _read(spark, root, "policy_facts").createOrReplaceTempView("src_facts")


def base_frames(runner: SparkRunner, source: Path, years: Iterable[int]) -> dict[int, DataFrame]:
    """The base table of each data year, built on Spark from the dataset ``source``."""
    root = check_dataset(Path(source))
    years = sorted(set(years))
    if not years:  # no policy in effect that year
        return {}
    _source_views(runner, root)
    # The statistics' year-to-date cache (one row per firm and year) of every year read: each
    # data year and the one before it, from those years' partitions only.
    read = sorted({y for year in years for y in (year - 1, year)})
    runner.create(
        "reports",
        "SELECT CAST(enterprise_id AS BIGINT) AS enterprise_id, CAST(year AS INTEGER) AS year, "
        "CAST(month AS INTEGER) AS month, CAST(NULL AS VARCHAR) AS division, "
        + ", ".join(f"CAST({m}_fen AS BIGINT) AS {m}_fen" for m in STAT_SUMS)
        + ", CAST(employees AS BIGINT) AS employees FROM src_reports "
        f"WHERE year IN ({', '.join(map(str, read))})",
        view=True,
    )
    # No measure here is deflated: the cache's price join finds nothing, as intended.
    runner.create(
        "prices",
        "SELECT CAST(NULL AS VARCHAR) AS division, CAST(NULL AS INTEGER) AS year, "
        "CAST(NULL AS INTEGER) AS month, CAST(NULL AS DOUBLE) AS price_index "
        "FROM (SELECT 1 AS x) t WHERE FALSE",
        view=True,
    )
    bases = {}
    for year in years:
        # December's windows of the year and the year before, in one pass over their reports.
        windows = firm_windows_sql(_MEASURES, Window(year, 12, 12), prices=False, narrow=True)
        runner.create(f"fw_{year}", windows)
        this_year = ", ".join(f"{m.key}__c AS {m.key}" for m in _MEASURES if m.key != "employees")
        last_year = ", ".join(f"{m.key}__cb" for m in _MEASURES if m.key != "employees")
        runner.create(
            f"stats_{year}",
            f"SELECT enterprise_id AS firm_id, {year} AS year, {this_year}, "
            f"employees__m AS employees FROM fw_{year} WHERE present_cum UNION ALL "
            f"SELECT enterprise_id, {year - 1}, {last_year}, CAST(NULL AS BIGINT) "
            f"FROM fw_{year} WHERE present_cum_base",
            view=True,
        )
        runner.create(
            f"labels_{year}",
            f"SELECT enterprise_id AS firm_id, label FROM ({labels_at_sql(date(year, 12, 31))}) l",
            view=True,
        )
        runner.create(
            f"facts_{year}",
            f"SELECT enterprise_id AS firm_id, fact, value FROM src_facts WHERE year = {year}",
            view=True,
        )
        bases[year] = runner.frame(
            base_sql(
                year,
                firms="src_firms",
                labels=f"labels_{year}",
                stats=f"stats_{year}",
                facts=f"facts_{year}",
            )
        )
    return bases


def evaluate(
    policies: Sequence[Policy],
    award_year: int,
    *,
    source: Path,
    master: str | None = None,
    keep_ineligible: bool = True,
) -> engine.BatchResult:
    """:func:`yuanqu.policies.engine.evaluate` on Spark over the exported dataset ``source``;
    the result reads (rows, totals) like the DuckDB one's."""
    runner = SparkRunner.start(master)
    years = {p.data_year(award_year) for p in policies if p.in_effect(award_year)}
    bases = base_frames(runner, source, years)
    return engine.evaluate(runner, policies, award_year, bases, keep_ineligible=keep_ineligible)
