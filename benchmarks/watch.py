"""Benchmark: the watch list (监测预警) over 100,000 firms x 24 months (2.4 million firm-months).

What each figure includes (medians of ``--repeat`` runs, all measured in one run):

(a) yuanqu, through ``watch.service.watch_list`` (the four statistics and registry rules, the
    flagged firms' names and task forces, scores, sorting, the open cases):
    - cold: the cache emptied, then everything from the SQLite file: the data-version check,
      reading the registry and three years of reports through ADBC into DuckDB, and the rules;
    - warm: the snapshot already in DuckDB, an as-of month not computed before (2023-11, -10,
      -09 after the cold 2023-12): the version check, the four rule queries, the Python rows;
    - repeated call: the same month again (each rule's result memoised on the snapshot).
(b) pandas, the rules as an analyst would write them, over DataFrames already in memory (not
    timed to build): the same four rules, the same flagged firms (checked), no names or rows.

Target: warm < 1 s at 100,000 firms x 24 months. Run:
``.venv/bin/python benchmarks/watch.py [--firms N] [--sqlite PATH] [--repeat N]``
(``--sqlite``: keep the synthetic file there and reuse it on the next run with the same --firms).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from yuanqu.analytics.engine import CACHE
from yuanqu.core.db import dispose_engines, make_engine, migrate, session_scope
from yuanqu.core.periods import Period
from yuanqu.watch import service
from yuanqu.watch.rules import shipped_rules
from yuanqu.wiring import wire

MONTHS = 24  # 2022-01 .. 2023-12
FIRST = Period(2022, 1)
AS_OF = [Period(2023, 12), Period(2023, 11), Period(2023, 10), Period(2023, 9)]


def synthesize(firms: int, seed: int = 23) -> dict[str, pa.Table]:
    """Firms, high-tech labels ending over 2023-2024, and a panel of reports with firms in
    trouble: output halved from October 2023 (3%), reports stopped after September 2023 (2%),
    headcount at 60% through 2023 (2%)."""
    rng = np.random.default_rng(seed)
    ids = np.arange(1, firms + 1)
    forces = np.array(["ic", "biotech", "auto", ""])
    enterprises = pa.table(
        {
            "id": ids,
            "uscc": [f"91110302{i:010d}" for i in ids],
            "name": [f"企业{i}" for i in ids],
            "industry_code": np.full(firms, "3973"),
            "industry_section": np.full(firms, "C"),
            "task_force": forces[rng.integers(0, len(forces), firms)],
        }
    )
    holders = ids[rng.random(firms) < 0.10]
    ends = [date(2023, 6, 1) + timedelta(days=int(d)) for d in rng.integers(0, 400, len(holders))]
    labels = pa.table(
        {
            "enterprise_id": holders,
            "label": np.full(len(holders), "high_tech"),
            "valid_from": [e - timedelta(days=3 * 365) for e in ends],
            "valid_to": ends,
        }
    )
    falling = rng.random(firms) < 0.03
    stopped = rng.random(firms) < 0.02
    shrinking = rng.random(firms) < 0.02
    firm_idx = np.repeat(np.arange(firms), MONTHS)
    month_idx = np.tile(np.arange(MONTHS), firms)
    keep = ~(stopped[firm_idx] & (month_idx >= 21))  # no reports Oct-Dec 2023
    firm_idx, month_idx = firm_idx[keep], month_idx[keep]
    size = np.exp(rng.normal(13, 1.5, firms))[firm_idx]
    output = np.rint(size * rng.uniform(0.9, 1.1, len(firm_idx))).astype(np.int64) * 100
    output = np.where(falling[firm_idx] & (month_idx >= 21), output // 2, output)
    staff = (size / 2e4).astype(np.int64) + 5
    staff = np.where(shrinking[firm_idx] & (month_idx >= 12), staff * 6 // 10, staff)
    period = [str(FIRST + int(m)) for m in range(MONTHS)]
    reports = pa.table(
        {
            "enterprise_id": ids[firm_idx],
            "period": np.array(period)[month_idx],
            "gross_output_fen": output,
            "value_added_fen": output * 3 // 10,
            "employees": staff,
        }
    )
    return {"enterprises": enterprises, "enterprise_labels": labels, "monthly_reports": reports}


def write_sqlite(path: Path, tables: dict[str, pa.Table]) -> None:
    url = f"sqlite:///{path}"
    migrate(url)
    dispose_engines()
    import adbc_driver_sqlite.dbapi as driver

    with driver.connect(str(path)) as conn, conn.cursor() as cursor:
        cursor.execute(
            "INSERT INTO task_forces VALUES ('ic','集成电路','IC',1),('biotech','生物','Bio',1),"
            "('auto','汽车','Auto',1)"
        )
        firms = tables["enterprises"]
        firms = firms.set_column(
            firms.schema.get_field_index("task_force"),
            "task_force",
            pa.array([v or None for v in firms.column("task_force").to_pylist()]),
        )
        cursor.adbc_ingest("enterprises", firms, mode="append")
        labels = tables["enterprise_labels"]
        cursor.adbc_ingest(
            "enterprise_labels",
            labels.set_column(2, "valid_from", labels.column(2).cast(pa.string())).set_column(
                3, "valid_to", labels.column(3).cast(pa.string())
            ),
            mode="append",
        )
        cursor.adbc_ingest("monthly_reports", tables["monthly_reports"], mode="append")
        cursor.execute(
            "INSERT INTO data_versions VALUES ('registry', 1, '2026-01-01'), "
            "('stats', 1, '2026-01-01')"
        )
        conn.commit()


# --- (b) pandas, as an analyst writes it ---------------------------------------------------------


def pandas_watch(reports: pd.DataFrame, labels: pd.DataFrame, as_of: Period) -> dict[str, set]:
    p = as_of.index
    r = reports[reports.p <= p]
    g = r[r.gross_output_fen.notna()]
    last = g.sort_values(["enterprise_id", "p"]).groupby("enterprise_id").tail(3)
    before = g[["enterprise_id", "p", "gross_output_fen"]].assign(p=g.p + 12)
    m = last.merge(before, on=["enterprise_id", "p"], how="left", suffixes=("", "_b"))
    ok = m.gross_output_fen_b.gt(0) & (m.gross_output_fen * 5 < m.gross_output_fen_b * 4)
    agg = ok.groupby(m.enterprise_id).agg(["sum", "count"])
    decline = set(agg.index[(agg["count"] == 3) & (agg["sum"] == 3)])
    window = r[(r.p >= p - 13)]
    silent = set(window.enterprise_id[window.p >= p - 1])
    missing = set(window.enterprise_id[window.p <= p - 2]) - silent
    day = as_of.last_day.isoformat()
    until = (as_of.last_day + timedelta(days=90)).isoformat()
    h = labels[labels.label == "high_tech"]
    latest = h.groupby("enterprise_id").valid_from.transform("max")
    ending = h[(h.valid_to >= day) & (h.valid_to <= until) & (h.valid_from == latest)]
    expiring = set(ending.enterprise_id)
    now = r[r.p == p][["enterprise_id", "employees"]]
    then = reports[reports.p == p - 12][["enterprise_id", "employees"]]
    s = now.merge(then, on="enterprise_id", suffixes=("", "_b"))
    s = s[(s.employees_b >= 20) & (s.employees * 10 <= s.employees_b * 7)]
    staff = set(s.enterprise_id)
    return {
        "output_decline": decline,
        "missing_reports": missing,
        "certificate_expiring": expiring,
        "staff_decline": staff,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sqlite", type=Path, default=None)
    args = parser.parse_args()
    wire()
    folder = Path(tempfile.mkdtemp(prefix="yuanqu-watch-bench-"))
    path = args.sqlite or folder / f"watch-{args.firms}.db"
    tables = synthesize(args.firms)
    if not path.exists():
        start = time.perf_counter()
        write_sqlite(path, tables)
        print(f"wrote {path} ({args.firms:,} firms) in {time.perf_counter() - start:.1f} s")
    engine = make_engine(f"sqlite:///{path}")
    rules = [r for r in shipped_rules() if r.kind != "request_mentions"]

    def ours(as_of: Period) -> list[dict]:
        """The whole list in the CLI's JSON shape (every flagged firm)."""
        with session_scope(engine) as session:
            return service.watch_rows(session, as_of=str(as_of), rules=rules)[1]

    def page(as_of: Period) -> service.WatchList:
        """The first page of the list, as /watch and /api/v1/watch show it (true total)."""
        with session_scope(engine) as session:
            return service.watch_list(session, as_of=str(as_of), rules=rules, limit=50)

    reports = tables["monthly_reports"].to_pandas()
    reports["p"] = reports.period.str[:4].astype(int) * 12 + reports.period.str[5:].astype(int) - 1
    labels = tables["enterprise_labels"].to_pandas()
    labels["valid_from"] = labels.valid_from.astype(str)
    labels["valid_to"] = labels.valid_to.astype(str)

    cold, warm, warm_page, repeat, pandas = [], [], [], [], []
    for _round in range(args.repeat):
        CACHE.clear()
        start = time.perf_counter()
        listing = ours(AS_OF[0])
        cold.append(time.perf_counter() - start)
        for as_of in AS_OF[1:]:
            start = time.perf_counter()
            ours(as_of)
            warm.append(time.perf_counter() - start)
        start = time.perf_counter()
        page(AS_OF[0] - 4)
        warm_page.append(time.perf_counter() - start)
        start = time.perf_counter()
        ours(AS_OF[0])
        repeat.append(time.perf_counter() - start)
        start = time.perf_counter()
        expected = pandas_watch(reports, labels, AS_OF[0])
        pandas.append(time.perf_counter() - start)
    got: dict[str, set] = {k: set() for k in expected}
    for entry in listing:
        for signal in entry["signals"]:
            got[signal].add(int(entry["uscc"][8:]))
    assert got == expected, {k: (len(got[k]), len(expected[k])) for k in got}
    med = statistics.median
    print(
        f"{args.firms:,} firms x {MONTHS} months; {len(listing):,} firms flagged at "
        f"{AS_OF[0]} ({', '.join(f'{k} {len(v):,}' for k, v in got.items())})"
    )
    print(f"(a) yuanqu cold           {med(cold):7.3f} s")
    print(f"(a) yuanqu warm, whole list {med(warm):7.3f} s   target < 1 s")
    print(f"(a) yuanqu warm, first page {med(warm_page):7.3f} s")
    print(f"(a) yuanqu repeated call  {med(repeat):7.3f} s")
    print(
        f"(b) pandas in memory      {med(pandas):7.3f} s   pandas / yuanqu warm: "
        f"{med(pandas) / med(warm):.1f}x"
    )
    print(f"uptime: {os.popen('uptime').read().strip()}")
    engine.dispose()


if __name__ == "__main__":
    main()
