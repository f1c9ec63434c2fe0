"""Read tables from a SQLite file through ADBC in a child process, as Arrow IPC on stdout.

The ADBC SQLite driver links its own copy of SQLite. Two copies of SQLite in one process break
SQLite's POSIX locking (closing one copy's file descriptor drops the other's locks, see
https://www.sqlite.org/howtocorrupt.html §2.2), which lost committed writes in our tests. The
child process keeps the driver's copy away from the application's connections.

Usage: ``python -m yuanqu.analytics.adbc_reader PATH`` with ``{"name": "SQL", ...}`` as JSON on
stdin; writes one Arrow IPC stream per query, in order.
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    import adbc_driver_sqlite.dbapi as driver
    import pyarrow as pa

    path = sys.argv[1]
    queries: dict[str, str] = json.load(sys.stdin)
    sink = sys.stdout.buffer
    with driver.connect(path) as connection, connection.cursor() as cursor:
        for sql in queries.values():
            cursor.execute(sql)
            table = cursor.fetch_arrow_table()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
    sink.flush()


if __name__ == "__main__":
    main()
