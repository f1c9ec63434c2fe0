"""The monthly bulletin at province scale: DuckDB against Spark (local) on one Parquet dataset.

Writes (once) a synthetic dataset in the layout of ``yuanqu export parquet`` (docs/scale.md):
``--firms`` firms (default 5 million) reporting every month of ``--months`` months, the monthly
reports partitioned by year and month. ``--months N`` (default 24) is the last N months ending
in December 2023 when N > 12: 24 is every month of 2022 and of 2023, what the bulletin of
December 2023 reads (its growth rates compare with the same month and the same year to date of
2022; 2023's figures are 2022's times a random factor around 1.05 per firm and month). N <= 12
is January to month N of 2023 alone (the bulletin of month N, with no last year: its growth
rates are empty). Then runs the bulletin's own definitions on each engine: the table specs'
shaping SQL (:data:`yuanqu.stats.frames.TABLES`), then the one statement ``stats.bulletin``
sends for a province (on Spark): the per-firm windows of the bulletin's month, read from the
month partitions of both years in one pass grouped by firm (``firm_windows_sql(narrow=True)``),
and the GROUPING SETS over them (:mod:`yuanqu.stats.windows`), transpiled to Spark SQL by
sqlglot as the Spark engine does. The engine ``duckdb_full`` runs the same bulletin the way a
zone's snapshot does, over each year's whole per-firm cache built first (every month's
columns): the cost the narrow statement saves, measured in the same run.

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
sums of this year's month and year to date and of last year's same month and year to date, the
bulletin's groups and labels, in one statement) is the baseline: its sums are checked equal to
the bulletin's, group by group (this year's exactly; last year's through the bulletin's plain
growth rates, which are computed from them), and the ratio DuckDB / hand-written is printed
against the 2x target; at 5,000,000 firms x 24 months, the 60-second target too. The
hand-written query leaves out what the bulletin adds (comparable prices, same-scope growth,
shares, the per-month columns of the cache), so the ratio overstates the overhead of the
definitions somewhat. On Spark it prints how many rows came back to the driver: the bulletin's
groups only (the per-firm tables stay in the engine).

Memory is bounded: DuckDB ``memory_limit`` (``--duckdb-memory``) and Spark's driver heap
(``--spark-memory``; in local mode the executors run in the driver's JVM). Spark is not expected
to win on 2 cores: it is measured for its per-partition cost, which docs/scale.md extrapolates.
"""

from __future__ import annotations

import argparse
import functools
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
#: The amounts summed over months (the headcount is a stock).
FLOWS = [name for name in MEASURE_FIELDS if name != "employees"]
MAX_MONTHS = 24
#: The 60-second target: the bulletin at this size, on DuckDB.
TARGET_FIRMS, TARGET_MONTHS, TARGET_SECONDS = 5_000_000, 24, 60


def layout(months: int) -> list[tuple[int, int]]:
    """The (year, month) partitions of a ``--months`` dataset, in calendar order: January to
    ``months`` of YEAR, or (over 12) the last ``months`` months ending in December of YEAR."""
    if not 1 <= months <= MAX_MONTHS:
        raise ValueError(f"--months must be 1 to {MAX_MONTHS}, not {months}")
    if months <= 12:
        return [(YEAR, m) for m in range(1, months + 1)]
    return [(YEAR - 1, m) for m in range(25 - months, 13)] + [(YEAR, m) for m in range(1, 13)]


def bulletin_month(months: int) -> int:
    """The month of YEAR whose bulletin is measured: the last month written."""
    return layout(months)[-1][1]


def years_read(months: int) -> list[int]:
    """The years a bulletin reads (last year too when the dataset holds it), oldest first."""
    return sorted({year for year, _month in layout(months)})


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
    periods = [f"{year}-{m:02d}" for year in years_read(months) for m in range(1, 13)]
    _write(
        pa.table(
            {
                "division": ["39"] * len(periods) + ["27"] * len(periods),
                "period": periods * 2,
                "price_index": [101.0 + (i % 12) / 10 for i in range(len(periods))]
                + [98.5] * len(periods),
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
    # Last year's figures: this year's divided by a growth factor around 1.05 (a firm's own
    # growth, times a month's noise), drawn from a generator of their own so that this year's
    # figures are those of a 12-month dataset (the same seed, the same draws).
    growth_rng = np.random.default_rng(2022)
    firm_growth = np.clip(growth_rng.normal(1.05, 0.1, firms), 0.5, 2.0)
    written = set(layout(months))
    for month in range(1, bulletin_month(months) + 1):
        started = time.perf_counter()
        flows = {f"{name}_fen": scale * rng.integers(50, 150, firms) for name in FLOWS}
        for year in years_read(months):
            if (year, month) not in written:
                continue
            if year == YEAR:
                values = flows
            else:
                noise = np.clip(growth_rng.normal(1.0, 0.05, firms), 0.8, 1.2)
                values = {
                    name: np.rint(column / (firm_growth * noise)).astype(np.int64)
                    for name, column in flows.items()
                }
            columns: dict[str, object] = {
                "enterprise_id": ids,
                "period": _pick([f"{year}-{month:02d}"], np.zeros(firms, np.int8)),
                **{f"{name}_fen": values[f"{name}_fen"] for name in FLOWS},
                "employees": employees,
            }
            target = dataset_path(root, "reports") / f"year={year}" / f"month={month}"
            _write(pa.table(columns), target)
        took = time.perf_counter() - started
        print(
            f"  wrote month {month} of {', '.join(map(str, years_read(months)))}: "
            f"{firms:,} rows a year in {took:.1f} s",
            flush=True,
        )
    manifest = {
        "format_version": FORMAT_VERSION,
        "synthetic": {"firms": firms, "months": months, "periods": _periods(months)},
    }
    (root / MANIFEST).write_text(json.dumps(manifest))


def _periods(months: int) -> list[str]:
    return [f"{year}-{month:02d}" for year, month in layout(months)]


def check_dataset(root: Path, firms: int, months: int) -> bool:
    """Whether ``root`` holds the dataset of these dimensions (True: reuse it; False: nothing
    there yet, generate it). Exits with a message when it holds another one (a manifest of other
    dimensions, or month partitions this layout does not have, e.g. ``month=13`` written by an
    earlier version of this script): regenerating over it would mix the two."""
    reports = dataset_path(root, "reports")
    found = {
        (int(month.parent.name.removeprefix("year=")), int(month.name.removeprefix("month=")))
        for month in reports.glob("year=*/month=*")
    }
    problem = ""
    if (root / MANIFEST).is_file():
        recorded = json.loads((root / MANIFEST).read_text()).get("synthetic", {})
        # A manifest without periods was written by the version that wrote January to month N
        # of YEAR for any N (so month 13 and on for N > 12).
        periods = recorded.get(
            "periods", [f"{YEAR}-{m:02d}" for m in range(1, int(recorded.get("months", 0)) + 1)]
        )
        if (recorded.get("firms"), recorded.get("months"), periods) != (
            firms,
            months,
            _periods(months),
        ):
            problem = (
                f"its manifest records {recorded.get('firms')} firms, periods "
                f"{periods[0] if periods else '-'} to {periods[-1] if periods else '-'}"
            )
        elif found != set(layout(months)):
            problem = (
                f"its month partitions are not {_periods(months)[0]} to {_periods(months)[-1]}"
            )
        else:
            return True
    elif found - set(layout(months)):
        problem = f"it holds month partitions outside this layout: {sorted(found)[:3]}..."
    if problem:
        sys.exit(
            f"{root} holds another dataset ({problem}); this run needs {firms:,} firms x "
            f"{months} months, {_periods(months)[0]} to {_periods(months)[-1]}. Delete the "
            "directory (or pass another --dir) to have it generated again."
        )
    return False


def bulletin_sql(months: int, *, narrow: bool = True) -> tuple[str, str]:
    """The two definitions of the bulletin, exactly as the stats service builds them: the
    per-firm windows and the GROUPING SETS over them. ``narrow`` (a province's run, what
    ``stats.bulletin`` sends on Spark): the per-firm windows read from the reports in one pass
    inside the statement; otherwise from the ``ytd`` cache of every month (what a zone's
    snapshot keeps for its pages)."""
    last = bulletin_month(months)
    window = Window(YEAR, last, last)  # the month's bulletin, against the same month last year
    fw = firm_windows_sql(MEASURES, window, prices=True, narrow=narrow)
    grouped = grouped_sql(
        MEASURES,
        window,
        prices=True,
        partitions=[b for b in BULLETIN_BREAKDOWNS if b in PARTITIONS],
        labels=True,
    )
    return fw, grouped


def ytd_cache_sql(year: int) -> str:
    """The per-firm year-to-date cache of one year (the table spec that follows the reports);
    the engines build one per year read and keep their rows in one table (a column ``year``)."""
    (spec,) = (s for s in TABLES if s.follows == "reports")
    return spec.shape_sql.format(slice=year)


def reports_view_sql(shape_sql: str) -> str:
    """The reports' shaping SQL as a view over the month partitions: without an ``ORDER BY``
    (sorting 120 million rows per run is not the work a bulletin does: the partitions are the
    layout), and with ``year`` and ``month`` read from the partition directories (``year=2023/
    month=5``, the same as the period's, which the shaping SQL cuts out of it). The per-year
    cache filters the reports by year and month, once per month: on the partition columns both
    engines read that month's partition alone; on an expression of ``period`` each of the 24
    filters would read every partition of both years (576 partition scans for 24 months, 144
    for 12), a cost growing with the square of the months that neither engine pays (DuckDB's
    filters a year's reports held in memory, Spark's reads the years' partitions once, cached)."""
    tree = sqlglot.parse_one(shape_sql, read="duckdb")
    tree.set("order", None)
    replaced = 0
    for alias in tree.expressions:
        if isinstance(alias, sqlglot.exp.Alias) and alias.alias in ("year", "month"):
            alias.set("this", sqlglot.exp.column(alias.alias, table="r"))
            replaced += 1
    assert replaced == 2, "the reports' shaping SQL no longer derives year and month"
    return tree.sql(dialect="duckdb")


# --- the baseline: one hand-written DuckDB query over the same Parquet ------------------------


def hand_sql(root: Path, months: int) -> str:
    """The bulletin's sums as an analyst would write them in one DuckDB query: per firm the
    month's and the year-to-date sums of every flow, this year's and last year's (what growth
    against last year is computed from), then the same groups as the bulletin (total, the
    partition breakdowns, the labels held at the period's end) with the firms reporting in the
    month. No price deflation, no growth rates, no shares: the part of the bulletin's work every
    engine must do, scan both years, per-firm aggregate and roll-up."""
    reports = f"{dataset_path(root, 'reports')}/year=*/month=*/*.parquet"
    last, base = bulletin_month(months), YEAR - 1
    parts = {
        "m": f"year = {YEAR} AND month = {last}",
        "c": f"year = {YEAR}",
        "mb": f"year = {base} AND month = {last}",
        "cb": f"year = {base}",
    }
    per_firm = ", ".join(
        f"SUM({m}_fen) FILTER (WHERE {where}) AS {m}_{part}"
        for m in FLOWS
        for part, where in parts.items()
    )
    sums = ", ".join(f"SUM({m}_{part}) AS {m}_{part}" for m in FLOWS for part in parts)
    firms = "count(*) FILTER (WHERE present)"
    sets = [b for b in BULLETIN_BREAKDOWNS if b in PARTITIONS]
    which = " ".join(f"WHEN GROUPING({b}) = 0 THEN '{b}'" for b in sets)
    value = ", ".join(sets)
    day = date(YEAR, last, 28).isoformat()
    return f"""
    WITH f AS (
      SELECT enterprise_id, bool_or({parts["m"]}) AS present, {per_firm}
      FROM read_parquet('{reports}', hive_partitioning = true)
      WHERE year IN ({base}, {YEAR}) AND month <= {last} GROUP BY enterprise_id),
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
           COALESCE({value}, 'total') AS grp, {firms} AS firms, {sums}
    FROM d GROUP BY GROUPING SETS ((), {", ".join(f"({b})" for b in sets)})
    UNION ALL
    SELECT 'label', l.label, {firms}, {sums}
    FROM d JOIN l ON l.enterprise_id = d.enterprise_id GROUP BY l.label"""


def run_hand(root: Path, months: int, args: argparse.Namespace) -> tuple[Callable, Callable]:
    import duckdb

    con = duckdb.connect(config={"threads": args.threads, "memory_limit": args.duckdb_memory})
    sql = hand_sql(root, months)

    def query() -> list:
        return con.sql(sql).fetchall()

    return query, lambda: None


def _change(current: object, base: object) -> float | None:
    """The bulletin's plain growth rate (``windows._growth``): the same double arithmetic."""
    if current is None or base is None or int(base) <= 0:  # type: ignore[call-overload]
        return None
    return (float(current) / int(base) - 1) * 100  # type: ignore[arg-type, call-overload]


def compare_hand(
    hand: list[tuple], engine: list[tuple], columns: list[str], months: int
) -> tuple[bool, str]:
    """The hand-written sums against the bulletin's, group by group: this year's month and year
    to date exactly (integers); last year's through the bulletin's plain growth rates
    (``__month_change``, ``__cum_change``: this year's sum over last year's, the bulletin does
    not return last year's sums), the same double arithmetic. With last year in the dataset,
    last year's sums must be there (not NULL), so growth is really measured against them."""
    index = {name: i for i, name in enumerate(columns)}
    ours = {(str(r[index["breakdown"]]), str(r[index["grp"]])): r for r in engine}
    theirs = {(str(r[0]), str(r[1])): r for r in hand}
    if ours.keys() != theirs.keys():
        return False, f"groups differ: {sorted(set(ours) ^ set(theirs))[:5]}"
    with_base = len(years_read(months)) > 1
    for key, row in theirs.items():
        for position, m in enumerate(FLOWS):
            month, cum, month_base, cum_base = row[3 + 4 * position : 7 + 4 * position]
            for got, suffix in ((month, "month"), (cum, "cum")):
                want = ours[key][index[f"{m}__{suffix}"]]
                if not _equal(got, want):
                    return False, f"{key} {m}__{suffix}: {got} != {want}"
            for current, base, suffix in ((month, month_base, "month"), (cum, cum_base, "cum")):
                if with_base and base is None:
                    return False, f"{key} {m}: no last-year {suffix} sum"
                got, want = _change(current, base), ours[key][index[f"{m}__{suffix}_change"]]
                if not _equal(got, want):
                    return False, f"{key} {m}__{suffix}_change: {got} != {want}"
        if int(row[2]) != int(ours[key][index["firms_reporting"]]):
            return False, f"{key} firms: {row[2]} != {ours[key][index['firms_reporting']]}"
    base = (
        f"; last year's through the growth rates (total {FLOWS[0]} year to date "
        f"{ours[('total', 'total')][index[f'{FLOWS[0]}__cum_change']]:+.2f} %)"
        if with_base
        else " (no last year in the dataset: growth empty)"
    )
    return True, f"{len(theirs)} groups x {len(FLOWS)} flows, month and year to date exact{base}"


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


def run_duckdb(
    root: Path, months: int, args: argparse.Namespace, *, narrow: bool = True
) -> tuple[Callable, Callable]:
    """The bulletin's definitions on DuckDB. ``narrow`` (engine ``duckdb``): one statement, the
    per-firm windows read from the reports inside it, as a province's bulletin runs; otherwise
    (``duckdb_full``) each year's whole cache first, as a zone's snapshot builds it."""
    import duckdb

    # Spills go beside the dataset, not into the working directory.
    config = {
        "memory_limit": args.duckdb_memory,
        "threads": args.threads,
        "temp_directory": str(root / "duckdb-spill"),
    }
    con = duckdb.connect(config=config)
    fw_sql, grouped_sql_text = bulletin_sql(months, narrow=narrow)
    labels = labels_at_sql(date(YEAR, bulletin_month(months), 28))

    def load() -> None:
        for spec in TABLES:
            if spec.follows:
                continue  # the per-year cache is built from the reports per run (ytd_sql)
            if spec.name == "reports":
                # Every month partition of both years (year=*/month=*).
                source = (
                    f"read_parquet('{dataset_path(root, spec.name)}/**/*.parquet', "
                    "hive_partitioning = true, "
                    "hive_types = {'year': 'INTEGER', 'month': 'INTEGER'})"
                )
                con.execute(f"CREATE OR REPLACE VIEW raw_reports AS SELECT * FROM {source}")
                view = reports_view_sql(spec.shape_sql).replace("FROM raw ", "FROM raw_reports ")
                con.execute(f"CREATE OR REPLACE VIEW reports AS {view}")
                continue
            if not spec.derived:
                source = f"read_parquet('{dataset_path(root, spec.name)}/*.parquet')"
                con.execute(f"CREATE OR REPLACE VIEW raw AS SELECT * FROM {source}")
            con.execute(f"CREATE OR REPLACE TABLE {spec.name} AS {spec.shape_sql}")

    def query() -> list:
        if narrow:
            # One statement: per firm, this month's and the year to date's sums of both years
            # straight from the month partitions, then the groups.
            con.execute(f"CREATE OR REPLACE TEMP VIEW fw AS {fw_sql}")
        else:
            # Each year's whole per-firm cache once, as a zone's snapshot keeps it (the rows of
            # every year read in one table), then the pre-aggregate read from it.
            first, *others = years_read(months)
            con.execute(f"CREATE OR REPLACE TEMP TABLE ytd AS {ytd_cache_sql(first)}")
            for year in others:
                con.execute(f"INSERT INTO ytd {ytd_cache_sql(year)}")
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
    labels = labels_at_sql(date(YEAR, bulletin_month(months), 28))

    def load() -> None:
        for spec in TABLES:
            if spec.follows:
                continue  # the per-year cache is built from the reports per run (ytd_sql)
            if spec.name == "reports":
                # Partition discovery: every year=*/month=* directory, both years (year and
                # month inferred as integers: the view's filters on them prune partitions).
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

    def query() -> list:
        # What ``stats.bulletin`` sends on Spark: one statement, the per-firm windows (this
        # month's sums of both years, read from the month partitions in one pass) inlined into the
        # GROUPING SETS; nothing per firm is cached or collected.
        spark.sql(to_spark_sql(fw_sql)).createOrReplaceTempView("fw")
        spark.sql(to_spark_sql(labels)).createOrReplaceTempView("labels_at")
        result = spark.sql(to_spark_sql(grouped_sql_text))
        rows = [tuple(r) for r in result.collect()]
        # What the driver received: the bulletin's groups.
        print(f"  spark: {len(rows)} rows collected to the driver", flush=True)
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
    if not check_dataset(root, firms, args.months):
        periods = _periods(args.months)
        print(
            f"generating {firms:,} firms x {args.months} months ({periods[0]} to {periods[-1]})"
            f" in {root}",
            flush=True,
        )
        started = time.perf_counter()
        generate(root, firms, args.months)
        print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)
    size = sum(p.stat().st_size for p in dataset_path(root, "reports").rglob("*.parquet"))
    periods = _periods(args.months)
    print(
        f"dataset: {firms:,} firms x {args.months} months ({periods[0]} to {periods[-1]}) = "
        f"{firms * args.months:,} firm-months, reports {size / 2**30:.2f} GiB of Parquet; "
        f"bulletin of {YEAR}-{bulletin_month(args.months):02d}; load average {os.getloadavg()}",
        flush=True,
    )
    builders = {
        "duckdb": run_duckdb,
        "duckdb_full": functools.partial(run_duckdb, narrow=False),
        "spark": run_spark,
        "hand": run_hand,
    }
    results = {}
    for name in [*args.engines.split(","), "hand"]:
        results[name] = measure(name, builders[name], root, firms, args.months, args)
    print(f"load average: {os.getloadavg()}", flush=True)
    if "duckdb" in results:
        duck, hand = results["duckdb"], results["hand"]
        same, why = compare_hand(hand["rows"], duck["rows"], COLUMNS, args.months)
        print(
            f"duckdb / hand-written: {duck['median'] / hand['median']:.2f}x wall, "
            f"{duck['cpu'] / hand['cpu']:.2f}x CPU (target 2x: "
            f"{'met' if duck['cpu'] <= 2 * hand['cpu'] else 'not met'}); "
            f"same sums: {same} ({why})",
            flush=True,
        )
        results["hand"]["same"] = same
        if firms == TARGET_FIRMS and args.months == TARGET_MONTHS:
            met = duck["median"] < TARGET_SECONDS
            print(
                f"target under {TARGET_SECONDS} s for the bulletin at {TARGET_FIRMS:,} firms x "
                f"{TARGET_MONTHS} months: {'met' if met else 'NOT met'} (duckdb median "
                f"{duck['median']:.1f} s wall; load average {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    if "duckdb" in results and "duckdb_full" in results:
        narrow, full = results["duckdb"], results["duckdb_full"]
        same, why = _same(narrow["rows"], full["rows"])
        print(
            f"duckdb (narrow) / duckdb_full (every month's cache): "
            f"{narrow['median'] / full['median']:.2f}x wall, {narrow['cpu'] / full['cpu']:.2f}x "
            f"CPU; same bulletin: {same} ({why})",
            flush=True,
        )
        results["duckdb_full"]["same"] = same
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
    parser.add_argument(
        "--months",
        type=int,
        default=24,
        help=f"1 to {MAX_MONTHS}: over 12, the last N months ending in December {YEAR} (24: every "
        f"month of {YEAR - 1} and {YEAR}, what the bulletin of December {YEAR} reads, its growth "
        f"against {YEAR - 1}); 12 or fewer, January to month N of {YEAR} alone (the bulletin of "
        "month N, no growth). Default %(default)s",
    )
    parser.add_argument("--dir", type=Path, default=Path("/tmp/yuanqu-scale"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads, Spark local[N]")
    parser.add_argument(
        "--duckdb-memory",
        default="16GB",
        help="DuckDB memory_limit (default %(default)s: at 4GB the per-firm aggregates of "
        "5,000,000 firms spilled to disk and the cost stopped being linear)",
    )
    parser.add_argument("--spark-memory", default="6g", help="the driver's heap (local mode)")
    parser.add_argument("--shuffle-partitions", type=int, default=16)
    parser.add_argument("--engines", default="duckdb,spark")
    args = parser.parse_args()
    if not 1 <= args.months <= MAX_MONTHS:
        parser.error(f"--months must be 1 to {MAX_MONTHS}")
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
