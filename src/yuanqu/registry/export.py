"""Exporting firms: a report for people (xlsx or CSV) by default, or the canonical import
layout (xlsx, CSV or Parquet), which re-imports as it is."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from yuanqu.core.errors import ValidationError
from yuanqu.core.industry import industry_catalog
from yuanqu.core.report_xlsx import ColumnKind, ReportColumn, ReportSheet, write_report
from yuanqu.core.tabular import csv_row
from yuanqu.registry.firms import LABEL_NAMES, Enterprise, EnterpriseLabel
from yuanqu.registry.schemas import EnterpriseFilter
from yuanqu.registry.service import apply_filter, list_task_forces

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
    """One ORM firm (its labels loaded) in the import layout."""
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


ExportLayout = Literal["report", "canonical"]


def export_enterprises(
    session: Session,
    *,
    filters: EnterpriseFilter,
    path: Path | str,
    fmt: ExportFormat | None = None,
    layout: ExportLayout = "report",
    lang: str = "zh",
    on_row: Callable[[int], None] | None = None,
) -> int:
    """Write every matching firm to ``path``; returns the number of rows written.

    The default layout is a report for people (headers in ``lang`` with units, names beside
    codes, labels held on the filter's date, capital in 万元); ``canonical`` is the import layout,
    which re-imports as it is. Parquet is for machines: always canonical.
    """
    path = Path(path)
    fmt = fmt or _format_of(path)
    if layout == "report" and fmt != "parquet":
        return _write_report(session, filters, path, fmt, lang, on_row)
    rows: Iterable[dict[str, Any]] = (
        _canonical_row(firm, labels) for firm, labels in _firms(session, filters)
    )
    if on_row:
        rows = _counting(rows, on_row)
    if fmt == "xlsx":
        return _write_canonical_xlsx(rows, path)
    writer = {"csv": _write_csv, "parquet": _write_parquet}[fmt]
    return writer(rows, path)


_FIRM_COLUMNS = (
    Enterprise.id,
    Enterprise.uscc,
    Enterprise.name,
    Enterprise.industry_section,
    Enterprise.industry_code,
    Enterprise.established,
    Enterprise.registered_capital_fen,
    Enterprise.employees,
    Enterprise.address,
    Enterprise.sub_area,
    Enterprise.task_force,
    Enterprise.business_scope,
)
_LABEL_COLUMNS = (
    EnterpriseLabel.enterprise_id,
    EnterpriseLabel.label,
    EnterpriseLabel.valid_from,
    EnterpriseLabel.valid_to,
    EnterpriseLabel.certificate,
    EnterpriseLabel.exchange,
    EnterpriseLabel.ticker,
)


def _firms(
    session: Session, filters: EnterpriseFilter, batch: int = 20_000
) -> Iterator[tuple[Row, list[Row]]]:
    """Every matching firm as a plain row with its label rows, in batches of ``batch`` firms.

    Plain rows rather than ORM objects: building 90,000 entities with their labels took most of
    the time of a full export.
    """
    connection = session.connection()  # Core rows: no ORM loading step per row
    last_id = 0
    while True:
        stmt = (
            apply_filter(select(*_FIRM_COLUMNS), filters)
            .where(Enterprise.id > last_id)
            .order_by(Enterprise.id)
            .limit(batch)
        )
        firms = connection.execute(stmt).all()
        if not firms:
            return
        labels: dict[int, list[Row]] = {}
        held = (
            select(*_LABEL_COLUMNS)
            .where(EnterpriseLabel.enterprise_id.between(firms[0].id, firms[-1].id))
            .order_by(EnterpriseLabel.enterprise_id, EnterpriseLabel.label)
        )
        for label in connection.execute(held):
            labels.setdefault(label.enterprise_id, []).append(label)
        for firm in firms:
            yield firm, labels.get(firm.id, [])
        last_id = firms[-1].id


def _canonical_row(firm: Row, labels: list[Row]) -> dict[str, Any]:
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
        "labels": ";".join(format_label(lab) for lab in labels),
        "address": firm.address,
        "sub_area": firm.sub_area,
        "task_force": firm.task_force,
        "business_scope": firm.business_scope,
    }


def report_columns(lang: str, as_of: date) -> list[ReportColumn]:
    """The directory report's columns: what a person reads, with units."""
    en = lang == "en"
    return [
        ReportColumn("Unified social credit code" if en else "统一社会信用代码", "text", 22),
        ReportColumn("Name" if en else "企业名称", "text", 36),
        ReportColumn("Industry (GB/T 4754)" if en else "所属行业（国民经济行业分类）", "text", 34),
        ReportColumn("Industry section" if en else "行业门类", "text", 22),
        ReportColumn("Established" if en else "成立日期", "date", 12),
        ReportColumn("Registered capital (CNY 10k)" if en else "注册资本（万元）", "amount", 16),
        ReportColumn("Employees (persons)" if en else "从业人员（人）", "int", 14),
        ReportColumn(
            f"Labels held on {as_of.isoformat()}" if en else f"标签（截至 {as_of.isoformat()}）",
            "text",
            40,
        ),
        ReportColumn("Sub-area" if en else "片区", "text", 12),
        ReportColumn("Task force" if en else "产业专班", "text", 26),
        ReportColumn("Address" if en else "地址", "text", 40),
        ReportColumn("Business scope" if en else "经营范围", "text", 60),
    ]


def report_rows(
    session: Session, filters: EnterpriseFilter, lang: str, as_of: date
) -> Iterator[tuple[Any, ...]]:
    """One tuple per firm in the order of :func:`report_columns`."""
    catalog = industry_catalog()
    en = lang == "en"
    forces = {tf.code: tf.name(lang) for tf in list_task_forces(session)}
    industries: dict[str, str] = {}
    sections: dict[str, str] = {}
    label_names = {k: v[1 if en else 0] for k, v in LABEL_NAMES.items()}
    separator = "; " if en else "、"
    for firm, labels in _firms(session, filters):
        code = firm.industry_code
        if code not in industries:
            found = catalog.find(code)
            industries[code] = f"{code} {found.label(lang)}" if found else code
        section = firm.industry_section
        if section not in sections:
            found = catalog.find(section)
            sections[section] = f"{section} {found.label(lang)}" if found else section
        held = separator.join(
            label_names.get(lab.label, lab.label)
            for lab in labels
            if (lab.valid_from is None or lab.valid_from <= as_of)
            and (lab.valid_to is None or lab.valid_to >= as_of)
        )
        capital = firm.registered_capital_fen
        yield (
            firm.uscc,
            firm.name,
            industries[code],
            sections[section],
            firm.established,
            None if capital is None else Decimal(capital) / 1_000_000,  # fen -> 万元
            firm.employees,
            held,
            firm.sub_area,
            forces.get(firm.task_force, firm.task_force) if firm.task_force else None,
            firm.address,
            firm.business_scope,
        )


def _write_report(
    session: Session,
    filters: EnterpriseFilter,
    path: Path,
    fmt: ExportFormat,
    lang: str,
    on_row: Callable[[int], None] | None,
) -> int:
    as_of = filters.as_of or date.today()
    columns = report_columns(lang, as_of)
    rows: Iterable[tuple[Any, ...]] = report_rows(session, filters, lang, as_of)
    if on_row:
        rows = _counting(rows, on_row)
    if fmt == "csv":
        count = 0
        # With a byte-order mark Excel opens the UTF-8 file with its Chinese intact.
        with path.open("w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow([c.header for c in columns])
            for row in rows:
                writer.writerow(["" if v is None else v for v in row])
                count += 1
        return count
    sheet_name = "Enterprises" if lang == "en" else "企业名录"
    return write_report(path, [ReportSheet(sheet_name, columns, rows)])[0]


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


_CANONICAL_KINDS: dict[str, ColumnKind] = {
    "established": "date",
    "registered_capital": "amount",
    "employees": "int",
}


def _write_canonical_xlsx(rows: Iterable[dict[str, Any]], path: Path) -> int:
    """The import layout: machine headers, capital in yuan, labels in the import syntax."""
    columns = [
        ReportColumn(key, _CANONICAL_KINDS.get(key, "text"), 36 if key == "name" else 18)
        for key in EXPORT_COLUMNS
    ]
    values = (tuple(row[key] for key in EXPORT_COLUMNS) for row in rows)
    return write_report(path, [ReportSheet("企业库", columns, values)])[0]


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
