"""Benchmark: the tech-insurance coverage report over the Shanghai 2023 city book (412,000
policies, 3.1万亿元 of cover, 60,000 firms).

(a) yuanqu's coverage report: cold (the registry and the book read from the SQLite file through
    ADBC into DuckDB, then computed), warm (data loaded, the report computed afresh) and
    memoised (the same question again); medians of ``--repeat`` runs;
(b) the same figures with pandas (groupby/nunique/quantile), the way an analyst would write
    them, over the same rows already in memory (its read time is not counted).
Target: warm < 2 s. The ratio is pandas' median over the warm median, measured in this run.

Run: ``.venv/bin/python benchmarks/insurance_coverage.py [--db sqlite:///path] [--repeat 5]``
(without ``--db`` the book is generated first into a temporary file, about a minute).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import pandas as pd

from yuanqu.analytics.engine import CACHE
from yuanqu.core.db import dispose_engines, make_engine, migrate, session_scope
from yuanqu.insurance import coverage, service

YEAR = 2023
AS_OF = date(2023, 12, 31)


def build(url: str) -> None:
    from yuanqu.insurance.demo import build_city

    migrate(url)
    with session_scope(make_engine(url)) as session:
        build_city(session, city="shanghai")


def pandas_report(frames: dict[str, pd.DataFrame]) -> dict:
    """The same figures as ``coverage._compute``, with pandas."""
    policies = frames["policies"].merge(
        frames["firms"][["id", "section"]], left_on="enterprise_id", right_on="id"
    )
    start = pd.to_datetime(policies["start_date"])
    written = policies[(policies["status"] != "cancelled") & (start.dt.year == YEAR)].copy()
    written["month"] = pd.to_datetime(written["start_date"]).dt.month
    out = {}
    for key in ("product", "insurer", "section", "month"):
        out[key] = written.groupby(key).agg(
            policies=("id_x", "size"),
            firms=("enterprise_id", "nunique"),
            sum_insured=("sum_insured_fen", "sum"),
            premium=("premium_fen", "sum"),
        )
    labels = frames["labels"]
    day = AS_OF.isoformat()
    held = labels[
        (labels["valid_from"] <= day) & ((labels["valid_to"] == "") | (labels["valid_to"] >= day))
    ]
    held = held.drop_duplicates(["enterprise_id", "label"])
    by_label = written.merge(held, on="enterprise_id")
    out["label"] = by_label.groupby("label").agg(
        policies=("id_x", "size"),
        firms=("enterprise_id", "nunique"),
        sum_insured=("sum_insured_fen", "sum"),
        premium=("premium_fen", "sum"),
    )
    out["total"] = (
        len(written),
        written["enterprise_id"].nunique(),
        written["sum_insured_fen"].sum(),
    )
    ht = set(held.loc[held["label"] == "high_tech", "enterprise_id"])
    live = policies[
        (policies["status"] != "cancelled")
        & (policies["start_date"] <= AS_OF)
        & (policies["end_date"] >= AS_OF)
    ]
    out["high_tech"] = (len(ht), len(ht & set(live["enterprise_id"])))
    claims = frames["claims"].merge(
        policies[["id_x", "product"]], left_on="policy_id", right_on="id_x"
    )
    closed = claims[claims["closed_on"].notna()]
    closed = closed[pd.to_datetime(closed["closed_on"]).dt.year == YEAR]
    settled = closed[closed["status"] == "settled"].copy()
    settled["days"] = (
        pd.to_datetime(settled["closed_on"]) - pd.to_datetime(settled["reported_on"])
    ).dt.days
    cycle = settled.groupby("product")["days"].agg(["median", lambda s: s.quantile(0.9)])
    paid = closed.groupby("product")["paid_fen"].sum()
    premium = written.groupby("product")["premium_fen"].sum()
    out["claims"] = (cycle, (paid / premium * 100).round(1))
    return out


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        tick = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - tick)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="an existing city book (yuanqu insurance demo)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    url = args.db
    if url is None:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'city.db'}"
        tick = time.perf_counter()
        build(url)
        print(f"built the Shanghai book in {time.perf_counter() - tick:.1f} s")
    engine = make_engine(url)

    def cold():
        CACHE.clear()
        with session_scope(engine) as session:
            return service.coverage_report(session, year=YEAR)

    cold_s, report = timed(cold, max(1, args.repeat // 2))
    with session_scope(engine) as session:
        data = coverage.snapshot(session)
    warm_s, fresh = timed(lambda: coverage._compute(data, YEAR, AS_OF), args.repeat)
    memo_s, _ = timed(lambda: coverage.coverage_report(data, year=YEAR), args.repeat)

    frames = {
        name: data.query(f"SELECT * FROM {name}").to_pandas()
        for name in ("firms", "labels", "policies", "claims")
    }
    pandas_s, theirs = timed(lambda: pandas_report(frames), args.repeat)

    total = fresh.total()
    assert theirs["total"] == (total.policies, total.firms, total.sum_insured_fen), "disagree"
    assert theirs["high_tech"] == (fresh.high_tech.high_tech_firms, fresh.high_tech.covered_firms)
    for row in fresh.by("product"):
        assert int(theirs["product"].loc[row.group, "firms"]) == row.firms
    load = os.getloadavg()
    print(
        f"book: {total.policies:,} policies, {total.firms:,} firms, "
        f"{total.sum_insured_fen / 1e14:,.2f} 万亿元 cover; high-tech covered "
        f"{fresh.high_tech.share_pct}%"
    )
    print(f"coverage report, warm (median of {args.repeat}): {warm_s:.3f} s  (target < 2 s)")
    print(f"coverage report, cold (ADBC read + compute): {cold_s:.2f} s")
    print(f"coverage report, memoised: {memo_s * 1000:.2f} ms")
    print(
        f"pandas baseline (median of {args.repeat}): {pandas_s:.3f} s -> {pandas_s / warm_s:.1f}x"
    )
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    assert report.total().policies == total.policies
    engine.dispose()
    dispose_engines()


if __name__ == "__main__":
    main()
