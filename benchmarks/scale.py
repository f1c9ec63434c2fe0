"""The monthly bulletin at province scale: DuckDB against Spark (local) on one Parquet dataset.

Writes (once) a synthetic dataset in the layout of ``yuanqu export parquet`` (docs/scale.md):
``--firms`` firms (default 5 million) reporting every month of ``--months`` months (default 12,
the months of 2023), the monthly reports partitioned by year and month. Then runs the bulletin's
own definitions on each engine: the table specs' shaping SQL (:data:`yuanqu.stats.frames.TABLES`),
the per-firm pre-aggregate and the GROUPING SETS bulletin (:mod:`yuanqu.stats.windows`),
transpiled to Spark SQL by sqlglot as the Spark engine does.

Both engines read the reports **from the Parquet files on every run** (a view of the reports'
shaping SQL over the month partitions; the firm dimensions are loaded once), so a run is the
work a cluster does per bulletin: scan the month partitions, join the firms, the per-firm
pre-aggregate (one shuffle), the GROUPING SETS (one small shuffle). Prints per engine the median
of ``--repeat`` runs, the wall time and the CPU time per month partition and per million
firm-months (the CPU time is the engine's own, the Spark JVM's included: on a shared machine it is
the figure that does not depend on what else runs), and the ratio Spark / DuckDB; checks both
engines give the same bulletin (every group, every figure).

``--firms`` takes one size or two (default 500,000 and 5,000,000): every figure is printed per
million firm-months at each size, and the ratio of the two says whether the cost is linear. In the
same run a **hand-written DuckDB query** over the same Parquet (:func:`hand_sql`: scan, per-firm
month and year-to-date sums, the bulletin's groups and labels, in one statement) is the baseline:
its sums are checked equal to the bulletin's, group by group, exactly, and the ratio DuckDB /
hand-written is printed against the 2x target. The hand-written query leaves out what the bulletin
adds (comparable prices, growth against last year, shares, the per-month columns of the cache), so
the ratio overstates the overhead of the definitions somewhat. On Spark it prints how many rows
came back to the driver: the bulletin's groups only (the per-firm tables stay cached in Spark).

Memory is bounded: DuckDB ``memory_limit`` (``--duckdb-memory``) and Spark's driver heap
(``--spark-memory``; in local mode the executors run in the driver's JVM). Spark is not expected
to win on 2 cores: it is measured for its per-partition cost, which docs/scale.md extrapolates.
"""

from __future__ import annotations

import argparse
import json
import math
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
import sqlglot

from yuanqu.analytics.parquet import FORMAT_VERSION, MANIFEST, dataset_path
from yuanqu.stats.frames import BULLETIN_BREAKDOWNS, MEASURES, PARTITIONS, TABLES, labels_at_sql
from yuanqu.stats.models import MEASURE_FIELDS
from yuanqu.stats.windows import Window, firm_windows_sql, grouped_sql

YEAR = 2023
INDUSTRIES = [
    ("C", "3973"), ("C", "3979"), ("C", "2720"), ("C", "3670"), ("I", "6513"),
    ("M", "7320"), ("C", "3562"), ("F", "4851"), ("G", "5179"), ("L", "7219"),
]  # fmt: skip
SUB_AREAS = ["", "核心区", "亦庄新城", "南区", "东区"]
TASK_FORCES = ["", "ic", "biomed", "nev_icv", "robotics"]
ROW_GROUP = 1_000_000


def _write(table: pa.Table, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, target / "part-0.parquet", row_group_size=ROW_GROUP)


def _pick(values: list[str], index: np.ndarray) -> pa.Array:
    """``values[index]`` as an Arrow string array (a C++ take, no Python strings per row)."""
    return pa.array(values, pa.string()).take(pa.array(index.astype(np.int32)))


def generate(root: Path, firms: int, months: int) -> None:
    """The dataset's tables as ``yuanqu export parquet`` writes them (same columns, same layout).
    Column-wise numpy and Arrow compute: no per-row Python; one month in memory at a time."""
    rng = np.random.default_rng(2023)
    ids = np.arange(1, firms + 1, dtype=np.int64)
    industry = rng.integers(0, len(INDUSTRIES), firms)
    uscc = pc.binary_join_element_wise(
        "91110302", pc.utf8_lpad(pc.cast(pa.array(ids), pa.string()), 10, "0"), ""
    )
    _write(
        pa.table(
            {
                "id": ids,
                "uscc": uscc,
                "name": pc.binary_join_element_wise("企业", uscc, ""),
                "industry_code": _pick([code for _s, code in INDUSTRIES], industry),
                "industry_section": _pick([section for section, _c in INDUSTRIES], industry),
                "sub_area": _pick(SUB_AREAS, rng.integers(0, len(SUB_AREAS), firms)),
                "task_force": _pick(TASK_FORCES, rng.integers(0, len(TASK_FORCES), firms)),
            }
        ),
        dataset_path(root, "firms"),
    )
    del uscc
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
                "label": _pick(["above_scale", "high_tech"], (labelled % 3 == 0).astype(np.int8)),
                "valid_from": _pick(["2020-01-01"], np.zeros(len(labelled), np.int8)),
                "valid_to": _pick([""], np.zeros(len(labelled), np.int8)),
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
    employees = (scale // 20_000 + 1).astype(np.int64)
    for month in range(1, months + 1):
        started = time.perf_counter()
        columns: dict[str, object] = {
            "enterprise_id": ids,
            "period": _pick([f"{YEAR}-{month:02d}"], np.zeros(firms, np.int8)),
        }
        for name in MEASURE_FIELDS:
            if name == "employees":
                columns[name] = employees
            else:
                columns[f"{name}_fen"] = scale * rng.integers(50, 150, firms)
        target = dataset_path(root, "reports") / f"year={YEAR}" / f"month={month}"
        _write(pa.table(columns), target)
        took = time.perf_counter() - started
        print(f"  wrote month {month}: {firms:,} rows in {took:.1f} s", flush=True)
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


def ytd_cache_sql() -> str:
    """The per-firm year-to-date cache of the year (the table spec that follows the reports)."""
    (spec,) = (s for s in TABLES if s.follows == "reports")
    return spec.shape_sql.format(slice=YEAR)


def reports_view_sql(shape_sql: str) -> str:
    """The reports' shaping SQL without its ``ORDER BY``: the engine sorts the table it keeps in
    memory so a window's filter skips row groups; a view over the month partitions needs no
    sort (the partitions are the layout), and sorting 60 million rows per run is not the work
    a bulletin does."""
    tree = sqlglot.parse_one(shape_sql, read="duckdb")
    tree.set("order", None)
    return tree.sql(dialect="duckdb")


# --- the baseline: one hand-written DuckDB query over the same Parquet ------------------------
FLOWS = [name for name in MEASURE_FIELDS if name != "employees"]


def hand_sql(root: Path, months: int) -> str:
    """The bulletin's sums as an analyst would write them in one DuckDB query: per firm the
    month's and the year-to-date sums of every flow, then the same groups as the bulletin
    (total, the partition breakdowns, the labels held at the period's end) with the firms
    reporting. No price deflation, no growth (the synthetic data has one year), no shares: the
    part of the bulletin's work every engine must do, scan, per-firm aggregate and roll-up."""
    reports = f"{dataset_path(root, 'reports')}/year={YEAR}/*/*.parquet"
    per_firm = ", ".join(
        f"SUM({m}_fen) FILTER (WHERE month = {months}) AS {m}_m, SUM({m}_fen) AS {m}_c"
        for m in FLOWS
    )
    sums = ", ".join(f"SUM({m}_m) AS {m}_m, SUM({m}_c) AS {m}_c" for m in FLOWS)
    sets = [b for b in BULLETIN_BREAKDOWNS if b in PARTITIONS]
    which = " ".join(f"WHEN GROUPING({b}) = 0 THEN '{b}'" for b in sets)
    value = ", ".join(sets)
    day = date(YEAR, months, 28).isoformat()
    return f"""
    WITH f AS (
      SELECT enterprise_id, {per_firm}
      FROM read_parquet('{reports}', hive_partitioning = true)
      WHERE month <= {months} GROUP BY enterprise_id),
    d AS (
      SELECT f.*, e.industry_section AS section, substr(e.industry_code, 1, 2) AS division,
             e.industry_code AS industry_class,
             CASE WHEN e.sub_area = '' THEN 'other' ELSE e.sub_area END AS sub_area,
             CASE WHEN e.task_force = '' THEN 'other' ELSE e.task_force END AS task_force,
             COALESCE(t.code, 'other') AS leading_industry
      FROM f JOIN read_parquet('{dataset_path(root, "firms")}/*.parquet') e
        ON e.id = f.enterprise_id
      LEFT JOIN read_parquet('{dataset_path(root, "task_forces")}/*.parquet') t
        ON t.code = e.task_force AND t.is_leading = 1),
    l AS (
      SELECT DISTINCT enterprise_id, label
      FROM read_parquet('{dataset_path(root, "labels")}/*.parquet')
      WHERE valid_from <= '{day}' AND (valid_to = '' OR valid_to >= '{day}'))
    SELECT CASE {which} ELSE 'total' END AS breakdown,
           COALESCE({value}, 'total') AS grp, count(*) AS firms, {sums}
    FROM d GROUP BY GROUPING SETS ((), {", ".join(f"({b})" for b in sets)})
    UNION ALL
    SELECT 'label', l.label, count(*), {sums}
    FROM d JOIN l ON l.enterprise_id = d.enterprise_id GROUP BY l.label"""


def run_hand(root: Path, months: int, args: argparse.Namespace) -> tuple[Callable, Callable]:
    import duckdb

    con = duckdb.connect(config={"threads": args.threads, "memory_limit": args.duckdb_memory})
    sql = hand_sql(root, months)

    def query() -> list:
        return con.sql(sql).fetchall()

    return query, lambda: None


def compare_hand(hand: list[tuple], engine: list[tuple], columns: list[str]) -> tuple[bool, str]:
    """The hand-written sums against the bulletin's, group by group (exact integers)."""
    index = {name: i for i, name in enumerate(columns)}
    ours = {(str(r[index["breakdown"]]), str(r[index["grp"]])): r for r in engine}
    theirs = {(str(r[0]), str(r[1])): r for r in hand}
    if ours.keys() != theirs.keys():
        return False, f"groups differ: {sorted(set(ours) ^ set(theirs))[:5]}"
    for key, row in theirs.items():
        for position, m in enumerate(FLOWS):
            for offset, suffix in ((0, "month"), (1, "cum")):
                got = row[3 + 2 * position + offset]
                want = ours[key][index[f"{m}__{suffix}"]]
                if not _equal(got, want):
                    return False, f"{key} {m}__{suffix}: {got} != {want}"
        if int(row[2]) != int(ours[key][index["firms_reporting"]]):
            return False, f"{key} firms: {row[2]} != {ours[key][index['firms_reporting']]}"
    return True, f"{len(theirs)} groups x {len(FLOWS)} flows, month and year to date, exact"


# --- CPU time: this process (DuckDB runs in it) and its children (the Spark JVM) ------------
_TICK = os.sysconf("SC_CLK_TCK")


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        children = [p for p, parent in parents.items() if parent == pid]
        found += children
        frontier += children
    return found


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and its live descendants."""
    total = time.process_time()
    for pid in _descendants(os.getpid()):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime
    return total


# --- the engines -----------------------------------------------------------------------------
#: The bulletin's column names (as DuckDB returns them; Spark returns the same, in order).
COLUMNS: list[str] = []


def run_duckdb(root: Path, months: int, args: argparse.Namespace) -> tuple[Callable, Callable]:
    import duckdb

    # Spills go beside the dataset, not into the working directory.
    config = {
        "memory_limit": args.duckdb_memory,
        "threads": args.threads,
        "temp_directory": str(root / "duckdb-spill"),
    }
    con = duckdb.connect(config=config)
    fw_sql, grouped_sql_text = bulletin_sql(months)
    labels = labels_at_sql(date(YEAR, months, 28))

    def load() -> None:
        for spec in TABLES:
            if spec.follows:
                continue  # the per-year cache is built from the reports per run (ytd_sql)
            if spec.name == "reports":
                source = f"read_parquet('{dataset_path(root, spec.name)}/**/*.parquet')"
                con.execute(f"CREATE OR REPLACE VIEW raw_reports AS SELECT * FROM {source}")
                view = reports_view_sql(spec.shape_sql).replace("FROM raw ", "FROM raw_reports ")
                con.execute(f"CREATE OR REPLACE VIEW reports AS {view}")
                continue
            if not spec.derived:
                source = f"read_parquet('{dataset_path(root, spec.name)}/*.parquet')"
                con.execute(f"CREATE OR REPLACE VIEW raw AS SELECT * FROM {source}")
            con.execute(f"CREATE OR REPLACE TABLE {spec.name} AS {spec.shape_sql}")

    def query() -> list:
        # The engine builds the year's per-firm cache once per snapshot; a run builds it from
        # the Parquet reports, as a cluster does for each new bulletin.
        con.execute(f"CREATE OR REPLACE TEMP TABLE ytd AS {ytd_cache_sql()}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE fw AS {fw_sql}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE labels_at AS {labels}")
        result = con.sql(grouped_sql_text)
        COLUMNS[:] = result.columns
        return result.fetchall()

    return query, load


def run_spark(root: Path, months: int, args: argparse.Namespace) -> tuple[Callable, Callable]:
    os.environ["YUANQU_SPARK_MEMORY"] = args.spark_memory
    from yuanqu.analytics.spark import spark_session, to_spark_sql

    spark = spark_session(f"local[{args.threads}]")
    # A runtime SQL setting (the session's local default is 4): a few tasks per core, so the
    # per-firm pre-aggregate's shuffle blocks fit the heap; adaptive execution coalesces them.
    spark.conf.set("spark.sql.shuffle.partitions", str(args.shuffle_partitions))
    fw_sql, grouped_sql_text = bulletin_sql(months)
    labels = labels_at_sql(date(YEAR, months, 28))

    def load() -> None:
        for spec in TABLES:
            if spec.follows:
                continue  # the per-year cache is built from the reports per run (ytd_sql)
            if spec.name == "reports":
                raw = spark.read.parquet(str(dataset_path(root, spec.name)))
                raw.createOrReplaceTempView("raw_reports")
                view = reports_view_sql(spec.shape_sql).replace("FROM raw ", "FROM raw_reports ")
                spark.sql(to_spark_sql(view)).createOrReplaceTempView("reports")
                continue
            if not spec.derived:
                spark.read.parquet(str(dataset_path(root, spec.name))).createOrReplaceTempView(
                    "raw"
                )
            frame = spark.sql(to_spark_sql(spec.shape_sql)).cache()  # as the engine does
            frame.count()
            frame.createOrReplaceTempView(spec.name)

    def cached_bytes() -> int:
        infos = spark.sparkContext._jsc.sc().getRDDStorageInfo()
        return sum(info.memSize() + info.diskSize() for info in infos)

    def query() -> list:
        before = cached_bytes()
        ytd = spark.sql(to_spark_sql(ytd_cache_sql())).cache()
        ytd.createOrReplaceTempView("ytd")
        fw = spark.sql(to_spark_sql(fw_sql)).cache()
        fw.createOrReplaceTempView("fw")
        spark.sql(to_spark_sql(labels)).createOrReplaceTempView("labels_at")
        result = spark.sql(to_spark_sql(grouped_sql_text))
        rows = [tuple(r) for r in result.collect()]
        size = cached_bytes() - before
        # What the driver received: the bulletin's groups; the per-firm table stayed cached.
        print(
            f"  spark: the year cache and the per-firm pre-aggregate took {size / 2**20:,.0f} MiB"
            f" on the executors; {len(rows)} rows collected to the driver",
            flush=True,
        )
        fw.unpersist(blocking=True)
        ytd.unpersist(blocking=True)
        return rows

    return query, load


def measure(name: str, build, root: Path, firms: int, months: int, args) -> dict:
    query, load = build(root, months, args)
    started, cpu = time.perf_counter(), cpu_seconds()
    load()
    load_s, load_cpu = time.perf_counter() - started, cpu_seconds() - cpu
    times, cpus, rows = [], [], []
    for _ in range(args.repeat):
        started, cpu = time.perf_counter(), cpu_seconds()
        rows = query()
        times.append(time.perf_counter() - started)
        cpus.append(cpu_seconds() - cpu)
        print(f"  {name} run {len(times)}: {times[-1]:.1f} s, {cpus[-1]:.1f} CPU s", flush=True)
    median, median_cpu = statistics.median(times), statistics.median(cpus)
    millions = firms * months / 1e6
    print(
        f"{name:7s} load (dimensions) {load_s:6.1f} s ({load_cpu:.1f} CPU s)  "
        f"bulletin median {median:7.1f} s (runs: {', '.join(f'{t:.1f}' for t in times)}), "
        f"CPU {median_cpu:.1f} s\n"
        f"        per month partition {median / months:6.2f} s wall, "
        f"{median_cpu / months:6.2f} CPU s;  per million firm-months {median / millions:6.3f} s "
        f"wall, {median_cpu / millions:6.3f} CPU s;  load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    return {"median": median, "cpu": median_cpu, "rows": rows, "load_s": load_s}


def _equal(x: object, y: object) -> bool:
    if x is None or y is None:
        return x is None and y is None
    if isinstance(x, float) or isinstance(y, float):
        return math.isclose(float(x), float(y), rel_tol=1e-9)  # type: ignore[arg-type]
    return int(x) == int(y) if not isinstance(x, str) else x == y  # type: ignore[call-overload]


def _same(a: list[tuple], b: list[tuple]) -> tuple[bool, str]:
    """Every group and figure equal: integers (and DECIMAL sums) exactly, doubles to 1e-9."""

    def key(row: tuple) -> tuple[str, str]:
        return str(row[0]), str(row[1])

    a, b = sorted(a, key=key), sorted(b, key=key)
    if len(a) != len(b):
        return False, f"{len(a)} groups against {len(b)}"
    for left, right in zip(a, b, strict=True):
        for column, (x, y) in enumerate(zip(left, right, strict=True)):
            if not _equal(x, y):
                return False, f"group {key(left)} column {column}: {x} != {y}"
    return True, f"{len(a)} groups, {len(a[0]) if a else 0} columns each"


def run_size(args: argparse.Namespace, firms: int) -> dict[str, dict]:
    """Every engine (and the hand-written baseline) on one dataset size, in this run."""
    root = args.dir / f"firms{firms}-months{args.months}"
    if not (root / MANIFEST).is_file():
        print(f"generating {firms:,} firms x {args.months} months in {root}", flush=True)
        started = time.perf_counter()
        generate(root, firms, args.months)
        print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)
    size = sum(p.stat().st_size for p in dataset_path(root, "reports").rglob("*.parquet"))
    print(
        f"dataset: {firms:,} firms x {args.months} months = "
        f"{firms * args.months:,} firm-months, reports {size / 2**30:.2f} GiB of Parquet; "
        f"load average {os.getloadavg()}",
        flush=True,
    )
    builders = {"duckdb": run_duckdb, "spark": run_spark, "hand": run_hand}
    results = {}
    for name in [*args.engines.split(","), "hand"]:
        results[name] = measure(name, builders[name], root, firms, args.months, args)
    print(f"load average: {os.getloadavg()}", flush=True)
    if "duckdb" in results:
        duck, hand = results["duckdb"], results["hand"]
        same, why = compare_hand(hand["rows"], duck["rows"], COLUMNS)
        print(
            f"duckdb / hand-written: {duck['median'] / hand['median']:.2f}x wall, "
            f"{duck['cpu'] / hand['cpu']:.2f}x CPU (target 2x: "
            f"{'met' if duck['cpu'] <= 2 * hand['cpu'] else 'not met'}); "
            f"same sums: {same} ({why})",
            flush=True,
        )
        results["hand"]["same"] = same
    if "duckdb" in results and "spark" in results:
        duck, spark = results["duckdb"], results["spark"]
        same, why = _same(duck["rows"], spark["rows"])
        print(
            f"spark / duckdb: {spark['median'] / duck['median']:.2f}x wall, "
            f"{spark['cpu'] / duck['cpu']:.2f}x CPU; same bulletin: {same} ({why})",
            flush=True,
        )
        results["spark"]["same"] = same
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--firms",
        default="500000,5000000",
        help="one size or two, comma-separated (the per-million cost is compared between them)",
    )
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/yuanqu-scale"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads, Spark local[N]")
    parser.add_argument("--duckdb-memory", default="4GB")
    parser.add_argument("--spark-memory", default="6g", help="the driver's heap (local mode)")
    parser.add_argument("--shuffle-partitions", type=int, default=16)
    parser.add_argument("--engines", default="duckdb,spark")
    args = parser.parse_args()
    sizes = [int(size) for size in args.firms.split(",")]
    by_size = {firms: run_size(args, firms) for firms in sizes}
    print(f"\nper million firm-months, CPU s (load average {os.getloadavg()[0]:.1f}):", flush=True)
    for name in [*args.engines.split(","), "hand"]:
        costs = [
            by_size[f][name]["cpu"] / (f * args.months / 1e6) for f in sizes if name in by_size[f]
        ]
        figures = ", ".join(f"{f:,} firms {c:.3f}" for f, c in zip(sizes, costs, strict=True))
        ratio = (
            f"; larger / smaller {costs[-1] / costs[0]:.2f} (1.00 = linear)"
            if len(costs) > 1
            else ""
        )
        print(f"  {name:7s} {figures}{ratio}", flush=True)
    same = all(r.get("same", True) for results in by_size.values() for r in results.values())
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
