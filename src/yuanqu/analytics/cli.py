"""`yuanqu export ...`: write the system of record as the Parquet dataset the Spark engine reads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from yuanqu.analytics.parquet import export_parquet
from yuanqu.core.db import cli_session
from yuanqu.core.terminal import OutputFormat, console, emit_rows, t

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
