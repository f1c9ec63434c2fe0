"""The Parquet dataset the Spark engine reads: its layout, the export that writes it, the check.

Layout of ``DIR`` (one directory per table, Hive-style partitions, ``manifest.json`` at the top)::

    manifest.json                      format version, export time, row counts, data versions
    firms/                             the registry: one row per firm (with established and
                                       registered_capital_fen, which the policies read)
    labels/                            labels held, with validity (valid_from, valid_to; '' open)
    task_forces/                       code, names, is_leading
    monthly_reports/year=YYYY/month=M/ one row per firm-month: enterprise_id, period, measures
    price_indices/                     division, period, price_index (same month last year = 100)
    reference_totals/                  region totals the bulletin compares with
    enterprise_labels/                 the labels table as stored (NULL dates stay NULL)
    chain_firms/  chain_placements/    the firms as the chains read them, and where they sit
    policy_facts/year=YYYY/            annual firm facts: enterprise_id, uscc, year, fact, value

The statistics tables are the rows of the statistics table specs' own source SQL
(:data:`yuanqu.stats.frames.TABLES`), so each spec's shaping SQL runs unchanged over its Parquet
table on Spark as it runs over Arrow on DuckDB. Amounts are integer fen (int64), never floats.
"""

from __future__ import annotations

import json
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from yuanqu.analytics.engine import read_arrow
from yuanqu.core.errors import ValidationError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"

#: Engine table name -> directory of the layout (the names the documentation uses).
DIRECTORIES = {
    "reports": "monthly_reports",
    "prices": "price_indices",
    "reference": "reference_totals",
}

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


def dataset_path(root: Path, name: str) -> Path:
    """The directory holding the engine table ``name`` in the layout."""
    return root / DIRECTORIES.get(name, name)


def check_dataset(root: Path) -> Path:
    """``root`` if it holds a dataset of this format, else a clear error naming what is wrong."""
    manifest = root / MANIFEST
    if not manifest.is_file():
        raise ValidationError(
            f"{root} 不是导出的 Parquet 数据集（缺少 {MANIFEST}；先运行 yuanqu export parquet）",
            f"{root} is not an exported Parquet dataset (no {MANIFEST}; run "
            "`yuanqu export parquet` first)",
            code="dataset_invalid",
            details={"source": str(root), "field": MANIFEST},
        )
    found = json.loads(manifest.read_text()).get("format_version")
    if found != FORMAT_VERSION:
        raise ValidationError(
            f"{root} 的格式版本 {found} 不受支持（应为 {FORMAT_VERSION}）",
            f"{root} has format version {found}, expected {FORMAT_VERSION}",
            code="dataset_invalid",
            details={"source": str(root), "field": "format_version", "found": found},
        )
    return root


def _period_parts(table: pa.Table) -> pa.Table:
    """Add the partition columns (year, month) of a table with a ``period`` 'YYYY-MM'."""
    period = table.column("period").cast(pa.string())
    import pyarrow.compute as pc

    year = pc.cast(pc.utf8_slice_codeunits(period, 0, 4), pa.int32())
    month = pc.cast(pc.utf8_slice_codeunits(period, 5, 7), pa.int32())
    return table.append_column("year", year).append_column("month", month)


def _with_policy_columns(firms: pa.Table, extra: pa.Table) -> pa.Table:
    """``firms`` with ``established`` (date) and ``registered_capital_fen`` (int64) by id."""
    import pyarrow.compute as pc

    text = extra.column("established").cast(pa.string())
    established = pc.cast(pc.if_else(pc.equal(text, ""), None, text), pa.date32())
    capital = extra.column("registered_capital_fen")
    if capital.type != pa.int64():  # all NULL on SQLite: typed by ADBC as it pleases
        capital = capital.cast(pa.int64())
    index = pc.index_in(firms.column("id"), value_set=extra.column("id"))
    return firms.append_column("established", pc.take(established, index)).append_column(
        "registered_capital_fen", pc.take(capital, index)
    )


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
    from yuanqu.chains.service import compute_placements
    from yuanqu.stats.frames import TABLES, database_url, versions

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
