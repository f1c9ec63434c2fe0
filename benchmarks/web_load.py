"""Load on the site: the dashboard and a directory page under 20 concurrent clients for 30 s.

Builds the demo zone (90,000 firms by default) into a temporary SQLite database, serves it with
uvicorn on 127.0.0.1 (loopback only) in a subprocess, and drives it with asyncio httpx clients
authenticated by a bearer token. Bounded in time (--seconds) and count (--max-requests). Prints
requests/s and p50/p95/p99 per page and compares p95 with the target (100 ms).

    python benchmarks/web_load.py [--firms 90000] [--clients 20] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

TARGET_P95_MS = 100.0
PAGES = {
    "dashboard": "/?as_of=2023-12-31",
    "directory": "/enterprises?label=high_tech&as_of=2023-12-31&page=3",
}


def build(url: str, firms: int) -> str:
    """The demo zone and an admin token, written to the database at ``url``."""
    from yuanqu.accounts.service import ensure_demo_accounts, issue_token
    from yuanqu.core.db import make_engine, migrate, session_scope
    from yuanqu.demo.service import build_demo

    migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        build_demo(session, seed=2023, firms=firms)
        ensure_demo_accounts(session, seed=2023)
        token = issue_token(session, username="analyst", name="benchmark")
    engine.dispose()
    return token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def client_loop(
    client: httpx.AsyncClient, path: str, until: float, times: list[float], budget: list[int]
) -> None:
    while time.perf_counter() < until and budget[0] > 0:
        budget[0] -= 1
        started = time.perf_counter()
        response = await client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")


async def load(base: str, token: str, path: str, clients: int, seconds: float, cap: int) -> dict:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as c:
        await c.get(path)  # warm the cache once, as a reader who came first would
        times: list[float] = []
        budget = [cap]
        started = time.perf_counter()
        until = started + seconds
        await asyncio.gather(*(client_loop(c, path, until, times, budget) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return {
        "requests": len(times),
        "rps": len(times) / elapsed,
        "p50": statistics.median(times),
        "p95": percentile(times, 0.95),
        "p99": percentile(times, 0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=90_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="uvicorn workers")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="yuanqu-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        t0 = time.perf_counter()
        token = build(url, args.firms)
        print(f"demo zone of {args.firms:,} firms built in {time.perf_counter() - t0:.1f} s")
        port = free_port()
        env = {**os.environ, "YUANQU_DATABASE_URL": url, "YUANQU_DATA_DIR": folder}
        code = (
            "import uvicorn; "
            f"uvicorn.run('yuanqu.app:create_app', factory=True, host='127.0.0.1', port={port}, "
            f"workers={args.workers}, access_log=False, log_level='warning')"
        )
        server = subprocess.Popen([sys.executable, "-c", code], env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    httpx.get(f"{base}/login", timeout=1)
                    time.sleep(1)  # let every worker start
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            print(
                f"{args.clients} concurrent clients, {args.seconds:.0f} s per page, "
                f"{args.workers} uvicorn worker(s), loopback; "
                f"target p95 < {TARGET_P95_MS:.0f} ms"
            )
            for name, path in PAGES.items():
                r = asyncio.run(
                    load(base, token, path, args.clients, args.seconds, args.max_requests)
                )
                verdict = "meets" if r["p95"] < TARGET_P95_MS else "MISSES"
                print(
                    f"{name:10s} {r['requests']:7,d} requests  {r['rps']:7.1f} req/s  "
                    f"p50 {r['p50']:6.1f} ms  p95 {r['p95']:6.1f} ms  p99 {r['p99']:6.1f} ms  "
                    f"p95/target {r['p95'] / TARGET_P95_MS:.2f} ({verdict} the target)"
                )
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
