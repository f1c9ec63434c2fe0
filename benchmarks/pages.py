"""Every page of the site, as each role opens it: the first request after a start, then 20 clients.

Builds the demo zone with ``yuanqu demo --no-serve`` into a data directory (or reuses the one
given with --data-dir, or serves the database given with --database-url), starts ``yuanqu serve``
on 127.0.0.1 in a subprocess, and asks the site itself what there is to open: each demo role logs
in through the login form, and its pages are the home, every entry of the menu the site shows it,
the profile of a firm it may see and every tab that profile loads (the htmx fragments the
profile's ``hx-get`` attributes name). A menu entry that redirects (``/chains`` to the first
chain) is measured where it leads.

Then the server is started again, and for every page of every role, in order:

* **first**: the first request after the start, once the server's warm-up is done (its log says
  when; ``--no-wait-warm`` measures while it runs);
* **warm**: ``--requests`` requests by ``--clients`` concurrent keep-alive clients sharing the
  role's session (median and p95);

and at the end the server's resident memory. Every response must be a 200 (a whole page for a
page, a fragment for a tab), or the run stops with the page and the status. The clients are the
raw asyncio HTTP/1.1 clients of ``web_load.py`` (an httpx client burns a core of the two the
server runs on). Prints one table, the slowest ten, and each figure against the targets of issue
#25 (warm p95 < 150 ms, first < 1 s, a profile with all its tabs < 300 ms warm), with the load
average.

    python benchmarks/pages.py [--data-dir DIR] [--roles admin,enterprise] [--pages REGEX]
                               [--clients 20] [--requests 100] [--lang zh]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from web_load import Connection, free_port, loadavg, percentile

ROLES = ("admin", "analyst", "taskforce", "policy", "project", "enterprise")
SEED = 2023
TARGET_WARM_P95_MS = 150.0
TARGET_FIRST_MS = 1000.0
TARGET_PROFILE_MS = 300.0
#: Menu entries that are not pages to read (a download, the logout).
SKIP = re.compile(r"^/(logout|lang/)|\.(xlsx|csv|pdf|docx)(\?|$)")
MENU_LINK = re.compile(rb'<ul class="menu"[^>]*>(.*?)</ul>', re.S)
HREF = re.compile(rb'href="(/[^"#]*)"')
PROFILE_LINK = re.compile(rb'href="(/enterprises/[0-9A-Z]{18})"')
TAB = re.compile(rb'hx-get="(/enterprises/[0-9A-Z]{18}/[a-z_]+)"')


class Failed(Exception):
    """A page answered anything but a 200 with a whole page."""


@dataclass
class Page:
    role: str
    path: str
    kind: str  # home, menu, profile, tab
    first_ms: float = 0.0
    warm: list[float] = field(default_factory=list)
    failed: str = ""  # what went wrong: the page is reported as failed and the run exits 1

    @property
    def p50(self) -> float:
        return statistics.median(self.warm) if self.warm else 0.0

    @property
    def p95(self) -> float:
        return percentile(self.warm, 0.95) if self.warm else 0.0


# --- the server ----------------------------------------------------------------------------------


class Server:
    """``yuanqu serve`` in a subprocess; its log is read on a thread to see the warm-up end."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        self.port = port
        self.warm = threading.Event()
        self.warm_line = ""
        self.log: list[str] = []  # the server's last lines, printed when a page fails
        yuanqu = Path(sys.executable).with_name("yuanqu")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [str(yuanqu), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._read_log, daemon=True).start()

    def _read_log(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            if "warm-up" in line and ("done" in line or "skipped" in line or "failed" in line):
                self.warm_line = line.strip()
                self.warm.set()
            self.log.append(line)
            del self.log[:-200]

    def wait_until_up(self, *, wait_warm: bool) -> float:
        import socket

        deadline = time.perf_counter() + 600
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server stopped (exit {self.process.returncode})")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            raise SystemExit("the server did not start in 600 s")
        up = time.perf_counter() - self.started
        if wait_warm and not self.warm.wait(600):
            raise SystemExit("the server's warm-up did not end in 600 s")
        return up

    def memory_mb(self) -> float:
        """Resident memory of the server process and its children (MB)."""
        total = 0
        pids = [self.process.pid]
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            pids += [int(p) for p in children.read_text().split()]
        except OSError:
            pass
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                continue
        return total / 1024

    def cpu_seconds(self) -> float:
        """CPU time (user and system) the server process has used so far (s)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def errors(self) -> str:
        """The server's last error, if its log has one."""
        text = "".join(self.log)
        at = text.find("Traceback")
        return text[at:][-8000:] if at >= 0 else text[-3000:]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()


# --- discovery -----------------------------------------------------------------------------------


async def get(conn: Connection, path: str, *, fragment: bool = False) -> tuple[str, int, bytes]:
    """GET ``path`` (following up to three redirects); the final path, status and body."""
    headers = {"HX-Request": "true"} if fragment else None
    for _ in range(4):
        try:
            response = await conn.request("GET", path, headers=headers)
        except (asyncio.IncompleteReadError, ConnectionError):
            # The server closed a keep-alive connection left idle past its timeout (5 s) while
            # other pages were measured: open a new one, as a browser does.
            await conn.close()
            response = await conn.request("GET", path, headers=headers)
        if response.status in (301, 302, 303, 307, 308):
            path = re.sub(r"^https?://[^/]+", "", dict(response.headers)["location"])
            continue
        return path, response.status, response.body
    raise SystemExit(f"{path}: too many redirects")


async def logged_in(port: int, role: str, lang: str) -> Connection:
    """A connection logged in as the demo account ``role``, reading in ``lang``."""
    from yuanqu.accounts.service import demo_password

    conn = Connection("127.0.0.1", port)
    await conn.login(role, demo_password(SEED, role))
    if lang == "en":
        await get(conn, "/lang/en?next=/")
    return conn


async def discover(port: int, roles: list[str], lang: str, firm: str | None) -> list[Page]:
    """Each role's pages, as the site shows them: home, menu, a firm's profile and its tabs."""
    pages: list[Page] = []
    if firm is None and "enterprise" in ROLES:
        conn = await logged_in(port, "enterprise", lang)
        _, _, body = await get(conn, "/enterprises")
        found = PROFILE_LINK.search(body)
        firm = found.group(1).decode().rsplit("/", 1)[-1] if found else None
        await conn.close()
    for role in roles:
        conn = await logged_in(port, role, lang)
        home, status, body = await get(conn, "/")
        check(role, home, status, body, fragment=False)
        seen = {home}
        pages.append(Page(role, home, "home"))
        menu = MENU_LINK.search(body)
        if menu is None:  # a page without the site's menu, or a menu this script cannot read
            raise SystemExit(f"{role}: no menu found on {home}; the benchmark would miss its pages")
        for href in HREF.findall(menu.group(1)):
            path = href.decode().replace("&amp;", "&")
            if SKIP.search(path):
                continue
            final, status, page = await get(conn, path)
            check(role, path, status, page, fragment=False)
            if final not in seen:
                seen.add(final)
                pages.append(Page(role, final, "menu"))
        profile = await profile_of(conn, role, firm)
        if profile is not None:
            _, status, body = await get(conn, profile)
            check(role, profile, status, body, fragment=False)
            pages.append(Page(role, profile, "profile"))
            for tab in TAB.findall(body):
                pages.append(Page(role, tab.decode(), "tab"))
        await conn.close()
    return pages


async def profile_of(conn: Connection, role: str, firm: str | None) -> str | None:
    """The profile the role reads: ``firm``'s if it may, else the first of its directory."""
    if firm is not None:
        _, status, _ = await get(conn, f"/enterprises/{firm}")
        if status == 200:
            return f"/enterprises/{firm}"
    _, status, body = await get(conn, "/enterprises")
    found = PROFILE_LINK.search(body) if status == 200 else None
    return found.group(1).decode() if found else None


def check(role: str, path: str, status: int, body: bytes, *, fragment: bool) -> None:
    """A 200 with a whole page (a fragment for a tab), or the run stops, loudly."""
    whole = fragment or body.rstrip().endswith(b"</html>")
    if status != 200 or not whole:
        snippet = body[:300].decode("utf-8", "replace")
        raise Failed(f"FAILED as {role}: GET {path} -> HTTP {status}, {len(body)} bytes: {snippet}")


# --- measuring -----------------------------------------------------------------------------------


async def first_requests(port: int, pages: list[Page], roles: list[str], lang: str) -> None:
    """One request per page, in the order discovered, right after the start."""
    conns = {role: await logged_in(port, role, lang) for role in roles}
    for page in pages:
        fragment = page.kind == "tab"
        started = time.perf_counter()
        _, status, body = await get(conns[page.role], page.path, fragment=fragment)
        page.first_ms = (time.perf_counter() - started) * 1000
        try:
            check(page.role, page.path, status, body, fragment=fragment)
        except Failed as failure:
            page.failed = str(failure)
    for conn in conns.values():
        await conn.close()


async def warm_requests(port: int, pages: list[Page], lang: str, clients: int, total: int) -> None:
    """``total`` requests of each page by ``clients`` concurrent clients sharing one login."""
    roles = dict.fromkeys(p.role for p in pages)
    sessions = {role: await logged_in(port, role, lang) for role in roles}
    for page in pages:
        if page.failed:
            continue
        fragment = page.kind == "tab"
        conns = [Connection("127.0.0.1", port) for _ in range(clients)]
        for conn in conns:
            conn.cookies = dict(sessions[page.role].cookies)
        budget = [total]
        await asyncio.gather(*(drive(c, page, fragment, budget) for c in conns))
        for conn in conns:
            await conn.close()
    for conn in sessions.values():
        await conn.close()


async def drive(conn: Connection, page: Page, fragment: bool, budget: list[int]) -> None:
    """One client asking for ``page`` until the shared budget of requests is spent."""
    while budget[0] > 0:
        budget[0] -= 1
        started = time.perf_counter()
        _, status, body = await get(conn, page.path, fragment=fragment)
        page.warm.append((time.perf_counter() - started) * 1000)
        try:
            check(page.role, page.path, status, body, fragment=fragment)
        except Failed as failure:
            page.failed = page.failed or str(failure)
            budget[0] = 0  # the other clients stop too: the page is reported as failed


async def whole_profiles(port: int, pages: list[Page], lang: str, times: int) -> dict[str, list]:
    """Per role, a profile with all its tabs as a browser loads it: the page, then every tab
    at once (htmx loads them on the page's load), ``times`` times; milliseconds each."""
    found: dict[str, list[float]] = {}
    for role in dict.fromkeys(p.role for p in pages):
        profile = [p for p in pages if p.role == role and p.kind == "profile"]
        if not profile:
            continue
        tabs = [p.path for p in pages if p.role == role and p.kind == "tab"]
        main = await logged_in(port, role, lang)
        conns = [Connection("127.0.0.1", port) for _ in tabs]
        for conn in conns:
            conn.cookies = dict(main.cookies)
        found[role] = []
        for _ in range(times):
            started = time.perf_counter()
            _, status, body = await get(main, profile[0].path)
            check(role, profile[0].path, status, body, fragment=False)
            answers = await asyncio.gather(
                *(get(c, t, fragment=True) for c, t in zip(conns, tabs, strict=True))
            )
            for tab, (_, status, body) in zip(tabs, answers, strict=True):
                check(role, tab, status, body, fragment=True)
            found[role].append((time.perf_counter() - started) * 1000)
        for conn in [main, *conns]:
            await conn.close()
    return found


# --- the run -------------------------------------------------------------------------------------


def build_demo(env: dict[str, str], firms: int) -> None:
    yuanqu = Path(sys.executable).with_name("yuanqu")
    started = time.perf_counter()
    subprocess.run(
        [str(yuanqu), "demo", "--no-serve", "--firms", str(firms), "--seed", str(SEED)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"demo zone of {firms:,} firms built in {time.perf_counter() - started:.0f} s")


def start(env: dict[str, str], *, wait_warm: bool) -> Server:
    server = Server(env, free_port())
    up = server.wait_until_up(wait_warm=wait_warm)
    ready = time.perf_counter() - server.started
    warm = f"; {server.warm_line}" if server.warm_line else ""
    print(f"server up {up:.1f} s after its start, measured from {ready:.1f} s{warm}")
    return server


def on(server: Server, work):
    """Run ``work`` against ``server``; a failed page stops the run with the server's error."""
    try:
        return asyncio.run(work)
    except Failed as failure:
        print(server.errors(), file=sys.stderr)
        raise SystemExit(str(failure)) from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="demo data directory (built if empty)")
    parser.add_argument("--database-url", help="serve this database instead (demo accounts)")
    parser.add_argument("--firms", type=int, default=90_000, help="firms of a demo built here")
    parser.add_argument("--roles", default=",".join(ROLES), help="comma-separated demo accounts")
    parser.add_argument("--pages", default="", help="only the paths matching this regex")
    parser.add_argument("--firm", help="credit code of the profile (default: the demo firm's)")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=100, help="warm requests per page")
    parser.add_argument("--profile-loads", type=int, default=10, help="whole profiles per role")
    parser.add_argument(
        "--no-wait-warm",
        dest="wait_warm",
        action="store_false",
        help="measure the first requests while the server's warm-up still runs",
    )
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also measure the first requests on a server started without its warm-up",
    )
    args = parser.parse_args()
    roles = [r for r in args.roles.split(",") if r]
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise SystemExit(f"--roles: unknown {', '.join(unknown) or '(none)'}; known: {ROLES}")
    if not (1 <= args.clients <= 200 and 1 <= args.requests <= 100_000):
        raise SystemExit("bounded: 1-200 clients, 1-100,000 requests per page")
    pattern = re.compile(args.pages) if args.pages else None

    with tempfile.TemporaryDirectory(prefix="yuanqu-pages-") as folder:
        data_dir = args.data_dir or Path(folder)
        env = {**os.environ, "YUANQU_DATA_DIR": str(data_dir.resolve())}
        if args.database_url:
            env["YUANQU_DATABASE_URL"] = args.database_url
        elif not (data_dir / "yuanqu.db").exists():
            build_demo(env, args.firms)
        print(f"load average at the start: {loadavg()}")

        server = start(env, wait_warm=True)
        try:
            pages = on(server, discover(server.port, roles, args.lang, args.firm))
        finally:
            server.stop()
        if pattern is not None:
            pages = [p for p in pages if pattern.search(p.path) or p.kind == "profile"]
        print(f"{len(pages)} pages and tabs of {len(roles)} role(s) found by the site's menus")

        baseline: dict[tuple[str, str], float] = {}
        if args.baseline:
            cold = [Page(p.role, p.path, p.kind) for p in pages]
            server = start({**env, "YUANQU_WARMUP": "off"}, wait_warm=False)
            try:
                on(server, first_requests(server.port, cold, roles, args.lang))
            finally:
                server.stop()
            baseline = {(p.role, p.path): p.first_ms for p in cold}

        server = start(env, wait_warm=args.wait_warm)
        try:
            on(server, first_requests(server.port, pages, roles, args.lang))
            cpu = server.cpu_seconds()
            on(server, warm_requests(server.port, pages, args.lang, args.clients, args.requests))
            cpu = server.cpu_seconds() - cpu
            profiles = on(server, whole_profiles(server.port, pages, args.lang, args.profile_loads))
            memory = server.memory_mb()
            if any(p.failed for p in pages):
                print(server.errors(), file=sys.stderr)
        finally:
            server.stop()
    report(pages, profiles, baseline, memory, cpu, args)


def report(pages, profiles, baseline, memory: float, cpu: float, args) -> None:
    print(
        f"\n{args.clients} concurrent clients, {args.requests} warm requests per page, "
        f"language {args.lang}; targets: first < {TARGET_FIRST_MS:.0f} ms, warm p95 < "
        f"{TARGET_WARM_P95_MS:.0f} ms, a whole profile < {TARGET_PROFILE_MS:.0f} ms"
    )
    cold = "  cold" if baseline else ""
    print(f"{'role':10s} {'kind':7s} {'first':>7s}{cold} {'p50':>6s} {'p95':>6s}  path (ms)")
    for p in pages:
        base = baseline.get((p.role, p.path))
        extra = f" {base:6.0f}" if baseline else ""
        miss = "" if p.first_ms < TARGET_FIRST_MS and p.p95 < TARGET_WARM_P95_MS else "  MISSES"
        miss = "  FAILED" if p.failed else miss
        print(
            f"{p.role:10s} {p.kind:7s} {p.first_ms:7.0f}{extra} {p.p50:6.0f} {p.p95:6.0f}  "
            f"{p.path}{miss}"
        )
    print("\nthe slowest ten, warm p95:")
    for p in sorted(pages, key=lambda p: -p.p95)[:10]:
        print(f"  {p.p95:6.0f} ms  p50 {p.p50:5.0f}  {p.role:10s} {p.path}")
    print("the slowest ten, first request after the start:")
    for p in sorted(pages, key=lambda p: -p.first_ms)[:10]:
        base = baseline.get((p.role, p.path))
        ratio = f"  (without warm-up {base:.0f} ms, ratio {p.first_ms / base:.2f})" if base else ""
        print(f"  {p.first_ms:6.0f} ms  {p.role:10s} {p.path}{ratio}")
    print("a profile with all its tabs, loaded as a browser does (ms):")
    for role, times in profiles.items():
        p95 = percentile(times, 0.95)
        verdict = "meets" if p95 < TARGET_PROFILE_MS else "MISSES"
        print(
            f"  {role:10s} median {statistics.median(times):6.0f}  p95 {p95:6.0f}  "
            f"p95/target {p95 / TARGET_PROFILE_MS:.2f} ({verdict})"
        )
    warm_miss = sum(p.p95 >= TARGET_WARM_P95_MS for p in pages)
    first_miss = sum(p.first_ms >= TARGET_FIRST_MS for p in pages)
    worst = max(pages, key=lambda p: p.p95)
    print(
        f"pages missing warm p95 < {TARGET_WARM_P95_MS:.0f} ms: {warm_miss} of {len(pages)} "
        f"(worst {worst.p95:.0f} ms, ratio to target {worst.p95 / TARGET_WARM_P95_MS:.2f}); "
        f"missing first < {TARGET_FIRST_MS:.0f} ms: {first_miss}"
    )
    warm = sum(len(p.warm) for p in pages)
    print(
        f"server CPU per warm request: {cpu / max(warm, 1) * 1000:.2f} ms "
        f"({cpu:.1f} s over {warm:,} requests by {args.clients} clients)"
    )
    print(f"server memory after the run: {memory:.0f} MB resident")
    print(f"load average at the end: {loadavg()} ({os.cpu_count()} cores)")
    failed = [p for p in pages if p.failed]
    if failed:
        for p in failed:
            print(p.failed.splitlines()[0], file=sys.stderr)
        raise SystemExit(f"{len(failed)} page(s) FAILED: not every answer was a 200")


if __name__ == "__main__":
    main()
