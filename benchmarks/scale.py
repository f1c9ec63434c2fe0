"""The monthly bulletin at province scale: DuckDB against Spark (local) on one Parquet dataset.

Writes (once) a synthetic dataset in the layout of ``yuanqu export parquet`` (docs/scale.md):
``--firms`` firms (default 5 million) reporting every month of ``--months`` months (default 12,
the months of 2023), then runs the bulletin's own definitions on each engine: the table specs'
shaping SQL (:data:`yuanqu.stats.frames.TABLES`), the per-firm pre-aggregate and the GROUPING
SETS bulletin (:mod:`yuanqu.analytics.windows`), transpiled to Spark SQL by sqlglot as the Spark
engine does. Prints per engine the median of ``--repeat`` runs and the cost per month partition,
the figure docs/scale.md extrapolates from; checks both engines give the same zone totals.

Memory is bounded: DuckDB ``memory_limit`` and Spark's driver memory (``--memory``, default 3 GB).
Spark is not expected to win on 2 cores: it is measured for its per-partition cost.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from yuanqu.analytics.parquet import FORMAT_VERSION, MANIFEST, dataset_path
from yuanqu.analytics.windows import Window, firm_windows_sql, grouped_sql
from yuanqu.stats.frames import BULLETIN_BREAKDOWNS, MEASURES, PARTITIONS, TABLES, labels_at_sql
from yuanqu.stats.models import MEASURE_FIELDS

YEAR = 2023
INDUSTRIES = [
    ("C", "3973"), ("C", "3979"), ("C", "2720"), ("C", "3670"), ("I", "6513"),
    ("M", "7320"), ("C", "3562"), ("F", "4851"), ("G", "5179"), ("L", "7219"),
]  # fmt: skip
SUB_AREAS = ["", "核心区", "亦庄新城", "南区", "东区"]
TASK_FORCES = ["", "ic", "biomed", "nev_icv", "robotics"]


def _write(table: pa.Table, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, target / "part-0.parquet", row_group_size=1_000_000)


def generate(root: Path, firms: int, months: int) -> None:
    """The dataset's tables as ``yuanqu export parquet`` writes them (same columns)."""
    rng = np.random.default_rng(2023)
    ids = np.arange(1, firms + 1, dtype=np.int64)
    industry = rng.integers(0, len(INDUSTRIES), firms)
    codes = np.array([code for _s, code in INDUSTRIES])[industry]
    sections = np.array([section for section, _c in INDUSTRIES])[industry]
    uscc = pc.binary_join_element_wise("91110302", pa.array(np.char.zfill(ids.astype(str), 10)), "")
    _write(
        pa.table(
            {
                "id": ids,
                "uscc": uscc,
                "name": pc.binary_join_element_wise("企业", uscc, ""),
                "industry_code": codes,
                "industry_section": sections,
                "sub_area": np.array(SUB_AREAS)[rng.integers(0, len(SUB_AREAS), firms)],
                "task_force": np.array(TASK_FORCES)[rng.integers(0, len(TASK_FORCES), firms)],
            }
        ),
        dataset_path(root, "firms"),
    )
    _write(
        pa.table(
            {
                "code": TASK_FORCES[1:],
                "name_zh": TASK_FORCES[1:],
                "name_en": TASK_FORCES[1:],
                "is_leading": [1, 1, 1, 0],
            }
        ),
        dataset_path(root, "task_forces"),
    )
    labelled = ids[rng.random(firms) < 0.12]
    _write(
        pa.table(
            {
                "enterprise_id": labelled,
                "label": np.where(labelled % 3 == 0, "high_tech", "above_scale"),
                "valid_from": ["2020-01-01"] * len(labelled),
                "valid_to": [""] * len(labelled),
            }
        ),
        dataset_path(root, "labels"),
    )
    periods = [f"{YEAR}-{m:02d}" for m in range(1, 13)]
    _write(
        pa.table(
            {
                "division": ["39"] * 12 + ["27"] * 12,
                "period": periods * 2,
                "price_index": [101.0 + m / 10 for m in range(12)] + [98.5] * 12,
            }
        ),
        dataset_path(root, "prices"),
    )
    _write(
        pa.table(
            {
                "region": pa.array([], pa.string()),
                "region_name": pa.array([], pa.string()),
                "indicator": pa.array([], pa.string()),
                "period": pa.array([], pa.string()),
                "month_fen": pa.array([], pa.int64()),
                "cumulative_fen": pa.array([], pa.int64()),
            }
        ),
        dataset_path(root, "reference"),
    )
    scale = rng.lognormal(11, 1.5, firms).astype(np.int64)  # a firm's size, fen per month / 100
    for month in range(1, months + 1):
        columns: dict[str, object] = {
            "enterprise_id": ids,
            "period": np.full(firms, f"{YEAR}-{month:02d}"),
        }
        for field in MEASURE_FIELDS:
            if field == "employees":
                columns[field] = (scale // 20_000 + 1).astype(np.int64)
            else:
                noise = rng.integers(50, 150, firms)
                columns[f"{field}_fen"] = scale * noise
        target = dataset_path(root, "reports") / f"year={YEAR}" / f"month={month}"
        _write(pa.table(columns), target)
        print(f"  wrote month {month}: {firms:,} rows", flush=True)
    manifest = {"format_version": FORMAT_VERSION, "synthetic": {"firms": firms, "months": months}}
    (root / MANIFEST).write_text(json.dumps(manifest))


def bulletin_sql(months: int) -> tuple[str, str]:
    """The two definitions of the bulletin, exactly as the stats service builds them."""
    window = Window(YEAR, months, months)
    fw = firm_windows_sql(MEASURES, window, prices=True)
    grouped = grouped_sql(
        MEASURES,
        window,
        prices=True,
        partitions=[b for b in BULLETIN_BREAKDOWNS if b in PARTITIONS],
        labels=True,
    )
    return fw, grouped


def _spec_source(root: Path, name: str) -> str:
    path = dataset_path(root, name)
    if name == "reports":
        return f"read_parquet('{path}/**/*.parquet', hive_partitioning = true)"
    return f"read_parquet('{path}/*.parquet')"


def run_duckdb(root: Path, months: int, memory: str) -> tuple[Callable[[], list], Callable]:
    import duckdb

    # Spills go beside the dataset, not into the working directory.
    config = {"memory_limit": memory, "threads": 2, "temp_directory": str(root / "duckdb-spill")}
    con = duckdb.connect(config=config)
    fw_sql, grouped_sql_text = bulletin_sql(months)
    labels = labels_at_sql(date(YEAR, months, 28))

    def load() -> None:
        for spec in TABLES:
            if spec.derived:
                con.execute(f"CREATE OR REPLACE TABLE {spec.name} AS {spec.shape_sql}")
                continue
            con.execute(
                f"CREATE OR REPLACE VIEW raw AS SELECT * FROM {_spec_source(root, spec.name)}"
            )
            con.execute(f"CREATE OR REPLACE TABLE {spec.name} AS {spec.shape_sql}")

    def query() -> list:
        con.execute(f"CREATE OR REPLACE TEMP TABLE fw AS {fw_sql}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE labels_at AS {labels}")
        return con.sql(grouped_sql_text).fetchall()

    return query, load


def run_spark(root: Path, months: int, memory: str) -> tuple[Callable[[], list], Callable]:
    os.environ["YUANQU_SPARK_MEMORY"] = memory
    from yuanqu.analytics.spark import spark_session, to_spark_sql

    spark = spark_session("local[2]")
    fw_sql, grouped_sql_text = bulletin_sql(months)
    labels = labels_at_sql(date(YEAR, months, 28))

    def load() -> None:
        for spec in TABLES:
            if not spec.derived:
                spark.read.parquet(str(dataset_path(root, spec.name))).createOrReplaceTempView(
                    "raw"
                )
            frame = spark.sql(to_spark_sql(spec.shape_sql))
            if spec.name != "reports":  # the dimensions are small: cached, as the engine does
                frame = frame.cache()
                frame.count()
            frame.createOrReplaceTempView(spec.name)

    def query() -> list:
        fw = spark.sql(to_spark_sql(fw_sql)).cache()
        fw.createOrReplaceTempView("fw")
        spark.sql(to_spark_sql(labels)).createOrReplaceTempView("labels_at")
        rows = [tuple(r) for r in spark.sql(to_spark_sql(grouped_sql_text)).collect()]
        fw.unpersist()
        return rows

    return query, load


def measure(name: str, build, root: Path, months: int, memory: str, repeat: int) -> dict:
    query, load = build(root, months, memory)
    started = time.perf_counter()
    load()
    load_s = time.perf_counter() - started
    times, rows = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        rows = query()
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    print(
        f"{name:7s} load {load_s:7.1f} s  bulletin median {median:7.1f} s "
        f"(runs: {', '.join(f'{t:.1f}' for t in times)})  "
        f"per month partition {median / months:6.2f} s",
        flush=True,
    )
    total = next(r for r in rows if r[0] == "total")
    return {"load": load_s, "median": median, "runs": times, "total": total, "groups": len(rows)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=5_000_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/yuanqu-scale"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory", default="3g", help="per engine (DuckDB limit, Spark driver)")
    parser.add_argument("--engines", default="duckdb,spark")
    args = parser.parse_args()
    root = args.dir / f"firms{args.firms}-months{args.months}"
    if not (root / MANIFEST).is_file():
        print(f"generating {args.firms:,} firms x {args.months} months in {root}", flush=True)
        started = time.perf_counter()
        generate(root, args.firms, args.months)
        print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)
    print(f"load average: {os.getloadavg()}", flush=True)
    builders = {"duckdb": run_duckdb, "spark": run_spark}
    results = {}
    for name in args.engines.split(","):
        memory = args.memory.upper() + "B" if name == "duckdb" else args.memory
        results[name] = measure(name, builders[name], root, args.months, memory, args.repeat)
    print(f"load average: {os.getloadavg()}", flush=True)
    if len(results) == 2:
        duck, spark = results["duckdb"], results["spark"]
        same = duck["groups"] == spark["groups"] and duck["total"][:3] == spark["total"][:3]
        print(f"spark / duckdb: {spark['median'] / duck['median']:.1f}x; same totals: {same}")
        return 0 if same else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
