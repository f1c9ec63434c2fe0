"""The columnar engine: DuckDB in-process over Arrow tables read from the system of record.

Tables are read with ADBC (SQLite or PostgreSQL) straight into Arrow, handed to DuckDB and kept
in memory, keyed by the data versions of the datasets they come from: while no import bumps a
version, every call reuses the loaded tables, and results already computed are memoised. The SQL
run here is plain ANSI SQL with ``FILTER`` and ``GROUPING SETS``, which Spark SQL runs as well.

The versions a snapshot is filed under are read by the same reads as its tables, first and last in
each (see :func:`load`), never through the caller's unit of work: a unit of work that bumped a
version and has not committed, or that read the versions before another import committed, sees
other versions than the committed rows ADBC reads, and a snapshot filed under those would hold old
rows under the new version (stale until the next import) or new rows under the old one.
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
from collections.abc import Callable, Hashable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy.engine import make_url

MEMO_SIZE = 256
#: How many times a snapshot is read when imports keep committing while it is read.
LOAD_ATTEMPTS = 3
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
    #: A cache that follows a sliced table (derived, reads nothing): each slice loaded into the
    #: table ``follows`` adds the rows of ``shape_sql.format(slice=key)``, run over the engine's
    #: tables once per slice and snapshot (e.g. per-firm running sums of a year of reports).
    follows: str = ""


def read_arrow(
    url: str, queries: Mapping[str, str], *, parallel: Sequence[Mapping[str, str]] = ()
) -> dict[str, pa.Table]:
    """Run each query on the database at ``url`` through ADBC and return Arrow tables.
    ``parallel``: more groups of queries that may run at the same time as ``queries`` (on
    SQLite each group is read by its own child process, so a year of reports per core)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _read_sqlite(parsed.database or ":memory:", [queries, *parallel])
    if parsed.get_backend_name() != "postgresql":  # pragma: no cover - configuration error
        raise ValueError(f"no ADBC driver for {parsed.get_backend_name()}")
    import adbc_driver_postgresql.dbapi as driver

    uri = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    tables: dict[str, pa.Table] = {}
    with driver.connect(uri) as connection, connection.cursor() as cursor:
        for name, sql in [item for group in (queries, *parallel) for item in group.items()]:
            cursor.execute(sql)
            tables[name] = cursor.fetch_arrow_table()
    return tables


def _read_sqlite(path: str, groups: Sequence[Mapping[str, str]]) -> dict[str, pa.Table]:
    """ADBC's SQLite driver runs in child processes (see :mod:`yuanqu.analytics.adbc_reader`),
    one per group of queries, all at once: SQLite reads on one core, and turning rows into Arrow
    is most of a cold load, so two years read by two children take half the time. The first
    group goes to the process's long-lived reader when it is free (no Python start to pay)."""
    groups = [group for group in groups if group]
    if not groups:
        return {}
    children = [_start_child(path, queries) for queries in groups[1:]]
    try:
        tables = _READER.read(path, groups[0])
        if tables is None:
            children.insert(0, _start_child(path, groups[0]))
            tables = {}
    finally:
        rest = _collect_children(path, children)
    return {**tables, **rest}


_Child = tuple[subprocess.Popen[bytes], Mapping[str, str]]


def _start_child(path: str, queries: Mapping[str, str]) -> _Child:
    """A one-off reader child for this group of queries alone."""
    child = subprocess.Popen(
        [sys.executable, "-m", "yuanqu.analytics.adbc_reader", path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdin is not None
    child.stdin.write(json.dumps(dict(queries)).encode())
    child.stdin.close()
    return child, queries


def _collect_children(path: str, children: Sequence[_Child]) -> dict[str, pa.Table]:
    tables: dict[str, pa.Table] = {}
    errors: list[str] = []
    for child, queries in children:
        assert child.stdout is not None and child.stderr is not None
        try:
            for name in queries:
                tables[name] = pa.ipc.open_stream(child.stdout).read_all()
        except pa.ArrowInvalid:
            pass  # the child failed: its error is reported below
        error = child.stderr.read().decode(errors="replace")
        child.stdout.close()
        child.stderr.close()
        if child.wait() != 0 or any(name not in tables for name in queries):
            errors.append(error.strip()[-2000:])
    if errors:
        raise RuntimeError(f"reading {path} through ADBC failed: {' | '.join(errors)}")
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


def version_key(rows: Sequence[Sequence[Any]] | pa.Table) -> tuple[tuple[str, int], ...]:
    """Rows of ``(dataset, version)`` (an Arrow table or result rows) as a comparable key."""
    if isinstance(rows, pa.Table):
        rows = list(zip(rows.column(0).to_pylist(), rows.column(1).to_pylist(), strict=True))
    return tuple(sorted((str(dataset), int(version)) for dataset, version in rows))


def read_versions(url: str, versions_sql: str) -> tuple[tuple[str, int], ...]:
    """The data versions as committed now."""
    return version_key(read_arrow(url, {"versions": versions_sql})["versions"])


def with_versions(groups: Sequence[Mapping[str, str]], versions_sql: str) -> list[dict[str, str]]:
    """Each group of queries with the versions read first and last in it: the reads between
    saw one committed state exactly when all these agree (every import bumps its version in the
    commit that writes its rows; on PostgreSQL each statement sees the latest commit)."""
    return [
        {f"versions#{i}#first": versions_sql, **group, f"versions#{i}#last": versions_sql}
        for i, group in enumerate(groups)
        if group
    ]


def steady_versions(raw: Mapping[str, pa.Table]) -> tuple[tuple[str, int], ...] | None:
    """The versions every read saw (see :func:`with_versions`), None if an import committed in
    between."""
    seen = {version_key(table) for name, table in raw.items() if name.startswith("versions#")}
    return seen.pop() if len(seen) == 1 else None


@dataclass
class LoadedData:
    """One snapshot of the data in DuckDB, valid for one tuple of data versions (None: read
    while imports committed, of no single version)."""

    versions: Hashable
    connection: duckdb.DuckDBPyConnection
    url: str = ""
    #: The query of the data versions, read with every slice added later (empty: not checked).
    versions_sql: str = ""
    specs: dict[str, TableSpec] = field(default_factory=dict)
    slices: dict[str, set[Hashable]] = field(default_factory=dict)
    #: The caches that follow sliced tables (see ``TableSpec.follows``), visible to every query.
    caches: dict[str, pa.Table] = field(default_factory=dict)
    #: Each loaded slice's condition (to read it again into a smaller snapshot) and the order
    #: the slices were last asked for (most recent last): what :class:`Cache` evicts by.
    conditions: dict[str, dict[Hashable, str]] = field(default_factory=dict)
    used: OrderedDict[tuple[str, Hashable], None] = field(default_factory=OrderedDict)
    memo: OrderedDict[Hashable, Any] = field(default_factory=OrderedDict)
    large_memo: OrderedDict[Hashable, Any] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    load_lock: threading.Lock = field(default_factory=threading.Lock)

    def ensure(self, name: str, slices: Mapping[Hashable, str]) -> bool:
        """Make sure the sliced table ``name`` holds these slices (key -> SQL condition on the
        source table), reading the missing ones at once, one child process each on SQLite. A
        bulletin needs two years of reports, not the whole history: reading only those is most
        of the cold time saved. False (nothing added) when the slices were read at other data
        versions than this snapshot's: an import committed since it was loaded."""
        with self.load_lock:
            for key in slices:
                self.used[(name, key)] = None
                self.used.move_to_end((name, key))
            loaded = self.slices.setdefault(name, set())
            missing = {key: sql for key, sql in slices.items() if key not in loaded}
            if not missing:
                return True
            groups = slice_queries(self.specs[name], missing)
            if self.versions_sql:
                groups = with_versions(groups, self.versions_sql)
            raw = read_arrow(self.url, groups[0], parallel=groups[1:])
            if self.versions_sql and steady_versions(raw) != self.versions:
                return False
            self.add_slices(name, raw, missing)
            return True

    def add_slices(
        self, name: str, raw: Mapping[str, pa.Table], slices: Mapping[Hashable, str]
    ) -> None:
        """Shape the slices read (``raw``, named as :func:`slice_queries` names them) into the
        table ``name``, then add their rows to every cache that follows it."""
        spec = self.specs[name]
        self.conditions.setdefault(name, {}).update(slices)
        for key in slices:
            self.used.setdefault((name, key), None)
        for index, _key in enumerate(slices):
            self.connection.register("raw", raw[f"{name}#{index}"])
            try:
                self.connection.execute(f"INSERT INTO {name} {spec.shape_sql}")
            finally:
                self.connection.unregister("raw")
        for cache in (s for s in self.specs.values() if s.follows == name):
            # Kept as Arrow, not as a DuckDB table: a cache is hundreds of columns wide, and
            # appending them to a table costs more than computing them.
            parts = [self.caches[cache.name]] if cache.name in self.caches else []
            # One thread per slice: a month of one firm per row is a single DuckDB row group,
            # so each build runs on one core; two years build side by side.
            with ThreadPoolExecutor(max_workers=max(1, len(slices))) as pool:
                sqls = [cache.shape_sql.format(slice=key) for key in slices]
                parts += list(pool.map(self._arrow, sqls))
            self.caches[cache.name] = pa.concat_tables(parts)
            self.slices.setdefault(cache.name, set()).update(slices)
        self.slices.setdefault(name, set()).update(slices)

    def _arrow(self, sql: str) -> pa.Table:
        cursor = self.connection.cursor()
        try:
            return cursor.sql(sql).to_arrow_table()
        finally:
            cursor.close()

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
            for name, table in {**self.caches, **(tables or {})}.items():
                cursor.register(name, table)
            return cursor.sql(sql, params=params or None).to_arrow_table()
        finally:
            cursor.close()

    def script(self, statements: list[str], *, fetch: int = 1) -> list[pa.Table]:
        """Run statements on one cursor (temp tables live per cursor); returns the results of
        the last ``fetch`` statements."""
        cursor = self.connection.cursor()
        try:
            for name, table in self.caches.items():
                cursor.register(name, table)
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


def slice_queries(spec: TableSpec, slices: Mapping[Hashable, str]) -> list[dict[str, str]]:
    """One query per slice of a sliced table, named ``<table>#<index>`` (each may run in its
    own process)."""
    return [
        {f"{spec.name}#{index}": spec.source_sql.format(where=condition)}
        for index, condition in enumerate(slices.values())
    ]


def load(
    url: str,
    specs: tuple[TableSpec, ...],
    versions_sql: str,
    slices: Mapping[str, Mapping[Hashable, str]] | None = None,
) -> LoadedData:
    """Read every table through ADBC and materialise it in a fresh in-memory DuckDB; a sliced
    table starts empty (its shape from an empty read) and fills with ``slices`` now (read
    together with the other tables) or later by :meth:`LoadedData.ensure`. The snapshot's
    versions are those its reads saw (``versions_sql``, read with them), None if they differ."""
    by_name = {spec.name: spec for spec in specs}
    pieces = [
        query
        for name, wanted in (slices or {}).items()
        for query in slice_queries(by_name[name], wanted)
    ]
    first = {
        spec.name: spec.source_sql.format(where="1 = 0") if spec.sliced else spec.source_sql
        for spec in specs
        if not spec.derived
    }
    groups = with_versions([{**first, **(pieces[0] if pieces else {})}, *pieces[1:]], versions_sql)
    raw = read_arrow(url, groups[0], parallel=groups[1:])
    connection = duckdb.connect(":memory:")
    for spec in specs:
        if spec.follows:
            continue  # built as the slices it follows arrive
        if spec.derived:
            connection.execute(f"CREATE TABLE {spec.name} AS {spec.shape_sql}")
            continue
        connection.register("raw", raw[spec.name])
        connection.execute(f"CREATE TABLE {spec.name} AS {spec.shape_sql}")
        connection.unregister("raw")
    data = LoadedData(
        versions=steady_versions(raw),
        connection=connection,
        url=url,
        versions_sql=versions_sql,
        specs=by_name,
    )
    for name, wanted in (slices or {}).items():
        data.add_slices(name, raw, wanted)
    return data


class Cache:
    """Loaded snapshots per (database URL, table set); a new version reloads, nothing else does."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, LoadedData] = {}
        self._lock = threading.Lock()

    def get(
        self,
        url: str,
        specs: tuple[TableSpec, ...],
        versions_sql: str,
        slices: Mapping[str, Mapping[Hashable, str]] | None = None,
        *,
        seen: Hashable | None = None,
        max_slices: int | None = None,
    ) -> tuple[LoadedData, bool]:
        """The snapshot of the committed data, holding ``slices`` of the sliced tables, and
        whether it was loaded already (warm).

        ``versions_sql`` reads ``(dataset, version)`` rows; ``seen`` is what the caller's unit
        of work reads from it (as :func:`version_key`): when it is the cached snapshot's, the
        snapshot is current and nothing more is read. Otherwise the committed versions decide
        (a unit of work may see its own uncommitted import, or versions older than the last
        commit), and a load is kept only if every one of its reads saw the same versions.

        ``max_slices``: the most slices of a sliced table a snapshot keeps (a request that needs
        more gets them all). When the slices asked for would pass it, the snapshot is read again
        with those slices and the most recently used others up to the bound (least recently
        used evicted); the old snapshot is not closed, so a query still running on it finishes
        on the data it started with, and its memory is freed when the last reader lets go."""
        key = (url, tuple(spec.name for spec in specs))
        wanted = slices or {}
        with self._lock:
            entry = self._entries.get(key)
        evict = False
        if entry is not None and max_slices is not None:
            with entry.load_lock:  # its slices and their order change under this lock
                if not _fits(entry, wanted, max_slices):
                    wanted, evict = _keep_recent(entry, wanted, max_slices), True
        if not evict and entry is not None and seen is not None and _current(entry, seen, wanted):
            return entry, True
        fresh: LoadedData | None = None
        for _attempt in range(LOAD_ATTEMPTS):
            with self._lock:
                entry = self._entries.get(key)
            if (
                not evict
                and entry is not None
                and _current(entry, read_versions(url, versions_sql), wanted)
            ):
                return entry, True
            if fresh is not None:
                fresh.connection.close()
            fresh = load(url, specs, versions_sql, wanted)
            if fresh.versions is None:
                continue  # an import committed while it was read: read again
            with self._lock:
                old = self._entries.get(key)
                self._entries[key] = fresh
            if old is not None and not evict:
                old.connection.close()
            return fresh, False
        # Imports kept committing: this answer was read over a moving database; kept nowhere.
        assert fresh is not None
        return fresh, False

    def held(self, url: str, specs: tuple[TableSpec, ...]) -> LoadedData | None:
        """The snapshot kept for ``url`` and ``specs``, if any, as it is (nothing read)."""
        with self._lock:
            return self._entries.get((url, tuple(spec.name for spec in specs)))

    def clear(self) -> None:
        with self._lock:
            for entry in self._entries.values():
                entry.connection.close()
            self._entries.clear()


def _fits(entry: LoadedData, wanted: Mapping[str, Mapping[Hashable, str]], bound: int) -> bool:
    """Whether ``entry`` can add the ``wanted`` slices and stay within ``bound`` per table (or
    within what this one request needs, if that is more)."""
    return all(
        len(entry.slices.get(name, set()) | set(slices)) <= max(bound, len(slices))
        for name, slices in wanted.items()
    )


def _keep_recent(
    entry: LoadedData, wanted: Mapping[str, Mapping[Hashable, str]], bound: int
) -> dict[str, dict[Hashable, str]]:
    """The ``wanted`` slices and, up to ``bound`` per table, the ones ``entry`` holds that were
    asked for most recently: the slices of the snapshot that replaces it."""
    kept: dict[str, dict[Hashable, str]] = {}
    for name, slices in wanted.items():
        chosen = dict(slices)
        held = entry.conditions.get(name, {})
        for table, key in reversed(entry.used):
            if len(chosen) >= bound:
                break
            if table == name and key not in chosen and key in held:
                chosen[key] = held[key]
        kept[name] = chosen
    return kept


def _current(
    entry: LoadedData, versions: Hashable, wanted: Mapping[str, Mapping[Hashable, str]]
) -> bool:
    """Whether ``entry`` is the snapshot at ``versions``, with the ``wanted`` slices (read now
    if missing, refused if an import committed since it was loaded)."""
    if entry.versions != versions:
        return False
    return all(entry.ensure(name, slices) for name, slices in wanted.items())


#: The process-wide cache (the web app and the CLI share it within a process).
CACHE = Cache()
