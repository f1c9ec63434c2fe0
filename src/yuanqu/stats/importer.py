"""Importing monthly reports, reference totals and price indices: all rows or none.

Like the registry import, every row is validated before anything is written and every bad cell
is named (row, column, value, reason). A firm-month already in the database is an error unless
``replace=True``, which replaces exactly the firm-months the file carries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, tuple_
from sqlalchemy.orm import Session

from yuanqu.core.db import bump_data_version
from yuanqu.core.errors import ValidationError
from yuanqu.core.industry import industry_catalog
from yuanqu.core.periods import Period
from yuanqu.core.tabular import (
    CellError,
    Column,
    ErrorList,
    ImportRejected,
    RowContext,
    RowError,
    Table,
    map_headers,
    parse_amount_fen,
    parse_int,
    parse_text,
    read_table,
)
from yuanqu.registry.firms import ids_for_codes, parse_code_cell
from yuanqu.stats.indicators import get_indicator
from yuanqu.stats.models import AMOUNT_FIELDS, MonthlyReport, PriceIndex, ReferenceTotal

Progress = Callable[[str, int, int], None]
STATS_DATASET = "stats"
_CHUNK = 2000


class ImportKind(StrEnum):
    reports = "reports"
    reference = "reference"
    prices = "prices"


REPORT_COLUMNS = (
    Column("uscc", ("统一社会信用代码", "信用代码"), required=True),
    Column("period", ("统计期", "报告期", "月份"), required=True),
    Column("gross_output", ("工业总产值", "工业总产值(元)")),
    Column("value_added", ("工业增加值", "工业增加值(元)")),
    Column("revenue", ("营业收入", "营业收入(元)")),
    Column("profit", ("利润总额", "利润", "利润总额(元)")),
    Column("tax", ("税金", "税金总额", "税金(元)")),
    Column("rd_expense", ("研发费用", "研发费用(元)")),
    Column("fixed_asset_investment", ("固定资产投资", "固定资产投资(元)")),
    Column("employees", ("从业人员", "从业人数")),
)
REFERENCE_COLUMNS = (
    Column("region", ("地区代码",), required=True),
    Column("region_name", ("地区", "地区名称")),
    Column("indicator", ("指标",), required=True),
    Column("period", ("统计期", "报告期"), required=True),
    Column("month", ("当月", "当月值")),
    Column("cumulative", ("累计", "累计值")),
    Column("source", ("来源", "数据来源")),
)
PRICE_COLUMNS = (
    Column("division", ("行业大类", "行业代码"), required=True),
    Column("period", ("统计期", "报告期"), required=True),
    Column("index", ("价格指数", "price_index"), required=True),
)


@dataclass
class StatsImportResult:
    kind: str
    rows: int
    created: int
    replaced: int
    periods: list[str]
    source: str = ""


def parse_period_cell(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = str(int(value))
    try:
        return str(Period.parse(value if not isinstance(value, int) else str(value)))
    except ValidationError as exc:
        raise CellError(exc.zh, exc.en) from None


def parse_index_cell(value: Any) -> float:
    try:
        number = float(str(value).strip())
    except ValueError:
        raise CellError(
            "价格指数应为数字（上年同月=100）", "must be a number (last year = 100)"
        ) from None
    if not 10 <= number <= 1000:
        raise CellError(
            "价格指数应在 10 到 1000 之间（上年同月=100）",
            "a price index lies between 10 and 1000 (same month last year = 100)",
        )
    return number


def parse_division_cell(value: Any) -> str:
    text = parse_text(value, max_length=4).upper().lstrip("ABCDEFGHIJKLMNOPQRST")
    item = industry_catalog().find(text)
    if item is None or item.level != 2:
        raise CellError(
            f"'{value}' 不是行业大类（两位数字）", f"'{value}' is not an industry division"
        )
    return item.code


def parse_indicator_cell(value: Any) -> str:
    try:
        return get_indicator(str(value).strip()).key
    except ValidationError as exc:
        raise CellError(exc.zh, exc.en) from None


# --- monthly reports -----------------------------------------------------------------------------


def validate_reports(session: Session, table: Table) -> list[dict[str, Any]]:
    """Every report row checked; ImportRejected naming every bad cell, or rows ready to insert."""
    columns = map_headers(table.header, REPORT_COLUMNS)
    errors = ErrorList()
    parsed: list[tuple[int, str, str, dict[str, Any]]] = []
    for offset, values in enumerate(table.rows):
        number = offset + 2
        ctx = RowContext(number, values, columns, errors)
        before = len(errors)
        uscc = ctx.cell("uscc", parse_code_cell, required=True)
        period = ctx.cell("period", parse_period_cell, required=True)
        amounts = {
            f"{name}_fen": ctx.cell(name, parse_amount_fen, allow_negative=(name == "profit"))
            for name in AMOUNT_FIELDS
        }
        employees = ctx.cell("employees", parse_int)
        output, added = amounts["gross_output_fen"], amounts["value_added_fen"]
        if output is not None and added is not None and added > output:
            ctx.fail(
                "value_added",
                ctx.raw("value_added"),
                "工业增加值不能大于工业总产值",
                "value added cannot exceed gross output",
            )
        if len(errors) == before:
            parsed.append((number, uscc, period, {**amounts, "employees": employees}))
    ids = ids_for_codes(session, sorted({u for _n, u, _p, _v in parsed}))
    first: dict[tuple[str, str], int] = {}
    rows: list[dict[str, Any]] = []
    for number, uscc, period, measures in parsed:
        if uscc not in ids:
            errors.append(
                RowError(
                    number,
                    columns["uscc"].header,
                    uscc,
                    "企业库中没有该信用代码的企业（请先导入企业库）",
                    "no firm with this credit code in the registry (import it first)",
                )
            )
            continue
        key = (uscc, period)
        if key in first:
            errors.append(
                RowError(
                    number,
                    columns["period"].header,
                    period,
                    f"该企业 {period} 的报表与第 {first[key]} 行重复",
                    f"duplicates this firm's {period} report on row {first[key]}",
                )
            )
            continue
        first[key] = number
        rows.append({"enterprise_id": ids[uscc], "period": period, "_row": number, **measures})
    if errors:
        raise ImportRejected(errors.sorted_by_row())
    return rows


def existing_firm_months(session: Session, keys: Sequence[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which (enterprise_id, period) pairs already have a report."""
    found: set[tuple[int, str]] = set()
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        stmt = select(MonthlyReport.enterprise_id, MonthlyReport.period).where(
            tuple_(MonthlyReport.enterprise_id, MonthlyReport.period).in_(chunk)
        )
        found.update((eid, period) for eid, period in session.execute(stmt))
    return found


def write_reports(
    session: Session,
    rows: Sequence[dict[str, Any]],
    *,
    replace: bool = False,
    progress: Progress | None = None,
) -> tuple[int, int]:
    """Insert validated report rows in bulk; returns (created, replaced)."""
    keys = [(r["enterprise_id"], r["period"]) for r in rows]
    present = existing_firm_months(session, keys)
    if present and not replace:
        raise ImportRejected(
            [
                RowError(
                    r.get("_row", 0),
                    "period",
                    r["period"],
                    "该企业该月的报表已存在（如需替换请使用 --replace）",
                    "this firm's report for this month exists already (use --replace)",
                )
                for r in rows
                if (r["enterprise_id"], r["period"]) in present
            ]
        )
    stale = sorted(present)
    for start in range(0, len(stale), _CHUNK):
        session.execute(
            delete(MonthlyReport).where(
                tuple_(MonthlyReport.enterprise_id, MonthlyReport.period).in_(
                    stale[start : start + _CHUNK]
                )
            )
        )
    clean = [{k: v for k, v in r.items() if k != "_row"} for r in rows]
    for start in range(0, len(clean), 20_000):
        session.execute(insert(MonthlyReport), clean[start : start + 20_000])
        if progress:
            progress("write", min(start + 20_000, len(clean)), len(clean))
    bump_data_version(session, STATS_DATASET)
    return len(rows) - len(present), len(present)


# --- reference totals and price indices ----------------------------------------------------------


def validate_reference(table: Table) -> list[dict[str, Any]]:
    columns = map_headers(table.header, REFERENCE_COLUMNS)
    errors = ErrorList()
    rows: list[dict[str, Any]] = []
    first: dict[tuple[str, str, str], int] = {}
    for offset, values in enumerate(table.rows):
        ctx = RowContext(offset + 2, values, columns, errors)
        before = len(errors)
        row = {
            "region": ctx.cell("region", parse_text, required=True, max_length=40),
            "region_name": ctx.cell("region_name", parse_text, max_length=100),
            "indicator": ctx.cell("indicator", parse_indicator_cell, required=True),
            "period": ctx.cell("period", parse_period_cell, required=True),
            "month_fen": ctx.cell("month", parse_amount_fen),
            "cumulative_fen": ctx.cell("cumulative", parse_amount_fen),
            "source": ctx.cell("source", parse_text, max_length=300),
        }
        if row["month_fen"] is None and row["cumulative_fen"] is None and len(errors) == before:
            ctx.fail("month", None, "当月值和累计值至少填一个", "give a month or cumulative value")
        key = (row["region"], row["indicator"], row["period"])
        if len(errors) == before:
            if key in first:
                ctx.fail(
                    "period",
                    row["period"],
                    f"与第 {first[key]} 行重复",
                    f"repeats row {first[key]}",
                )
            else:
                first[key] = offset + 2
                rows.append(row)
    if errors:
        raise ImportRejected(errors)
    return rows


def validate_prices(table: Table) -> list[dict[str, Any]]:
    columns = map_headers(table.header, PRICE_COLUMNS)
    errors = ErrorList()
    rows: list[dict[str, Any]] = []
    first: dict[tuple[str, str], int] = {}
    for offset, values in enumerate(table.rows):
        ctx = RowContext(offset + 2, values, columns, errors)
        before = len(errors)
        row = {
            "division": ctx.cell("division", parse_division_cell, required=True),
            "period": ctx.cell("period", parse_period_cell, required=True),
            "price_index": ctx.cell("index", parse_index_cell, required=True),
        }
        if len(errors) == before:
            key = (row["division"], row["period"])
            if key in first:
                ctx.fail(
                    "period",
                    row["period"],
                    f"与第 {first[key]} 行重复",
                    f"repeats row {first[key]}",
                )
            else:
                first[key] = offset + 2
                rows.append(row)
    if errors:
        raise ImportRejected(errors)
    return rows


def _write_keyed(
    session: Session, model: Any, rows: Sequence[dict[str, Any]], key: Sequence[str], replace: bool
) -> tuple[int, int]:
    """Insert rows of a small keyed table; an existing key is an error unless ``replace``."""
    columns = [getattr(model, name) for name in key]
    wanted = {tuple(r[name] for name in key) for r in rows}
    present = {tuple(k) for k in session.execute(select(*columns)) if tuple(k) in wanted}
    if present and not replace:
        raise ImportRejected(
            [
                RowError(
                    i + 2,
                    "period",
                    r["period"],
                    "该数据已存在（如需替换请使用 --replace）",
                    "this figure exists already (use --replace)",
                )
                for i, r in enumerate(rows)
                if tuple(r[name] for name in key) in present
            ]
        )
    for values in present:
        session.execute(
            delete(model).where(*(c == v for c, v in zip(columns, values, strict=True)))
        )
    session.execute(insert(model), list(rows))
    bump_data_version(session, STATS_DATASET)
    return len(rows) - len(present), len(present)


def import_stats(
    session: Session,
    *,
    source: Path | str | bytes,
    kind: ImportKind = ImportKind.reports,
    filename: str | None = None,
    replace: bool = False,
    progress: Progress | None = None,
) -> StatsImportResult:
    """Read, validate and write a statistics file; any bad row rejects the whole file."""
    table = read_table(source, filename=filename)
    if progress:
        progress("read", len(table), len(table))
    if kind == ImportKind.reports:
        rows = validate_reports(session, table)
        created, replaced = write_reports(session, rows, replace=replace, progress=progress)
    elif kind == ImportKind.reference:
        rows = validate_reference(table)
        created, replaced = _write_keyed(
            session, ReferenceTotal, rows, ("region", "indicator", "period"), replace
        )
    else:
        rows = validate_prices(table)
        created, replaced = _write_keyed(session, PriceIndex, rows, ("division", "period"), replace)
    periods = sorted({r["period"] for r in rows})
    return StatsImportResult(kind.value, len(rows), created, replaced, periods, table.source)
