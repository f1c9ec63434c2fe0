"""The CLI options that choose the analytics engine, shared by every command that runs one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

EngineOption = Annotated[
    str | None,
    typer.Option(
        "--engine",
        help="duckdb (default; the system of record) or spark (a Parquet dataset, --source); "
        "setting YUANQU_ENGINE",
    ),
]
SourceOption = Annotated[
    Path | None,
    typer.Option(
        "--source",
        help="Spark: the dataset written by `yuanqu export parquet`; YUANQU_SPARK_SOURCE",
    ),
]
MasterOption = Annotated[
    str | None,
    typer.Option(
        "--spark-master",
        help="Spark: local[2] (default), spark://HOST:7077 or Spark Connect sc://HOST:15002; "
        "YUANQU_SPARK_MASTER",
    ),
]
