"""The Spark backend: the same definitions as the DuckDB engine, run by Apache Spark.

Nothing here defines an indicator, a scope or a coverage figure. The definitions are the SQL the
domains already generate for DuckDB (:mod:`yuanqu.stats.windows`, the table specs of
:mod:`yuanqu.stats.frames`, the segment SQL of :mod:`yuanqu.chains.analysis`); this module
transpiles that SQL from the DuckDB dialect to Spark SQL with sqlglot and runs it over a Parquet
dataset written by ``yuanqu export parquet`` (see :mod:`yuanqu.analytics.parquet` for the layout).
A change to the DuckDB SQL therefore flows to Spark with no second edit.

The boundary is :class:`SparkData`: the same three verbs as the DuckDB snapshot
(:class:`yuanqu.analytics.engine.LoadedData`): ``ensure`` (load the report years a query needs),
``query`` (run a definition's SQL, with Arrow tables visible under names) and ``memoised``.

PySpark is an optional extra (``pip install 'yuanqu[spark]'``) and needs a Java 17 runtime.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import sqlglot
from sqlglot import exp

from yuanqu.analytics.engine import MEMO_SIZE, TableSpec
from yuanqu.core.errors import ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame, SparkSession

#: The default master: two local cores (this machine, CI); ``sc://host:15002`` is Spark Connect.
DEFAULT_MASTER = "local[2]"

#: SQL settings the definitions are written for, on every master (Spark Connect included): UTC
#: dates, and Spark's non-ANSI semantics (a NULL, not an error, where DuckDB gives NULL).
SQL_CONF = {"spark.sql.session.timeZone": "UTC", "spark.sql.ansi.enabled": "false"}


def _spark_types(node: exp.Expression) -> exp.Expression:
    # DuckDB's 128-bit HUGEINT (exact sums) has no Spark twin: DECIMAL(38,0) is as exact.
    if isinstance(node, exp.DataType) and node.this == exp.DataType.Type.INT128:
        return exp.DataType.build("DECIMAL(38,0)")
    # DuckDB's integer ``a // b`` truncates on 128 bits; Spark's ``a DIV b`` returns a 64-bit
    # LONG. Exact on Spark: (a - a % b) / b on DECIMAL(38,0) (an exact quotient), cast back.
    if isinstance(node, exp.IntDiv):
        a = exp.cast(node.this.copy().transform(_spark_types), "DECIMAL(38,0)")
        b = exp.cast(node.expression.copy().transform(_spark_types), "DECIMAL(38,0)")
        whole = exp.Sub(this=a, expression=exp.Mod(this=a.copy(), expression=b))
        return exp.cast(exp.Div(this=exp.Paren(this=whole), expression=b.copy()), "DECIMAL(38,0)")
    return node


def to_spark_sql(sql: str) -> str:
    """A DuckDB-dialect definition as Spark SQL (sqlglot; the one place the dialects meet)."""
    statements = sqlglot.parse(sql, read="duckdb")
    if len(statements) != 1 or statements[0] is None:
        raise ValueError(f"expected one statement, got {len(statements)}")
    return statements[0].transform(_spark_types).sql(dialect="spark")


_sessions: dict[str, SparkSession] = {}
_sessions_lock = threading.Lock()


def _require_pyspark() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise ValidationError(
            "Spark 引擎需要可选依赖 pyspark：pip install 'yuanqu[spark]'（并需要 Java 17）",
            "the Spark engine needs the optional extra: pip install 'yuanqu[spark]' (and Java 17)",
            code="spark_unavailable",
        ) from None


def spark_session(master: str | None = None) -> SparkSession:
    """One SparkSession per master per process (starting a JVM takes seconds).

    ``master``: ``local[N]``, ``spark://host:7077`` (a standalone cluster) or ``sc://host:15002``
    (Spark Connect). Memory and partitions are bounded for small machines; on a cluster they come
    from ``spark-submit``/``spark-defaults.conf`` instead (see docs/deploy.md).
    """
    _require_pyspark()
    from pyspark.sql import SparkSession

    master = master or DEFAULT_MASTER
    with _sessions_lock:
        found = _sessions.get(master)
        if found is not None:
            return found
        if master.startswith("sc://"):
            session = SparkSession.builder.remote(master).getOrCreate()
            for key, value in SQL_CONF.items():  # the server's defaults may differ
                session.conf.set(key, value)
        else:
            builder = (
                SparkSession.builder.master(master)
                .appName("yuanqu")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            )
            for key, value in SQL_CONF.items():
                builder = builder.config(key, value)
            if master.startswith("local"):
                builder = (
                    builder.config(
                        "spark.driver.memory", os.environ.get("YUANQU_SPARK_MEMORY", "1g")
                    )
                    .config("spark.sql.shuffle.partitions", "4")
                    .config("spark.default.parallelism", "2")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.driver.host", "127.0.0.1")
                )
            session = builder.getOrCreate()
            session.sparkContext.setLogLevel("ERROR")
        _sessions[master] = session
        return session


def stop_sessions() -> None:
    """Stop every SparkSession this process started (tests, the end of a benchmark)."""
    with _sessions_lock:
        for master, session in _sessions.items():
            session.stop()
            if master.startswith("sc://"):
                # pyspark marks the process a Connect client for good (environment variables),
                # and would then refuse a classic master (local[N], spark://) in this process.
                os.environ.pop("SPARK_CONNECT_MODE_ENABLED", None)
                if os.environ.get("SPARK_REMOTE") == master:
                    os.environ.pop("SPARK_REMOTE")
        _sessions.clear()


#: The row counts of the last results collected into this process (newest last): what the
#: driver received, so a test can show that a bulletin brings back its groups, not its firms.
COLLECTED: deque[int] = deque(maxlen=256)


def to_arrow(frame: DataFrame) -> pa.Table:
    """A Spark result as an Arrow table (collected on the driver: results are small)."""
    if hasattr(frame, "toArrow"):
        table = frame.toArrow()
    else:  # pragma: no cover
        table = pa.Table.from_pandas(frame.toPandas(), preserve_index=False)
    COLLECTED.append(table.num_rows)
    return table


def collect_rows(frame: DataFrame) -> list[tuple]:
    """A Spark result as tuples on the driver (counted in :data:`COLLECTED`)."""
    rows = [tuple(row) for row in frame.collect()]
    COLLECTED.append(len(rows))
    return rows


@dataclass
class SparkData:
    """A statistics snapshot on Spark over an exported Parquet dataset: each table spec's
    ``shape_sql`` runs (transpiled) over the exported table of the same name, as DuckDB runs it
    over the Arrow table read from the system of record."""

    spark: SparkSession
    source: Path
    specs: dict[str, TableSpec]
    prefix: str = "yq"
    slices: dict[str, set[Hashable]] = field(default_factory=dict)
    memo: OrderedDict[Hashable, Any] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _read(self, name: str) -> DataFrame:
        from yuanqu.analytics.parquet import dataset_path

        return self.spark.read.parquet(str(dataset_path(self.source, name)))

    def _shape(self, spec: TableSpec, raw: DataFrame | None) -> DataFrame:
        if raw is not None:
            raw.createOrReplaceTempView("raw")
        return self.spark.sql(to_spark_sql(spec.shape_sql))

    def load(self) -> SparkData:
        """Register every table; sliced tables start empty and fill by :meth:`ensure`."""
        for spec in self.specs.values():
            if spec.follows:
                continue  # built by ensure, from the slices it follows
            if spec.sliced:
                raw = self._read(spec.name).where("false")
            else:
                raw = None if spec.derived else self._read(spec.name)
            frame = self._shape(spec, raw)
            # Cached: the small dimension tables are read by every query of the snapshot.
            frame = frame.cache() if not spec.sliced else frame
            frame.createOrReplaceTempView(spec.name)
        return self

    def ensure(self, name: str, slices: Mapping[Hashable, str]) -> None:
        """Load the years ``slices`` names (keys are years; the Parquet layout partitions the
        reports by year, so Spark reads only those directories)."""
        with self.lock:
            loaded = self.slices.setdefault(name, set())
            wanted = sorted(loaded | set(slices))
            if set(wanted) == loaded:
                return
            years = ", ".join(str(int(year)) for year in wanted)  # type: ignore[call-overload]
            raw = self._read(name).where(f"year IN ({years})")
            frame = self._shape(self.specs[name], raw).cache()
            frame.createOrReplaceTempView(name)
            for cache in (s for s in self.specs.values() if s.follows == name):
                # The same per-slice definition as DuckDB's, one slice after another.
                parts = [
                    self.spark.sql(to_spark_sql(cache.shape_sql.format(slice=y))) for y in wanted
                ]
                union = parts[0]
                for part in parts[1:]:
                    union = union.unionByName(part)
                union.cache().createOrReplaceTempView(cache.name)
            loaded.update(wanted)

    def query(
        self,
        sql: str,
        params: list[Any] | None = None,
        *,
        tables: Mapping[str, pa.Table] | None = None,
    ) -> pa.Table:
        """Run a DuckDB-dialect definition on Spark; ``tables`` become temporary views."""
        if params:
            raise ValueError("the Spark engine takes no positional parameters: inline literals")
        for name, table in (tables or {}).items():
            self.spark.createDataFrame(table).createOrReplaceTempView(name)
        return to_arrow(self.spark.sql(to_spark_sql(sql)))

    def memoised(self, key: Hashable, compute: Callable[[], Any], *, large: bool = False) -> Any:
        with self.lock:
            if key in self.memo:
                return self.memo[key]
        value = compute()
        with self.lock:
            self.memo[key] = value
            while len(self.memo) > MEMO_SIZE:
                self.memo.popitem(last=False)
        return value


_active: dict[str, Any] = {}


def snapshot(source: Path | str, specs: tuple[TableSpec, ...], master: str | None) -> SparkData:
    """The tables of ``specs`` on Spark over the Parquet dataset ``source``. One snapshot is
    live per process (the engine's table names are Spark temporary views); it is rebuilt when
    another dataset, master or export (the manifest changed) is asked for."""
    from yuanqu.analytics.parquet import MANIFEST, check_dataset

    root = check_dataset(Path(source))
    stamp = (root / MANIFEST).stat().st_mtime_ns
    key = (str(root.resolve()), stamp, master or DEFAULT_MASTER, tuple(s.name for s in specs))
    if _active.get("key") == key:
        return _active["data"]
    data = SparkData(spark_session(master), root, {s.name: s for s in specs}).load()
    _active.update(key=key, data=data)
    return data


def forget_snapshots() -> None:
    """Drop the live Spark snapshot (tests; a new export is noticed by itself)."""
    _active.clear()


def chain_query(
    source: Path | str, master: str | None, labels_sql: str
) -> Callable[[str], list[tuple]]:
    """A runner for the chains' coverage SQL on Spark: ``placements`` and ``firms`` are the
    exported placement run, ``labels`` the chains' own label query over ``enterprise_labels``."""
    from yuanqu.analytics.parquet import check_dataset, dataset_path

    root = check_dataset(Path(source))
    spark = spark_session(master)
    spark.read.parquet(str(dataset_path(root, "chain_placements"))).createOrReplaceTempView(
        "placements"
    )
    spark.read.parquet(str(dataset_path(root, "chain_firms"))).createOrReplaceTempView("firms")
    spark.read.parquet(str(dataset_path(root, "enterprise_labels"))).createOrReplaceTempView(
        "enterprise_labels"
    )
    spark.sql(to_spark_sql(labels_sql)).createOrReplaceTempView("labels")
    # The stats snapshot's views share these names: it must be rebuilt after this.
    forget_snapshots()

    def run(sql: str) -> list[tuple]:
        return collect_rows(spark.sql(to_spark_sql(sql)))

    return run
