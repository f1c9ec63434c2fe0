"""Exporting firms to xlsx, CSV or Parquet in the canonical import layout (so exports re-import)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.orm import Session

from yuanqu.core.errors import ValidationError
from yuanqu.core.tabular import csv_row
from yuanqu.registry.models import Enterprise, EnterpriseLabel
from yuanqu.registry.schemas import EnterpriseFilter
from yuanqu.registry.service import iter_enterprises

ExportFormat = Literal["xlsx", "csv", "parquet"]
EXPORT_COLUMNS = (
    "uscc",
    "name",
    "industry_code",
    "established",
    "registered_capital",
    "employees",
    "labels",
    "address",
    "sub_area",
    "task_force",
    "business_scope",
)


def format_label(label: EnterpriseLabel) -> str:
    """The label in the import syntax: ``name{k=v,...}@from..to``."""
    attrs = [
        f"{k}={v}"
        for k in ("certificate", "exchange", "ticker")
        if (v := getattr(label, k)) is not None
    ]
    text = label.label + ("{" + ",".join(attrs) + "}" if attrs else "")
    if label.valid_from or label.valid_to:
        start = label.valid_from.isoformat() if label.valid_from else ""
        end = label.valid_to.isoformat() if label.valid_to else ""
        text += f"@{start}..{end}"
    return text


def export_row(firm: Enterprise) -> dict[str, Any]:
    capital = (
        Decimal(firm.registered_capital_fen) / 100
        if firm.registered_capital_fen is not None
        else None
    )
    return {
        "uscc": firm.uscc,
        "name": firm.name,
        "industry_code": firm.industry_section + firm.industry_code,
        "established": firm.established,
        "registered_capital": capital,
        "employees": firm.employees,
        "labels": ";".join(format_label(lab) for lab in firm.labels),
        "address": firm.address,
        "sub_area": firm.sub_area,
        "task_force": firm.task_force,
        "business_scope": firm.business_scope,
    }


def export_enterprises(
    session: Session,
    *,
    filters: EnterpriseFilter,
    path: Path | str,
    fmt: ExportFormat | None = None,
    on_row: Callable[[int], None] | None = None,
) -> int:
    """Write every matching firm to ``path``; returns the number of rows written."""
    path = Path(path)
    fmt = fmt or _format_of(path)
    rows = (export_row(f) for f in iter_enterprises(session, filters=filters))
    if on_row:
        rows = _counting(rows, on_row)
    writer = {"csv": _write_csv, "xlsx": _write_xlsx, "parquet": _write_parquet}[fmt]
    return writer(rows, path)


def _format_of(path: Path) -> ExportFormat:
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in ("xlsx", "csv", "parquet"):
        raise ValidationError(
            f"无法从文件名 {path.name} 判断导出格式（xlsx/csv/parquet）",
            f"cannot tell the export format from {path.name} (xlsx/csv/parquet)",
        )
    return suffix  # type: ignore[return-value]


def _counting(rows: Iterable[dict[str, Any]], on_row: Callable[[int], None]) -> Iterator[dict]:
    for n, row in enumerate(rows, start=1):
        on_row(n)
        yield row


def _write_csv(rows: Iterable[dict[str, Any]], path: Path) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(csv_row(row))
            count += 1
    return count


def _write_xlsx(rows: Iterable[dict[str, Any]], path: Path) -> int:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("企业库")
    head = workbook.add_format({"bold": True, "bg_color": "#F2F2F2"})
    text = workbook.add_format({"num_format": "@"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    money = workbook.add_format({"num_format": "#,##0.00"})
    sheet.write_row(0, 0, EXPORT_COLUMNS, head)
    count = 0
    for count, row in enumerate(rows, start=1):
        for col, key in enumerate(EXPORT_COLUMNS):
            value = row[key]
            if value is None:
                continue
            if key == "established":
                sheet.write_datetime(count, col, value, day)
            elif key == "registered_capital":
                # xlsx stores binary floats; a capital beyond 2^53 fen would lose fen: keep it text.
                if abs(value) < 10**13:
                    sheet.write_number(count, col, float(value), money)
                else:
                    sheet.write_string(count, col, str(value), text)
            elif key == "employees":
                sheet.write_number(count, col, value)
            else:
                sheet.write_string(count, col, str(value), text)
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 36)
    workbook.close()
    return count


def _write_parquet(rows: Iterable[dict[str, Any]], path: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            ("uscc", pa.string()),
            ("name", pa.string()),
            ("industry_code", pa.string()),
            ("established", pa.date32()),
            ("registered_capital", pa.decimal128(20, 2)),
            ("employees", pa.int64()),
            ("labels", pa.string()),
            ("address", pa.string()),
            ("sub_area", pa.string()),
            ("task_force", pa.string()),
            ("business_scope", pa.string()),
        ]
    )
    count = 0
    with pq.ParquetWriter(str(path), schema) as writer:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == 20_000:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                count += len(batch)
                batch = []
        if batch or count == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            count += len(batch)
    return count
