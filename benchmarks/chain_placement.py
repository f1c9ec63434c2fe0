"""Placement of 100,000 firms on every shipped chain: the vectorised engine against a naive loop.

Prints the engine's time (median and best of five runs, target: median under 3 s), the naive
per-firm Python loop's time on the same firms (median of three), the ratio of the medians and the
load average (the machine is shared); checks both give the same placements.
The firms are the demo generator's (names, industry codes and business scopes as in the demo).
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import pyarrow as pa

from yuanqu.chains.definitions import shipped_chains
from yuanqu.chains.placement import FIRM_SCHEMA, place, place_naively, unplaced
from yuanqu.demo.zone import build_zone

FIRMS = 100_000
TARGET_SECONDS = 3.0


def firms_table(n: int) -> pa.Table:
    records = build_zone(seed=2023, firms=n).records
    return pa.table(
        {
            "id": list(range(1, len(records) + 1)),
            "name": [r.name for r in records],
            "industry_code": [r.industry_code for r in records],
            "industry_section": [r.industry_section for r in records],
            "business_scope": [r.business_scope for r in records],
        },
        schema=FIRM_SCHEMA,
    )


def main() -> int:
    chains = shipped_chains()
    firms = firms_table(FIRMS)
    segments = sum(len(c.segments) for c in chains)
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        placements = place(firms, chains)
        unplaced(firms, placements, chains)
        timings.append(time.perf_counter() - started)
    fast = statistics.median(timings)
    slow_runs = []
    for _ in range(3):
        started = time.perf_counter()
        naive = place_naively(firms, chains)
        slow_runs.append(time.perf_counter() - started)
    slow = statistics.median(slow_runs)
    same = set(naive) == {
        (r["enterprise_id"], r["chain"], r["segment"]) for r in placements.to_pylist()
    }
    print(
        f"chain placement: {firms.num_rows:,} firms on {len(chains)} chains ({segments} segments), "
        f"{placements.num_rows:,} placements; load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"  vectorised (DuckDB over Arrow): median {fast:.3f} s, best {min(timings):.3f} s "
        f"of 5 (target < {TARGET_SECONDS} s)"
    )
    print(f"  naive per-firm Python loop:     median {slow:.3f} s of 3")
    print(f"  ratio of medians: {slow / fast:.1f}x faster; same placements: {same}")
    return 0 if same and fast < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
