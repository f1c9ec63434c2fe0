"""Grading N firms by the shipped 亩均 method: yuanqu's engine against the same grading written by
hand with polars, in one run, on the same synthetic inputs.

    python benchmarks/mu_grading.py [N ...] [--repeat R]      (default 100000, 3 repeats)

Prints, per size: yuanqu's warm time (median of R runs after one warm-up) in wall and CPU seconds,
polars' likewise, the ratios, how many grades differ (expect 0), and the load average. CPU seconds
are this process's own, so they hold up on a shared machine. Target: 100,000 firms under 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from decimal import Decimal

import numpy as np
import polars as pl
import pyarrow as pa

from yuanqu.mu.engine import grade
from yuanqu.mu.method import method_for

YEAR = 2023
D = pa.decimal128(38, 10)


def inputs(n: int, seed: int = 7) -> pa.Table:
    """N manufacturing firms (a few in section D), two thirds above scale, with realistic spreads:
    land 5-300 亩, tax per 亩 lognormal around 15万, some inputs missing, some founded lately."""
    rng = np.random.default_rng(seed)
    land = np.round(rng.uniform(5, 300, n), 4)
    tax = np.round(land * rng.lognormal(np.log(150_000), 0.9, n), 2)
    value_added = np.round(tax * rng.lognormal(np.log(4), 0.5, n), 2)
    revenue = np.round(value_added * rng.lognormal(np.log(3), 0.3, n), 2)
    rd = np.round(revenue * rng.uniform(0, 0.08, n), 2)
    energy = np.round(value_added / rng.lognormal(np.log(20_000), 0.6, n), 3)
    emissions = np.round(energy * rng.uniform(0.01, 0.1, n), 3)
    electricity = np.round(energy * rng.uniform(5000, 9000, n), 0)
    employees = np.round(value_added / rng.lognormal(np.log(300_000), 0.5, n), 2)
    missing = rng.random(n) < 0.03

    def dec(values, drop=None) -> pa.Array:
        out = [Decimal(str(v)) for v in values]
        if drop is not None:
            out = [None if d else v for v, d in zip(out, drop, strict=True)]
        return pa.array(out, type=D)

    established = rng.integers(1990, YEAR + 1, n)
    return pa.table(
        {
            "firm_id": pa.array(range(n), type=pa.int64()),
            "uscc": pa.array([f"F{i:09d}" for i in range(n)]),
            "name": pa.array([f"企业{i}" for i in range(n)]),
            "industry_code": pa.array(["3973"] * n),
            "industry_section": pa.array(np.where(rng.random(n) < 0.01, "D", "C").tolist()),
            "sub_area": pa.array(["核心区"] * n),
            "task_force": pa.array([None] * n, type=pa.string()),
            "established_year": pa.array(established, type=pa.int64()),
            "above_scale": pa.array((rng.random(n) < 0.66).tolist()),
            "tax": dec(tax),
            "value_added": dec(value_added),
            "revenue": dec(revenue),
            "rd_expense": dec(rd),
            "gross_output": dec(revenue),
            "employees_avg": dec(employees),
            "land_mu": dec(land),
            "energy_tce": dec(energy, missing),
            "emissions_t": dec(emissions),
            "electricity_kwh": dec(electricity),
            "established_years": dec(YEAR - established),
        }
    )


def by_hand(table: pa.Table) -> pl.DataFrame:
    """The default method, written directly in polars (floats for the ratios, as the engine)."""
    df = pl.from_arrow(table).with_columns(pl.selectors.decimal().cast(pl.Float64))
    df = df.filter(pl.col("industry_section").is_in(["C", "D"]) & (pl.col("land_mu") > 0))
    exempt = (pl.col("established_years") < 2) | (pl.col("industry_section") == "D")
    graded = df.filter(~exempt)
    groups = {
        True: [
            ("tax", "land_mu", 30), ("value_added", "land_mu", 20),
            ("value_added", "energy_tce", 20), ("value_added", "emissions_t", 10),
            ("value_added", "employees_avg", 10), ("rd_expense", "revenue", 10),
        ],
        False: [("tax", "land_mu", 50), ("tax", "electricity_kwh", 50)],
    }  # fmt: skip
    out = []
    for above, indicators in groups.items():
        g = graded.filter(pl.col("above_scale") == above)
        scores = []
        # a firm lacking an input for every indicator is not graded (nor counted in n)
        nothing = pl.lit(True)
        for k, (num, den, weight) in enumerate(indicators):
            both = pl.col(num).is_not_null() & pl.col(den).is_not_null() & (pl.col(den) > 0)
            nothing = nothing & ~both
            bench = g.select(pl.col(num).filter(both).sum() / pl.col(den).filter(both).sum()).item()
            value = pl.when(both).then(pl.col(num) / pl.col(den))
            scores.append(
                pl.when((value > 0) & (bench > 0))
                .then(weight * pl.min_horizontal(value / bench, 2.0))
                .otherwise(0.0)
                .alias(f"s{k}")
            )
        g = (
            g.filter(~nothing)
            .with_columns(scores)
            .with_columns(
                pl.sum_horizontal([f"s{k}" for k in range(len(indicators))]).alias("total")
            )
        )
        n = g.height
        micro = (pl.col("total") * 1e6).round(0).cast(pl.Int64)
        g = g.with_columns(micro.rank("min", descending=True).alias("rank")).with_columns(
            pl.when(pl.col("rank") * 10000 <= 2500 * n).then(pl.lit("A"))
            .when(pl.col("rank") * 10000 <= 7000 * n).then(pl.lit("B"))
            .when(pl.col("rank") * 10000 <= 9500 * n).then(pl.lit("C"))
            .otherwise(pl.lit("D")).alias("grade")
        )  # fmt: skip
        out.append(g.select("uscc", "total", "rank", "grade"))
    return pl.concat(out)


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """(median wall seconds, median CPU seconds of this process, the result) after a warm-up."""
    result = fn()
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", type=int, default=[100_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    method = method_for(YEAR)
    for n in args.sizes:
        table = inputs(n)
        ours, ours_cpu, grading = timed(lambda table=table: grade(table, method), args.repeat)
        theirs, theirs_cpu, hand = timed(lambda table=table: by_hand(table), args.repeat)
        mine = {
            r["uscc"]: r["grade"] for r in grading.results.select(["uscc", "grade"]).to_pylist()
        }
        differ = sum(1 for u, g in hand.select("uscc", "grade").iter_rows() if mine.get(u) != g)
        target = "met" if ours < 1.0 or n != 100_000 else "NOT met"
        print(
            f"{n:,} firms: yuanqu {ours:.3f} s warm, {ours_cpu:.3f} CPU-s (target 1 s at 100,000: "
            f"{target}); polars by hand {theirs:.3f} s, {theirs_cpu:.3f} CPU-s; yuanqu / polars "
            f"{ours / theirs:.2f}x wall, {ours_cpu / theirs_cpu:.2f}x CPU; "
            f"grades differing {differ}; load average {os.getloadavg()[0]:.2f}"
        )


if __name__ == "__main__":
    main()
