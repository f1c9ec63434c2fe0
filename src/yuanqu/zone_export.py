"""The zone's export: the system of record written as the Parquet dataset the Spark engine reads.

A root module beside ``app.py`` and ``cli.py``: it reads every domain (the statistics' table specs,
the chains' placements), while the layout and its check stay in the analytics kit
(:mod:`yuanqu.analytics.parquet`). ``yuanqu export parquet`` is its command.
"""

from __future__ import annotations

import json
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import typer
from sqlalchemy.orm import Session

from yuanqu.analytics.engine import read_arrow
from yuanqu.analytics.parquet import DIRECTORIES, FORMAT_VERSION, MANIFEST, dataset_path
from yuanqu.chains.service import compute_placements
from yuanqu.core.db import cli_session
from yuanqu.core.errors import ValidationError
from yuanqu.core.terminal import OutputFormat, console, emit_rows, t
from yuanqu.stats.frames import TABLES, database_url, versions

#: Registry columns the statistics do not read but policy evaluation does, added to ``firms/``
#: (dates as ISO text, '' for none: ADBC's SQLite driver types a column by its first rows).
FIRM_POLICY_SQL = (
    "SELECT id, COALESCE(CAST(established AS TEXT), '') AS established, "
    "registered_capital_fen FROM enterprises"
)

EXTRA_SQL = {
    "enterprise_labels": "SELECT enterprise_id, label, valid_from, valid_to FROM enterprise_labels",
    "policy_facts": "SELECT f.enterprise_id, e.uscc, f.year, f.fact, f.value "
    "FROM policy_facts f JOIN enterprises e ON e.id = f.enterprise_id",
}


def _period_parts(table: pa.Table) -> pa.Table:
    """Add the partition columns (year, month) of a table with a ``period`` 'YYYY-MM'."""
    period = table.column("period").cast(pa.string())
    year = pc.cast(pc.utf8_slice_codeunits(period, 0, 4), pa.int32())
    month = pc.cast(pc.utf8_slice_codeunits(period, 5, 7), pa.int32())
    return table.append_column("year", year).append_column("month", month)


def _iso_dates(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """ISO text as dates ('' and NULL: no date)."""
    text = column.cast(pa.string())
    return pc.cast(pc.if_else(pc.equal(text, ""), None, text), pa.date32())


def _with_policy_columns(firms: pa.Table, extra: pa.Table) -> pa.Table:
    """``firms`` with ``established`` (date) and ``registered_capital_fen`` (int64) by id."""
    established = _iso_dates(extra.column("established"))
    capital = extra.column("registered_capital_fen")
    if capital.type != pa.int64():  # all NULL on SQLite: typed by ADBC as it pleases
        capital = capital.cast(pa.int64())
    index = pc.index_in(firms.column("id"), value_set=extra.column("id"))
    return firms.append_column("established", pc.take(established, index)).append_column(
        "registered_capital_fen", pc.take(capital, index)
    )


#: Columns the databases return as different types (SQLite: ISO text), written as dates.
DATE_COLUMNS = {"enterprise_labels": ("valid_from", "valid_to")}


def _canonical(name: str, table: pa.Table) -> pa.Table:
    """One schema whichever database the zone runs on: every integer column int64 (PostgreSQL
    returns INTEGER columns as int32), the dates of :data:`DATE_COLUMNS` as dates, and no
    driver metadata on the fields."""
    dates = DATE_COLUMNS.get(name, ())
    columns, fields = [], []
    for field, column in zip(table.schema, table.columns, strict=True):
        if field.name in dates:
            if not pa.types.is_date32(column.type):
                column = _iso_dates(column)
        elif pa.types.is_integer(column.type) and column.type != pa.int64():
            column = column.cast(pa.int64())
        columns.append(column)
        fields.append(pa.field(field.name, column.type))
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def _write(table: pa.Table, target: Path, partitions: list[str] | None = None) -> None:
    if partitions:
        pq.write_to_dataset(
            table,
            str(target),
            partition_cols=partitions,
            existing_data_behavior="delete_matching",
        )
    else:
        target.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, target / "part-0.parquet")


def export_parquet(session: Session, *, target: Path, overwrite: bool = False) -> dict[str, int]:
    """Write the layout of the module docstring from the committed system of record; returns
    the rows written per table. Writes into a sibling temporary directory and renames, so a
    failed export leaves no half-written dataset behind."""
    if target.exists() and any(target.iterdir()):
        if not overwrite:
            raise ValidationError(
                f"目标目录 {target} 非空（用 --overwrite 覆盖）",
                f"target directory {target} is not empty (use --overwrite to replace it)",
                code="target_not_empty",
                details={"target": str(target)},
            )
        if not (target / MANIFEST).is_file():
            raise ValidationError(
                f"{target} 不是导出的数据集，拒绝覆盖",
                f"{target} is not an exported dataset: refusing to overwrite it",
                code="target_not_dataset",
                details={"target": str(target)},
            )
    started = time.perf_counter()
    url = database_url(session)
    queries = {
        spec.name: spec.source_sql.format(where="1 = 1") if spec.sliced else spec.source_sql
        for spec in TABLES
        if not spec.derived
    }
    tables = read_arrow(url, {**queries, **EXTRA_SQL, "firm_policy": FIRM_POLICY_SQL})
    tables["firms"] = _with_policy_columns(tables["firms"], tables.pop("firm_policy"))
    run = compute_placements(session)
    tables["chain_firms"] = run.firms
    tables["chain_placements"] = run.placements
    staging = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    counts: dict[str, int] = {}
    for name, table in tables.items():
        table = _canonical(name, table)
        if name == "reports":
            _write(_period_parts(table), dataset_path(staging, name), ["year", "month"])
        elif name == "policy_facts":
            _write(table, dataset_path(staging, name), ["year"])
        else:
            _write(table, dataset_path(staging, name))
        counts[DIRECTORIES.get(name, name)] = table.num_rows
    manifest = {
        "format_version": FORMAT_VERSION,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data_versions": [list(v) if v else None for v in versions(session)],
        "rows": counts,
        "seconds": round(time.perf_counter() - started, 2),
    }
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    return counts


app = typer.Typer(help="Export datasets.", no_args_is_help=True)


@app.command("parquet")
def parquet(
    target: Annotated[Path, typer.Argument(help="directory to write (see docs/scale.md)")],
    overwrite: Annotated[bool, typer.Option(help="replace an earlier export there")] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Write firms, labels, monthly reports (by year and month), task forces, policy facts...
    as Parquet, for `--engine spark --source DIR`."""
    with cli_session() as session:
        counts = export_parquet(session, target=target, overwrite=overwrite)
    emit_rows([{"table": name, "rows": rows} for name, rows in counts.items()], fmt)
    if fmt == OutputFormat.table:
        console.print(t(f"数据集已写入 {target}", f"dataset written to {target}"))
