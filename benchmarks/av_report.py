"""Benchmark: the autonomous-driving zone's annual road-test report over ten million records,
warm, against pandas in the same run.

The records are generated here, as Arrow tables in the shape the report's cache holds them
(``yuanqu.av.report``: monthly kilometres and disengagements, text keys dictionary-encoded):
``--vehicles`` vehicles of 400 test subjects, one row per vehicle, month (2020-2025) and mode of
kilometres, and as many disengagements, ten million rows in all by default; permits (a road test
per vehicle, later stages for some), incidents and roads beside them.

(a) yuanqu: :func:`yuanqu.av.report.compute_report`, the DuckDB statements the service runs once
    the records are in memory (warm: the cache is filled once per data version); the median of
    ``--repeat`` runs after one untimed run.
(b) pandas: the same figures the way an analyst would write them (filters, merges, groupbys),
    over the same rows already converted to DataFrames (the conversion is not counted).
The two are checked to agree (subjects, vehicles, kilometres, disengagements, every firm's
kilometres and disengagements, cumulative kilometres). Target: under 2 s warm.

Run: ``PYTHONPATH=src .venv/bin/python benchmarks/av_report.py [--vehicles 17400] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa

from yuanqu.av.report import compute_report

YEAR = 2023
MONTHS = [y * 100 + m for y in range(2020, 2026) for m in range(1, 13)]
MODES = ["safety_driver", "driverless", "passenger", "night"]
INITIATORS = ["system", "driver", "remote", "passenger"]
ROADS = ["urban", "expressway", "highway", "rural", "parking"]


def _dictionary(codes: np.ndarray, words: list[str]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), pa.array(words))


def generate(vehicles: int, firms: int = 400, seed: int = 22) -> dict[str, pa.Table]:
    rng = np.random.default_rng(seed)
    ids = np.arange(1, vehicles + 1, dtype=np.int64)
    owner = rng.integers(1, firms + 1, size=vehicles)
    per_vehicle = len(MONTHS) * len(MODES)
    mileage = pa.table(
        {
            "vehicle_id": np.repeat(ids, per_vehicle),
            "ym": np.tile(np.repeat(np.array(MONTHS, dtype=np.int32), len(MODES)), vehicles),
            "mode": _dictionary(np.tile(np.arange(len(MODES)), vehicles * len(MONTHS)), MODES),
            "km": rng.gamma(2.0, 400.0, size=vehicles * per_vehicle),
        }
    )
    n = mileage.num_rows
    disengagements = pa.table(
        {
            "vehicle_id": rng.integers(1, vehicles + 1, size=n, dtype=np.int64),
            "ym": rng.choice(np.array(MONTHS, dtype=np.int32), size=n),
            "initiated_by": _dictionary(rng.integers(0, len(INITIATORS), size=n), INITIATORS),
            "road_type": _dictionary(rng.integers(0, len(ROADS), size=n), ROADS),
        }
    )
    vehicle_table = pa.table(
        {
            "id": ids,
            "enterprise_id": owner.astype(np.int64),
            "uscc": [f"91110302MA{o:08d}" for o in owner],
            "name": [f"测试主体{o:03d}" for o in owner],
        }
    )
    start = date(2020, 1, 1)
    issued = np.array(
        [start + timedelta(days=int(d)) for d in rng.integers(0, 6 * 365, size=vehicles)]
    )
    stages = np.where(rng.random(vehicles) < 0.3, "demonstration", "road_test")
    permits = pa.table(
        {
            "vehicle_id": ids,
            "stage": pa.array(stages),
            "status": pa.array(np.where(rng.random(vehicles) < 0.02, "revoked", "active")),
            "issued_on": pa.array(issued, type=pa.date32()),
            "valid_until": pa.array(issued + timedelta(days=547), type=pa.date32()),
            "ended_on": pa.array(issued + timedelta(days=200), type=pa.date32()),
        }
    )
    incidents = pa.table(
        {
            "vehicle_id": rng.integers(1, vehicles + 1, size=500, dtype=np.int64),
            "occurred_on": pa.array(
                [start + timedelta(days=int(d)) for d in rng.integers(0, 6 * 365, size=500)],
                type=pa.date32(),
            ),
            "responsible": pa.array(rng.random(500) < 0.2),
        }
    )
    roads = pa.table(
        {
            "code": [f"R{i}" for i in range(300)],
            "road_type": [ROADS[i % 3] for i in range(300)],
            "km": rng.uniform(0.5, 20, size=300),
            "opened_on": pa.array(
                [start + timedelta(days=10 * i) for i in range(300)], type=pa.date32()
            ),
        }
    )
    return {
        "mileage": mileage,
        "disengagements": disengagements,
        "vehicles": vehicle_table,
        "permits": permits,
        "incidents": incidents,
        "roads": roads,
    }


def with_pandas(frames: dict[str, pd.DataFrame], year: int) -> dict:
    """The report's headline and per-firm figures, written the usual pandas way."""
    first, last = year * 100 + 1, year * 100 + 12
    start, end = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
    vehicles, permits = frames["vehicles"], frames["permits"]
    permits = permits.merge(vehicles, left_on="vehicle_id", right_on="id")
    live = permits[
        (permits.issued_on <= end)
        & (permits.valid_until >= start)
        & ((permits.status != "revoked") | (permits.ended_on >= start))
    ]
    mileage, dis = frames["mileage"], frames["disengagements"]
    km_year = mileage[(mileage.ym >= first) & (mileage.ym <= last)]
    dis_year = dis[(dis.ym >= first) & (dis.ym <= last)]
    owners = vehicles.set_index("id")["uscc"]
    firm_km = km_year.groupby("vehicle_id")["km"].sum().groupby(owners).sum()
    firm_n = dis_year.groupby("vehicle_id").size().groupby(owners).sum()
    by_mode = km_year.groupby("mode", observed=True)["km"].sum()
    km = float(km_year["km"].sum())
    subjects = live.groupby("uscc")["vehicle_id"].nunique()
    return {
        "test_subjects": int(live["enterprise_id"].nunique()),
        "vehicles": int(live["vehicle_id"].nunique()),
        "km": round(km, 1),
        "driverless_km": round(float(by_mode.get("driverless", 0.0)), 1),
        "disengagements": len(dis_year),
        "cumulative_km": round(float(mileage.loc[mileage.ym <= last, "km"].sum()), 1),
        "by_subject": {
            uscc: (round(float(firm_km.get(uscc, 0.0)), 1), int(firm_n.get(uscc, 0)))
            for uscc in subjects.index
        },
        "by_initiator": dis_year.groupby("initiated_by", observed=True).size().to_dict(),
        "by_road_type": dis_year.groupby("road_type", observed=True).size().to_dict(),
        "by_stage": live.groupby("stage")["vehicle_id"].nunique().to_dict(),
        "months": km_year.groupby([km_year.ym % 100, "mode"], observed=True)["km"].sum(),
        "month_disengagements": dis_year.groupby(dis_year.ym % 100).size(),
        "years": (
            mileage[mileage.ym <= last].groupby(mileage.ym // 100)["km"].sum(),
            dis[dis.ym <= last].groupby(dis.ym // 100).size(),
        ),
        "incidents": int(frames["incidents"].occurred_on.between(start, end).sum()),
        "roads": frames["roads"][frames["roads"].opened_on <= end].groupby("road_type")["km"].sum(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vehicles", type=int, default=17_400)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    tick = time.perf_counter()
    tables = generate(args.vehicles)
    rows = tables["mileage"].num_rows + tables["disengagements"].num_rows
    print(
        f"generated {rows:,} mileage and disengagement rows in {time.perf_counter() - tick:.1f} s"
    )

    compute_report(tables, year=YEAR)  # untimed: the first run pays DuckDB's own start
    ours = []
    for _ in range(args.repeat):
        tick = time.perf_counter()
        result = compute_report(tables, year=YEAR)
        ours.append(time.perf_counter() - tick)

    frames = {
        name: table.to_pandas(strings_to_categorical=False, date_as_object=False)
        for name, table in tables.items()
    }
    theirs = []
    for _ in range(args.repeat):
        tick = time.perf_counter()
        baseline = with_pandas(frames, YEAR)
        theirs.append(time.perf_counter() - tick)

    assert result["test_subjects"] == baseline["test_subjects"], "subjects differ"
    assert result["vehicles"] == baseline["vehicles"], "vehicles differ"
    assert result["disengagements"] == baseline["disengagements"], "disengagements differ"
    assert abs(result["km"] - baseline["km"]) < 1, "kilometres differ"
    assert abs(result["driverless_km"] - baseline["driverless_km"]) < 1
    assert abs(result["cumulative_km"] - baseline["cumulative_km"]) < 5, "cumulative differs"
    for firm in result["by_subject"]:
        km, n = baseline["by_subject"][firm["uscc"]]
        assert abs(firm["km"] - km) < 1 and firm["disengagements"] == n, firm["uscc"]
    assert len(result["by_subject"]) == len(baseline["by_subject"])
    assert {r["initiated_by"]: r["disengagements"] for r in result["by_initiator"]} == {
        k: v for k, v in baseline["by_initiator"].items() if v
    }
    assert {r["road_type"]: r["disengagements"] for r in result["by_road_type"]} == {
        k: v for k, v in baseline["by_road_type"].items() if v
    }
    assert {r["stage"]: r["vehicles"] for r in result["by_stage"]} == baseline["by_stage"]
    assert [m["disengagements"] for m in result["months"]] == list(baseline["month_disengagements"])
    assert [y["disengagements"] for y in result["years"]] == list(baseline["years"][1])

    mine, pandas_s = statistics.median(ours), statistics.median(theirs)
    print(
        f"{YEAR}: {result['test_subjects']} test subjects, {result['vehicles']:,} vehicles, "
        f"{result['km']:,.0f} km, {result['disengagements']:,} disengagements "
        "(pandas agrees)"
    )
    print(f"yuanqu (DuckDB), warm: median {mine:.3f} s of {args.repeat} (target < 2 s)")
    print(f"pandas, same figures:  median {pandas_s:.3f} s of {args.repeat}")
    print(f"ratio pandas / yuanqu: {pandas_s / mine:.2f}x · {os.cpu_count()} cores")
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
