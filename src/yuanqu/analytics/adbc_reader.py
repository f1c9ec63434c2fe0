"""Read tables from a SQLite file through ADBC in a child process, as Arrow IPC on stdout.

The ADBC SQLite driver links its own copy of SQLite. Two copies of SQLite in one process break
SQLite's POSIX locking (closing one copy's file descriptor drops the other's locks, see
https://www.sqlite.org/howtocorrupt.html §2.2), which lost committed writes in our tests. The
child process keeps the driver's copy away from the application's connections.

Usage: ``python -m yuanqu.analytics.adbc_reader PATH`` with ``{"name": "SQL", ...}`` as JSON on
stdin; writes one Arrow IPC stream per query, in order. All queries run in one read transaction,
so they see one committed state of the file (a data version read first describes the tables
read after it exactly).

``python -m yuanqu.analytics.adbc_reader --serve`` stays up and answers requests, one JSON line
each on stdin (``{"path": PATH, "queries": {...}}``), with one JSON line on stdout
(``{"ok": true, "tables": N}`` or ``{"ok": false, "error": ...}``) followed by the N streams:
the parent's first read starts it, later reads skip the start-up (see
:mod:`yuanqu.analytics.engine`). It opens the file per request and closes it after.

The child uses the driver manager's low-level API, not its DB-API module: that module imports
pandas and pyarrow.dataset, a second of start-up on a loaded machine, paid by every cold read.
"""

from __future__ import annotations

import json
import sys
from typing import Any, BinaryIO


def read(path: str, queries: dict[str, str]) -> list[Any]:
    """The Arrow tables of ``queries`` on the SQLite file ``path``, in one read transaction."""
    import adbc_driver_manager as manager
    import adbc_driver_sqlite
    import pyarrow as pa

    tables = []
    database = adbc_driver_sqlite.connect(path)
    connection = manager.AdbcConnection(database)
    try:
        connection.set_autocommit(False)  # one read transaction for every query
        for sql in queries.values():
            statement = manager.AdbcStatement(connection)
            try:
                statement.set_sql_query(sql)
                stream, _rows = statement.execute_query()
                tables.append(pa.RecordBatchReader._import_from_c(stream.address).read_all())
            finally:
                statement.close()
        connection.rollback()
    finally:
        connection.close()
        database.close()
    return tables


def _write(sink: BinaryIO, tables: list[Any]) -> None:
    import pyarrow as pa

    for table in tables:
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)


def serve() -> None:
    """Answer requests until stdin closes; an error answers that request, not the process."""
    sink = sys.stdout.buffer
    for line in sys.stdin.buffer:
        try:
            request = json.loads(line)
            tables = read(request["path"], request["queries"])
        except Exception as exc:  # any failure is this request's answer, not the server's end
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            sink.write(json.dumps(answer).encode() + b"\n")
        else:
            sink.write(json.dumps({"ok": True, "tables": len(tables)}).encode() + b"\n")
            _write(sink, tables)
        sink.flush()


def main() -> None:
    if sys.argv[1] == "--serve":
        serve()
        return
    queries: dict[str, str] = json.load(sys.stdin)
    sink = sys.stdout.buffer
    _write(sink, read(sys.argv[1], queries))
    sink.flush()


if __name__ == "__main__":
    main()
