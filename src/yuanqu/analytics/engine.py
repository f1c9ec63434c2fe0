"""The columnar engine: DuckDB in-process over Arrow tables read from the system of record.

Tables are read with ADBC (SQLite or PostgreSQL) straight into Arrow, handed to DuckDB and kept
in memory, keyed by the data versions of the datasets they come from: while no import bumps a
version, every call reuses the loaded tables, and results already computed are memoised. The SQL
run here is plain ANSI SQL with ``FILTER`` and ``GROUPING SETS``, which Spark SQL runs as well.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import subprocess
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy.engine import make_url

MEMO_SIZE = 256
#: Large intermediate results (a per-firm pre-aggregate is tens of MB at 100,000 firms).
LARGE_MEMO_SIZE = 8


@dataclass(frozen=True)
class TableSpec:
    """A table to load: the SQL run on the system of record (portable to SQLite and PostgreSQL)
    and the DuckDB SQL that shapes the raw Arrow table ``raw`` into the engine's table."""

    name: str
    source_sql: str
    shape_sql: str = "SELECT * FROM raw"
    #: A sliced table is read only in the slices a query asks for (see :meth:`LoadedData.ensure`):
    #: ``source_sql`` then holds a ``{where}`` placeholder for the slices' condition.
    sliced: bool = False
    #: A derived table reads nothing: ``shape_sql`` runs over the tables loaded before it (a
    #: join done once per snapshot instead of once per query).
    derived: bool = False


def read_arrow(url: str, queries: Mapping[str, str]) -> dict[str, pa.Table]:
    """Run each query on the database at ``url`` through ADBC and return Arrow tables."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _read_sqlite(parsed.database or ":memory:", queries)
    if parsed.get_backend_name() != "postgresql":  # pragma: no cover - configuration error
        raise ValueError(f"no ADBC driver for {parsed.get_backend_name()}")
    import adbc_driver_postgresql.dbapi as driver

    uri = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    tables: dict[str, pa.Table] = {}
    with driver.connect(uri) as connection, connection.cursor() as cursor:
        for name, sql in queries.items():
            cursor.execute(sql)
            tables[name] = cursor.fetch_arrow_table()
    return tables


def _read_sqlite(path: str, queries: Mapping[str, str]) -> dict[str, pa.Table]:
    """ADBC's SQLite driver runs in a child process (see :mod:`yuanqu.analytics.adbc_reader`):
    the process's long-lived reader when it is free, else a child for this read alone."""
    tables = _READER.read(path, queries)
    if tables is not None:
        return tables
    return _read_sqlite_once(path, queries)


def _read_sqlite_once(path: str, queries: Mapping[str, str]) -> dict[str, pa.Table]:
    tables: dict[str, pa.Table] = {}
    with subprocess.Popen(
        [sys.executable, "-m", "yuanqu.analytics.adbc_reader", path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as child:
        assert child.stdin is not None and child.stdout is not None and child.stderr is not None
        child.stdin.write(json.dumps(dict(queries)).encode())
        child.stdin.close()
        try:
            for name in queries:
                tables[name] = pa.ipc.open_stream(child.stdout).read_all()
        except pa.ArrowInvalid:
            pass  # the child failed: its error is reported below
        error = child.stderr.read().decode(errors="replace")
        code = child.wait()
    if code != 0 or len(tables) != len(queries):
        raise RuntimeError(f"reading {path} through ADBC failed: {error.strip()[-2000:]}")
    return tables


class _Reader:
    """The long-lived ADBC reader child (``adbc_reader --serve``), started by the first read.

    A cold analysis after an import pays the read, not the start of a Python process with
    pyarrow (a third of a second on a quiet machine, seconds on a loaded one). One read at a
    time: a read that finds it busy runs its own child instead of waiting. It holds no file
    open between reads; it ends when this process closes its stdin (at exit).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None
        self._pid = 0
        self._inherited: list[subprocess.Popen[bytes]] = []

    def read(self, path: str, queries: Mapping[str, str]) -> dict[str, pa.Table] | None:
        """The tables, or None when the reader is busy or broken (the caller reads alone)."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            child = self._running()
            assert child.stdin is not None and child.stdout is not None
            try:
                request = {"path": path, "queries": dict(queries)}
                child.stdin.write(json.dumps(request).encode() + b"\n")
                child.stdin.flush()
                answer = json.loads(child.stdout.readline() or b"null")
            except (OSError, ValueError):
                answer = None
            if not isinstance(answer, dict):
                self._stop()  # it died: the one-off read below reports why
                return None
            if not answer.get("ok"):
                raise RuntimeError(f"reading {path} through ADBC failed: {answer.get('error')}")
            try:
                return {name: pa.ipc.open_stream(child.stdout).read_all() for name in queries}
            except (OSError, pa.ArrowInvalid):
                self._stop()  # cut off mid-answer: never reuse a reader out of step
                return None
        finally:
            self._lock.release()

    def _running(self) -> subprocess.Popen[bytes]:
        child = self._child
        if child is not None and self._pid != os.getpid():
            # A forked process inherited its parent's reader: leave it to the parent (and keep
            # the object, whose collection would warn that it still runs).
            self._inherited.append(child)
            child = None
        if child is None or child.poll() is not None:
            child = subprocess.Popen(
                [sys.executable, "-m", "yuanqu.analytics.adbc_reader", "--serve"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            self._child, self._pid = child, os.getpid()
        return child

    def _stop(self) -> None:
        child, self._child = self._child, None
        if child is None:
            return
        if self._pid != os.getpid():
            self._inherited.append(child)  # the parent's reader: the parent ends it
            return
        if child.stdin is not None:
            with contextlib.suppress(OSError):
                child.stdin.close()
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()

    def close(self) -> None:
        """End the child (at exit; tests)."""
        with self._lock:
            self._stop()


_READER = _Reader()
atexit.register(_READER.close)


@dataclass
class LoadedData:
    """One snapshot of the data in DuckDB, valid for one tuple of data versions."""

    versions: Hashable
    connection: duckdb.DuckDBPyConnection
    url: str = ""
    specs: dict[str, TableSpec] = field(default_factory=dict)
    slices: dict[str, set[Hashable]] = field(default_factory=dict)
    memo: OrderedDict[Hashable, Any] = field(default_factory=OrderedDict)
    large_memo: OrderedDict[Hashable, Any] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    load_lock: threading.Lock = field(default_factory=threading.Lock)

    def ensure(self, name: str, slices: Mapping[Hashable, str]) -> None:
        """Make sure the sliced table ``name`` holds these slices (key -> SQL condition on the
        source table), reading the missing ones in one pass. A bulletin needs two years of
        reports, not the whole history: reading only those is most of the cold time saved."""
        with self.load_lock:
            loaded = self.slices.setdefault(name, set())
            missing = [key for key in slices if key not in loaded]
            if not missing:
                return
            spec = self.specs[name]
            where = " OR ".join(f"({slices[key]})" for key in missing)
            raw = read_arrow(self.url, {name: spec.source_sql.format(where=where)})[name]
            self.connection.register("raw", raw)
            try:
                self.connection.execute(f"INSERT INTO {name} {spec.shape_sql}")
            finally:
                self.connection.unregister("raw")
            loaded.update(missing)

    def query(
        self,
        sql: str,
        params: list[Any] | None = None,
        *,
        tables: Mapping[str, pa.Table] | None = None,
    ) -> pa.Table:
        """Run SQL on this snapshot (thread-safe: one cursor per call); ``tables`` are Arrow
        tables (e.g. memoised intermediate results) visible to the query under their names."""
        cursor = self.connection.cursor()
        try:
            for name, table in (tables or {}).items():
                cursor.register(name, table)
            return cursor.sql(sql, params=params or None).to_arrow_table()
        finally:
            cursor.close()

    def script(self, statements: list[str], *, fetch: int = 1) -> list[pa.Table]:
        """Run statements on one cursor (temp tables live per cursor); returns the results of
        the last ``fetch`` statements."""
        cursor = self.connection.cursor()
        try:
            results: list[pa.Table] = []
            for index, sql in enumerate(statements):
                if index >= len(statements) - fetch:
                    results.append(cursor.sql(sql).to_arrow_table())
                else:
                    cursor.execute(sql)
            return results
        finally:
            cursor.close()

    def memoised(self, key: Hashable, compute: Callable[[], Any], *, large: bool = False) -> Any:
        """The result for ``key``, computed once per snapshot (``large``: kept in a shorter
        list, for intermediate tables)."""
        memo, size = (self.large_memo, LARGE_MEMO_SIZE) if large else (self.memo, MEMO_SIZE)
        with self.lock:
            if key in memo:
                memo.move_to_end(key)
                return memo[key]
        value = compute()
        with self.lock:
            memo[key] = value
            while len(memo) > size:
                memo.popitem(last=False)
        return value


def load(url: str, specs: tuple[TableSpec, ...], versions: Hashable) -> LoadedData:
    """Read every table through ADBC and materialise it in a fresh in-memory DuckDB; a sliced
    table starts empty (its shape from an empty read) and fills by :meth:`LoadedData.ensure`."""
    raw = read_arrow(
        url,
        {
            spec.name: spec.source_sql.format(where="1 = 0") if spec.sliced else spec.source_sql
            for spec in specs
            if not spec.derived
        },
    )
    connection = duckdb.connect(":memory:")
    for spec in specs:
        if spec.derived:
            connection.execute(f"CREATE TABLE {spec.name} AS {spec.shape_sql}")
            continue
        connection.register("raw", raw[spec.name])
        connection.execute(f"CREATE TABLE {spec.name} AS {spec.shape_sql}")
        connection.unregister("raw")
    return LoadedData(
        versions=versions,
        connection=connection,
        url=url,
        specs={spec.name: spec for spec in specs},
    )


class Cache:
    """Loaded snapshots per (database URL, table set); a new version reloads, nothing else does."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, LoadedData] = {}
        self._lock = threading.Lock()

    def get(
        self, url: str, specs: tuple[TableSpec, ...], versions: Hashable
    ) -> tuple[LoadedData, bool]:
        """The snapshot for these versions and whether it was already loaded (warm)."""
        key = (url, tuple(spec.name for spec in specs))
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.versions == versions:
                return entry, True
        fresh = load(url, specs, versions)
        with self._lock:
            old = self._entries.get(key)
            self._entries[key] = fresh
        if old is not None:
            old.connection.close()
        return fresh, False

    def clear(self) -> None:
        with self._lock:
            for entry in self._entries.values():
                entry.connection.close()
            self._entries.clear()


#: The process-wide cache (the web app and the CLI share it within a process).
CACHE = Cache()
