"""Load on the site: the dashboard and a directory page under 20 concurrent clients for 30 s.

Builds the demo zone (90,000 firms by default) into a SQLite database (a temporary one, or the file
given with --database, built once and reused by later runs), serves it with uvicorn on 127.0.0.1
(loopback only) in a subprocess, and drives it with a small asyncio HTTP/1.1 client: each of the
20 clients logs in through the login form (CSRF token and all) as the demo analyst and then asks for
the page again and again over its own keep-alive connection, sending its session cookie like a
browser. The client is written on raw asyncio streams because an httpx client burns most of a core
on the same two cores the server runs on, and its own time then shows up as server latency.
Every response must be a 200 with a complete HTML page, or the run stops.

Bounded in time (--seconds) and count (--max-requests). Prints requests/s and p50/p95/p99 per page
and compares p95 with the target (100 ms).

    python benchmarks/web_load.py [--firms 90000] [--clients 20] [--seconds 30] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

TARGET_P95_MS = 100.0
PAGES = {
    "dashboard": "/?as_of=2023-12-31",
    "directory": "/enterprises?label=high_tech&as_of=2023-12-31&page=3",
}
SEED = 2023
USERNAME = "analyst"


def build(url: str, firms: int) -> None:
    """The demo zone and its accounts, written to the database at ``url``."""
    from yuanqu.accounts.service import ensure_demo_accounts
    from yuanqu.core.db import make_engine, migrate, session_scope
    from yuanqu.demo.service import build_demo

    migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        build_demo(session, seed=SEED, firms=firms)
        ensure_demo_accounts(session, seed=SEED)
    engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --- a minimal HTTP/1.1 client on asyncio streams ------------------------------------------------


class Response:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def cookies(self) -> dict[str, str]:
        found = {}
        for name, value in self.headers:
            if name == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                found[key.strip()] = val.strip()
        return found


class Connection:
    """One keep-alive connection to the server, with the cookies its server has set."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        content_type: str = "",
        headers: dict[str, str] | None = None,
    ) -> Response:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if body or method == "POST":
            lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        received = []
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                received.append((name.strip().lower(), value.strip()))
        fields = dict(received)
        if fields.get("transfer-encoding", "").lower() == "chunked":
            payload = bytearray()
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                payload += chunk[:-2]
            data = bytes(payload)
        else:
            data = await self.reader.readexactly(int(fields.get("content-length", "0")))
        response = Response(status, received, data)
        self.cookies.update(response.cookies())
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return response

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None

    async def login(self, username: str, password: str) -> None:
        """Log in through the form, as a browser does: GET it for the CSRF token, POST it."""
        form = await self.request("GET", "/login")
        match = re.search(rb'name="csrf_token" value="([^"]+)"', form.body)
        if form.status != 200 or match is None:
            raise SystemExit(f"/login: HTTP {form.status}, no CSRF token in the form")
        body = urlencode(
            {
                "username": username,
                "password": password,
                "next": "/",
                "csrf_token": match.group(1).decode(),
            }
        ).encode()
        done = await self.request("POST", "/login", body, "application/x-www-form-urlencoded")
        if done.status != 303:
            raise SystemExit(f"login as {username}: HTTP {done.status}")


async def client_loop(
    conn: Connection, path: str, until: float, times: list[float], budget: list[int]
) -> None:
    while time.perf_counter() < until and budget[0] > 0:
        budget[0] -= 1
        started = time.perf_counter()
        response = await conn.request("GET", path)
        times.append((time.perf_counter() - started) * 1000)
        if response.status != 200 or not response.body.rstrip().endswith(b"</html>"):
            raise SystemExit(f"{path}: HTTP {response.status}, {len(response.body)} bytes")


async def load(port: int, password: str, path: str, clients: int, seconds: float, cap: int) -> dict:
    conns = [Connection("127.0.0.1", port) for _ in range(clients)]
    # One login, its session cookie shared by every client (one user, many tabs). Twenty logins
    # in a row would trip over the request's commit, which FastAPI runs after the response is
    # sent: the next login's UPDATE can meet it on SQLite (see the README). Logging in is not
    # part of the measurement.
    await conns[0].login(USERNAME, password)
    for conn in conns[1:]:
        conn.cookies = dict(conns[0].cookies)
    await conns[0].request("GET", path)  # warm the cache once, as a reader who came first would
    times: list[float] = []
    budget = [cap]
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(*(client_loop(c, path, until, times, budget) for c in conns))
    elapsed = time.perf_counter() - started
    for conn in conns:
        await conn.close()
    return {
        "requests": len(times),
        "rps": len(times) / elapsed,
        "p50": statistics.median(times),
        "p95": percentile(times, 0.95),
        "p99": percentile(times, 0.99),
    }


def wait_until_up(port: int) -> None:
    for _ in range(600):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                time.sleep(1)  # let every worker start
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=90_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--runs", type=int, default=1, help="repeat and report medians")
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="uvicorn workers")
    parser.add_argument(
        "--database", type=Path, help="SQLite file of the demo zone (built if missing, reused)"
    )
    args = parser.parse_args()
    if not (1 <= args.clients <= 200 and 0 < args.seconds <= 600 and 1 <= args.runs <= 10):
        raise SystemExit("bounded: 1-200 clients, up to 600 s per page, 1-10 runs")

    from yuanqu.accounts.service import demo_password

    with tempfile.TemporaryDirectory(prefix="yuanqu-bench-") as folder:
        path = args.database or Path(folder) / "bench.db"
        url = f"sqlite:///{path.resolve()}"
        if not path.exists():
            t0 = time.perf_counter()
            build(url, args.firms)
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
            wait_until_up(port)
            print(
                f"{args.clients} concurrent clients (raw asyncio HTTP/1.1, keep-alive, session "
                f"cookie), {args.seconds:.0f} s per page, {args.workers} uvicorn worker(s), "
                f"loopback; target p95 < {TARGET_P95_MS:.0f} ms"
            )
            results: dict[str, list[dict]] = {name: [] for name in PAGES}
            for run in range(args.runs):
                for name, page in PAGES.items():
                    r = asyncio.run(
                        load(
                            port,
                            demo_password(SEED, USERNAME),
                            page,
                            args.clients,
                            args.seconds,
                            args.max_requests,
                        )
                    )
                    results[name].append(r)
                    print(f"run {run + 1} {report(name, r)}  load {loadavg()}")
            if args.runs > 1:
                for name, runs in results.items():
                    median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
                    print(f"median of {args.runs} {report(name, median)}")
        finally:
            server.terminate()
            server.wait(10)


def report(name: str, r: dict) -> str:
    verdict = "meets" if r["p95"] < TARGET_P95_MS else "MISSES"
    return (
        f"{name:10s} {int(r['requests']):7,d} requests  {r['rps']:7.1f} req/s  "
        f"p50 {r['p50']:6.1f} ms  p95 {r['p95']:6.1f} ms  p99 {r['p99']:6.1f} ms  "
        f"p95/target {r['p95'] / TARGET_P95_MS:.2f} ({verdict} the target)"
    )


if __name__ == "__main__":
    main()
