"""The service desk's yearly report over 100,000 requests: DuckDB over Arrow against pandas.

Builds a SQLite database (migrations) holding a year of 100,000 generated requests (the demo's
generator), then times ``yuanqu.service.report.yearly_report`` warm (median and best of five runs
after one warm-up; target: median under 1 s) and, in the same run, a baseline: the same figures
(totals and the five groupings, rates, overdue, median and p90 hours) with pandas over the rows
read by ``pandas.read_sql``. Prints both, their ratio and the load average (the machine is
shared), and checks the two agree on the totals.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from yuanqu.core.db import make_engine, migrate
from yuanqu.core.workdays import WorkCalendar
from yuanqu.registry.service import upsert_task_force
from yuanqu.service.generator import FirmRow, generate
from yuanqu.service.models import ServiceRequest
from yuanqu.service.report import yearly_report
from yuanqu.service.sla import shipped_sla
from yuanqu.service.units import sync_units

REQUESTS = 100_000
YEAR = 2023
AS_OF = datetime(2024, 6, 30, 12, 0)
TARGET_SECONDS = 1.0


def build(url: str) -> None:
    migrate(url)
    engine = make_engine(url)
    rng = np.random.default_rng(19)
    firms = [
        FirmRow(f"91110302{i:09d}X", f"企业{i}", ("ic", "auto", None)[i % 3], "核心区")
        for i in range(20_000)
    ]
    rows = generate(
        rng,
        firms=firms,
        n=REQUESTS,
        year=YEAR,
        calendar=WorkCalendar(),
        limits=shipped_sla(),
        open_at_end=50,
    )
    with Session(engine) as session:
        for code in ("ic", "auto"):
            upsert_task_force(session, code=code, name_zh=f"{code}专班", name_en=code)
        session.flush()
        sync_units(session)
        session.execute(insert(ServiceRequest), rows)
        session.commit()
    engine.dispose()


def pandas_report(url: str) -> dict[str, float]:
    """The same figures with pandas (the baseline)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        frame = pd.read_sql(
            text(
                "SELECT uscc, task_force, channel, type, owner_unit, received_at, sign_due_at, "
                "signed_at, closed_at, due_at, solved, satisfaction FROM service_requests "
                "WHERE received_at >= :a AND received_at < :b"
            ),
            conn,
            params={"a": f"{YEAR}-01-01", "b": f"{YEAR + 1}-01-01"},
            parse_dates=["received_at", "sign_due_at", "signed_at", "closed_at", "due_at"],
        )
    engine.dispose()
    frame["in_time"] = frame.signed_at.notna() & (frame.signed_at <= frame.sign_due_at)
    frame["overdue"] = np.where(
        frame.closed_at.notna(), frame.closed_at > frame.due_at, frame.due_at < AS_OF
    )
    frame["hours"] = (frame.closed_at - frame.received_at).dt.total_seconds() / 3600
    frame["month"] = frame.received_at.dt.strftime("%Y-%m")
    frame["happy"] = frame.satisfaction.isin(["satisfied", "basically"])

    def figures(group: pd.DataFrame) -> pd.Series:
        followed = group.solved.notna().sum()
        return pd.Series(
            {
                "tickets": len(group),
                "closed": group.closed_at.notna().sum(),
                "response": group.in_time.sum() / max(group.sign_due_at.notna().sum(), 1),
                "resolution": (group.solved == 1).sum() / max(followed, 1),
                "satisfaction": group.happy.sum() / max(group.satisfaction.notna().sum(), 1),
                "overdue": group.overdue.sum(),
                "median": group.hours.median(),
                "p90": group.hours.quantile(0.9),
            }
        )

    total = figures(frame)
    for key in ("owner_unit", "type", "task_force", "channel", "month"):
        frame.groupby(key).apply(figures, include_groups=False)
    repeat = frame[frame.uscc.notna()].groupby("uscc").size()
    _ = repeat[repeat > 1].sort_values(ascending=False).head(20)
    return {"tickets": float(total.tickets), "closed": float(total.closed)}


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        started = time.perf_counter()
        build(url)
        print(f"built {REQUESTS:,} requests in {time.perf_counter() - started:.1f} s")
        engine = make_engine(url)
        runs = []
        for run in range(6):  # a session per report, as a page or the CLI has
            with Session(engine) as session:
                started = time.perf_counter()
                report = yearly_report(session, year=YEAR, as_of=AS_OF)
                if run:  # the first is the warm-up: imports, the reader child, page cache
                    runs.append(time.perf_counter() - started)
        engine.dispose()
        baseline_runs = []
        for _ in range(3):
            started = time.perf_counter()
            base = pandas_report(url)
            baseline_runs.append(time.perf_counter() - started)
    median, best = statistics.median(runs), min(runs)
    baseline = statistics.median(baseline_runs)
    same = (report["tickets"], report["closed"]) == (int(base["tickets"]), int(base["closed"]))
    load = os.getloadavg()
    print(
        f"yearly report over {report['tickets']:,} requests: median {median:.3f} s, "
        f"best {best:.3f} s (target < {TARGET_SECONDS:.0f} s); "
        f"pandas baseline median {baseline:.3f} s; ratio {median / baseline:.2f}x "
        f"(DuckDB / pandas); same totals: {same}"
    )
    print(
        f"closed {report['closed_pct']}%, response {report['response_rate_pct']}%, "
        f"resolution {report['resolution_rate_pct']}%, satisfaction "
        f"{report['satisfaction_rate_pct']}%, overdue {report['overdue']}, "
        f"median {report['median_hours']} h, p90 {report['p90_hours']} h"
    )
    print(f"uptime load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0 if same and median < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
