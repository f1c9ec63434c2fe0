"""Zones exported as the Parquet dataset the Spark engine reads, and a comparison of two
datasets table by table."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from yuanqu.analytics.parquet import MANIFEST
from yuanqu.core.config import configure, get_settings, restore_settings
from yuanqu.core.db import dispose_engines, session_scope
from yuanqu.zone_export import export_parquet


@contextmanager
def exported_zone(url: str, root: Path, build: Callable[[Session], object]) -> Iterator[Path]:
    """``build`` committed on the database at ``url`` and exported to ``root / 'dataset'``;
    the settings point at that database until the block ends."""
    saved = get_settings()
    configure(database_url=url, data_dir=root / "data", lang="zh")
    try:
        with session_scope() as session:
            build(session)
        with session_scope() as session:
            export_parquet(session, target=root / "dataset")
        yield root / "dataset"
    finally:
        dispose_engines()
        restore_settings(saved)


def _sorted(table: pa.Table) -> pa.Table:
    """The rows in one order whatever order the database returned them in (the partition
    columns, read back as dictionaries, decoded first)."""
    plain = pa.table(
        {
            name: column.cast(column.type.value_type)
            if pa.types.is_dictionary(column.type)
            else column
            for name, column in zip(table.schema.names, table.columns, strict=True)
        }
    )
    keys = [(name, "ascending") for name in plain.schema.names]
    return plain.take(pc.sort_indices(plain, sort_keys=keys))


def dataset_differences(left: Path, right: Path) -> list[str]:
    """Every table of two exported datasets compared: the same directories, column names and
    types, and rows (in any order); empty when they are the same dataset."""
    found: list[str] = []
    tables = sorted(p.name for p in left.iterdir() if p.is_dir())
    if tables != sorted(p.name for p in right.iterdir() if p.is_dir()):
        return [f"tables differ: {tables} != {sorted(p.name for p in right.iterdir())}"]
    for name in tables:
        a, b = pq.read_table(left / name), pq.read_table(right / name)
        if a.schema != b.schema:
            found.append(f"{name}: schema\n{a.schema}\n!=\n{b.schema}")
        elif not _sorted(a).equals(_sorted(b)):
            found.append(f"{name}: {a.num_rows} rows != {b.num_rows} rows or values differ")
    counts = [json.loads((d / MANIFEST).read_text())["rows"] for d in (left, right)]
    if counts[0] != counts[1]:
        found.append(f"manifest rows: {counts[0]} != {counts[1]}")
    return found
