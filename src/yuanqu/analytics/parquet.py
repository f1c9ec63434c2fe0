"""The Parquet dataset the Spark engine reads: its layout and its check (the export that writes it
is the root module :mod:`yuanqu.zone_export`, since it reads every domain).

Layout of ``DIR`` (one directory per table, Hive-style partitions, ``manifest.json`` at the top)::

    manifest.json                      format version, export time, row counts, data versions
    firms/                             the registry: one row per firm (with established and
                                       registered_capital_fen, which the policies read)
    labels/                            labels held, with validity (valid_from, valid_to; '' open)
    task_forces/                       code, names, is_leading
    monthly_reports/year=YYYY/month=M/ one row per firm-month: enterprise_id, period, measures
    price_indices/                     division, period, price_index (same month last year = 100)
    reference_totals/                  region totals the bulletin compares with
    enterprise_labels/                 the labels table as stored (valid_from, valid_to: dates;
                                       NULL stays NULL)
    chain_firms/  chain_placements/    the firms as the chains read them, and where they sit
    policy_facts/year=YYYY/            annual firm facts: enterprise_id, uscc, year, fact, value

The statistics tables are the rows of the statistics table specs' own source SQL
(:data:`yuanqu.stats.frames.TABLES`), so each spec's shaping SQL runs unchanged over its Parquet
table on Spark as it runs over Arrow on DuckDB. Amounts are integer fen (int64), never floats.
The schema is the same whichever database the zone runs on: every integer column int64, dates
as dates.
"""

from __future__ import annotations

import json
from pathlib import Path

from yuanqu.core.errors import ValidationError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"

#: Engine table name -> directory of the layout (the names the documentation uses).
DIRECTORIES = {
    "reports": "monthly_reports",
    "prices": "price_indices",
    "reference": "reference_totals",
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
