"""The economy pages on the demo zone: time of the first request (the statistics read from the
database into the columnar engine) and the median of repeated warm requests, per page.

Builds the demo zone (90,000 firms by default) into a temporary SQLite database unless --db
names an existing one, and requests the pages in-process as the demo analyst (bearer token).
Target: every warm page under 0.5 s (the xlsx export, a file written, is shown apart).

    python benchmarks/economy_pages.py [--firms 90000] [--db sqlite:///.yuanqu/yuanqu.db]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from page_timing import timed

TARGET_WARM_SECONDS = 0.5
REPEATS = 5


def token_for(url: str, firms: int, build: bool) -> str:
    from yuanqu.accounts.service import ensure_demo_accounts, issue_token
    from yuanqu.core.db import make_engine, migrate, session_scope
    from yuanqu.demo.service import build_demo

    migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        if build:
            build_demo(session, seed=2023, firms=firms)
        ensure_demo_accounts(session, seed=2023)
        token = issue_token(session, username="analyst", name="benchmark")
    engine.dispose()
    return token


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--firms", type=int, default=90_000)
    parser.add_argument("--db", help="an existing database (default: build the demo)")
    args = parser.parse_args()
    from fastapi.testclient import TestClient

    from yuanqu.app import create_app

    folder = tempfile.mkdtemp(prefix="yuanqu-bench-")
    url = args.db or f"sqlite:///{Path(folder) / 'bench.db'}"
    token = token_for(url, args.firms, build=not args.db)
    client = TestClient(create_app(url, key="bench"))
    client.headers["Authorization"] = f"Bearer {token}"
    started = time.perf_counter()
    twin = client.get("/api/v1/stats/economy").json()
    cold = time.perf_counter() - started
    period, older = twin["period"], twin["periods"][1]
    group = twin["leading_industries"][0]["group"]
    firm = twin["ranking"][0]["uscc"]
    pages = {
        "dashboard (latest period)": ("/stats/economy", {}),
        "htmx fragment (other period, above scale)": (
            "/stats/economy",
            {
                "params": {"period": older, "scope": "above_scale"},
                "headers": {"HX-Request": "true"},
            },
        ),
        "JSON twin": ("/api/v1/stats/economy", {"params": {"period": period}}),
        "drill-down page": (
            "/stats/economy/firms",
            {"params": {"period": period, "by": "leading_industry", "group": group}},
        ),
        "export xlsx": ("/stats/economy/export.xlsx", {"params": {"period": period}}),
        "profile statistics tab": (f"/enterprises/{firm}/statistics", {}),
    }
    failed = False
    print(f"cold start (first request, data read into the engine): {cold:.3f} s")
    print(f"{'page':45} {'first':>8} {'warm median':>12}")
    for name, (path, kwargs) in pages.items():
        first = timed(client, path, **kwargs)
        warm = statistics.median(timed(client, path, **kwargs) for _ in range(REPEATS))
        failed |= warm > TARGET_WARM_SECONDS and "xlsx" not in path
        print(f"{name:45} {first:8.3f} {warm:12.3f}")
    verdict = "FAIL" if failed else "ok"
    print(f"target: every warm page (not the export) under {TARGET_WARM_SECONDS} s -> {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
