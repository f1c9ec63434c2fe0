"""Matching 1,000 space requirements against 50,000 units: DuckDB against a pandas baseline.

Prints the DuckDB time (median and best of five runs, target: median under 1 s), the same matching
in pandas (merge on use, filter, sort, head per requirement; median of three) measured in the same
run, the ratio of the medians, the load average (the machine is shared), and checks both rank the
same units for every requirement.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa

from yuanqu.space.matching import REQUIREMENT_SCHEMA, UNIT_SCHEMA, match_tables

UNITS = 50_000
REQUIREMENTS = 1_000
TOP = 5
TARGET_SECONDS = 1.0
USES = ["production", "rd", "office", "storage"]
SUB_AREAS = ["核心区", "河西区", "路东区", "路南区", "经海路", "马驹桥", "瀛海", "台湖"]
TODAY = date(2024, 6, 30)


def tables(seed: int = 2024) -> tuple[pa.Table, pa.Table]:
    rng = np.random.default_rng(seed)
    area = np.clip(rng.lognormal(np.log(1200), 0.9, UNITS).astype(np.int64), 60, 40_000)
    free = rng.random(UNITS)
    available = [None if f < 0.55 else TODAY + timedelta(days=int(f * 400) - 220) for f in free]
    units = pa.table(
        {
            "unit_id": np.arange(1, UNITS + 1),
            "area_sqm": area,
            "height_cm": rng.choice([420, 600, 800, 1000, 1200], UNITS),
            "load_kg_sqm": rng.choice([500, 800, 1000, 1500, 2000, 3000], UNITS),
            "use": rng.choice(USES, UNITS),
            "sub_area": rng.choice(SUB_AREAS, UNITS),
            "rent_fen_sqm_day": rng.integers(120, 450, UNITS),
            "available_on": available,
        },
        schema=UNIT_SCHEMA,
    )
    low = np.clip(rng.lognormal(np.log(1000), 0.8, REQUIREMENTS).astype(np.int64), 50, 30_000)
    requirements = pa.table(
        {
            "requirement_id": np.arange(1, REQUIREMENTS + 1),
            "min_area_sqm": low,
            "max_area_sqm": (low * rng.uniform(1.2, 2.5, REQUIREMENTS)).astype(np.int64),
            "min_height_cm": [None if x < 0.3 else int(x * 1000) for x in rng.random(REQUIREMENTS)],
            "min_load_kg_sqm": rng.choice([500, 800, 1000, 2000], REQUIREMENTS),
            "use": rng.choice(USES, REQUIREMENTS),
            "sub_area": [
                None if x < 0.4 else SUB_AREAS[int(x * 80) % 8] for x in rng.random(REQUIREMENTS)
            ],
            "needed_on": [TODAY + timedelta(days=int(x * 180)) for x in rng.random(REQUIREMENTS)],
        },
        schema=REQUIREMENT_SCHEMA,
    )
    return units, requirements


def pandas_match(units: pd.DataFrame, requirements: pd.DataFrame) -> pd.DataFrame:
    """The same matching in pandas: the obvious vectorised baseline."""
    pairs = requirements.merge(units, on="use", suffixes=("_r", "_u"))
    pairs = pairs[
        (pairs.area_sqm >= pairs.min_area_sqm)
        & (pairs.area_sqm <= pairs.max_area_sqm)
        & (pairs.height_cm >= pairs.min_height_cm.fillna(0))
        & (pairs.load_kg_sqm >= pairs.min_load_kg_sqm.fillna(0))
        & (pairs.sub_area_r.isna() | (pairs.sub_area_r == pairs.sub_area_u))
        & pairs.available_on.notna()
        & (pairs.available_on <= pairs.needed_on)
    ].copy()
    pairs["fit"] = (2 * pairs.area_sqm - pairs.min_area_sqm - pairs.max_area_sqm).abs()
    pairs = pairs.sort_values(["requirement_id", "fit", "rent_fen_sqm_day", "unit_id"])
    pairs["rank"] = pairs.groupby("requirement_id").cumcount() + 1
    return pairs[pairs["rank"] <= TOP][["requirement_id", "unit_id", "rank"]]


def timed(run, n: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(n):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return times, result


def main() -> int:
    units, requirements = tables()
    duck_times, duck = timed(lambda: match_tables(units, requirements, top=TOP), 5)
    units_df = units.to_pandas()
    requirements_df = requirements.to_pandas()
    panda_times, panda = timed(lambda: pandas_match(units_df, requirements_df), 3)
    ours = {(r["requirement_id"], r["rank"]): r["unit_id"] for r in duck.to_pylist()}  # type: ignore[union-attr]
    theirs = {
        (int(q), int(k)): int(u)
        for q, u, k in panda.itertuples(index=False)  # type: ignore[union-attr]
    }
    median, best = statistics.median(duck_times), min(duck_times)
    baseline = statistics.median(panda_times)
    matched = len({q for q, _k in ours})
    print(
        f"{REQUIREMENTS:,} requirements x {UNITS:,} units, top {TOP}: {len(ours):,} matches "
        f"({matched:,} requirements with at least one unit)"
    )
    print(f"duckdb: median {median:.3f} s, best {best:.3f} s (target < {TARGET_SECONDS:.1f} s)")
    print(
        f"pandas baseline (same run): median {baseline:.3f} s; ratio duckdb/pandas "
        f"{median / baseline:.2f}x"
    )
    print(f"uptime: {os.popen('uptime').read().strip()}")
    if ours != theirs:
        print("MISMATCH: duckdb and pandas ranked different units", file=sys.stderr)
        return 1
    return 0 if median < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
