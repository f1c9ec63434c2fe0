"""Reading the system of record into Arrow for the columnar engine (DuckDB).

Two paths give the same Arrow table (same schema, cast on arrival):

- ADBC (``adbc-driver-postgresql``): a columnar read on its own connection, used on PostgreSQL
  when the session has not begun a transaction yet, so there is nothing uncommitted it could
  miss (a CLI command, a page, a job reading before it writes). Never ADBC's SQLite driver in
  this process: it bundles its own SQLite, and two copies in one process break SQLite's file
  locks (committed writes were lost); ``analytics.engine`` runs that driver in a child process.
- the session's own connection: used when the session is already in a unit of work (it may hold
  flushed, uncommitted rows the analysis must see) or is bound to a connection (tests).
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import Connection
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session


def _adbc_connect(url: str) -> Any:
    parsed = make_url(url)
    import adbc_driver_postgresql.dbapi

    plain = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    return adbc_driver_postgresql.dbapi.connect(plain)


def can_read_columnar(session: Session) -> bool:
    """True when an ADBC read on a fresh connection sees exactly what the session would."""
    bind = session.get_bind()
    if isinstance(bind, Connection) or session.in_transaction():
        return False
    return bind.dialect.name == "postgresql"


def read_arrow(session: Session, sql: str, schema: pa.Schema) -> pa.Table:
    """The rows of ``sql`` (plain SQL valid on SQLite and PostgreSQL) as an Arrow table."""
    if can_read_columnar(session):
        url = session.get_bind().url.render_as_string(hide_password=False)  # type: ignore[union-attr]
        with _adbc_connect(url) as conn, conn.cursor() as cursor:
            cursor.execute(sql)
            table = cursor.fetch_arrow_table()
        table = table.rename_columns(schema.names)
        return _cast(table, schema)
    result = session.connection().exec_driver_sql(sql)
    rows = result.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in schema]
    arrays = [
        pa.array(list(values), type=_loose(fld.type))
        for values, fld in zip(columns, schema, strict=True)
    ]
    return _cast(pa.table(arrays, names=schema.names), schema)


def _loose(type_: pa.DataType) -> pa.DataType | None:
    # Dates come back as text from SQLite's driver: let Arrow infer, then cast.
    return None if pa.types.is_date(type_) else type_


def _cast(table: pa.Table, schema: pa.Schema) -> pa.Table:
    if table.schema.equals(schema):
        return table
    return table.cast(schema)


def duck() -> duckdb.DuckDBPyConnection:
    """A fresh in-process DuckDB connection (no extensions, nothing downloaded)."""
    conn = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False})
    return conn
