"""Annual firm facts: the all-or-nothing importer and the writer the demo uses.

The canonical file has the columns ``uscc, year, fact, value``: one row per firm, year and fact;
``value`` is in yuan for amounts (exact to the fen) and a whole number for counts. Any bad row
rejects the whole file, every bad row named; an existing (firm, year, fact) is replaced only with
``replace=True``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, tuple_
from sqlalchemy.orm import Session

from yuanqu.core.db import bump_data_version
from yuanqu.core.tabular import (
    CellError,
    Column,
    ErrorList,
    ImportRejected,
    RowContext,
    RowError,
    map_headers,
    parse_amount_fen,
    parse_int,
    read_table,
)
from yuanqu.core.uscc import normalize_uscc
from yuanqu.policies.language.variables import FACT_NAMES
from yuanqu.policies.models import PolicyFact
from yuanqu.registry.firms import Enterprise

DATASET = "policy_facts"
COLUMNS = (
    Column("uscc", ("统一社会信用代码", "信用代码"), required=True),
    Column("year", ("年度", "年份"), required=True),
    Column("fact", ("指标", "事项"), required=True),
    Column("value", ("数值", "值"), required=True),
)


@dataclass(frozen=True)
class FactsImportResult:
    rows: int
    created: int
    replaced: int
    years: list[int]


def _fact_name(value: Any) -> str:
    name = str(value).strip()
    if name not in FACT_NAMES:
        known = ", ".join(FACT_NAMES)
        raise CellError(
            f"未知的指标 {name[:40]}（可用：{known}）", f"unknown fact {name[:40]} ({known})"
        )
    return name


def _year(value: Any) -> int:
    year = parse_int(value, minimum=1900)
    if year > 2200:
        raise CellError("年度不合理", "implausible year")
    return year


def validate_facts(session: Session, source: Path | str | bytes, *, filename: str | None = None):
    table = read_table(source, filename=filename)
    columns = map_headers(table.header, COLUMNS)
    errors = ErrorList()
    parsed: list[tuple[int, str, int, str, Any, RowContext]] = []
    for number, values in enumerate(table.rows, start=2):
        ctx = RowContext(number, values, columns, errors)
        uscc = ctx.cell("uscc", lambda v: normalize_uscc(str(v)), required=True)
        year = ctx.cell("year", _year, required=True)
        fact = ctx.cell("fact", _fact_name, required=True)
        raw = ctx.raw("value")
        if uscc and year and fact:
            parsed.append((number, uscc, year, fact, raw, ctx))
    ids = (
        dict(
            session.execute(
                select(Enterprise.uscc, Enterprise.id).where(
                    Enterprise.uscc.in_({p[1] for p in parsed})
                )
            ).all()
        )
        if parsed
        else {}
    )
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[int, int, str], int] = {}
    for number, uscc, year, fact, _raw, ctx in parsed:
        unit = FACT_NAMES[fact].unit
        value = ctx.cell("value", parse_amount_fen if unit == "fen" else parse_int, required=True)
        firm = ids.get(uscc)
        if firm is None:
            ctx.fail("uscc", uscc, "企业库中没有这家企业", "no such firm in the registry")
            continue
        key = (firm, year, fact)
        if key in seen:
            ctx.fail("fact", fact, f"与第 {seen[key]} 行重复", f"repeats row {seen[key]}")
            continue
        seen[key] = number
        if value is not None:
            rows.append({"enterprise_id": firm, "year": year, "fact": fact, "value": value})
    if errors:
        raise ImportRejected(errors)
    return rows


def write_facts(
    session: Session, rows: list[dict[str, Any]], *, replace: bool = False
) -> tuple[int, int]:
    """Insert facts (replacing existing ones only if ``replace``); returns (created, replaced)."""
    keys = [(r["enterprise_id"], r["year"], r["fact"]) for r in rows]
    wanted = set(keys)
    present: set[tuple[int, int, str]] = set()
    # One query per year and fact (a handful), not one per key: the demo writes ~40,000 facts.
    for year, fact in sorted({(k[1], k[2]) for k in wanted}):
        present.update(
            (int(firm), year, fact)
            for (firm,) in session.execute(
                select(PolicyFact.enterprise_id).where(
                    PolicyFact.year == year, PolicyFact.fact == fact
                )
            )
            if (int(firm), year, fact) in wanted
        )
    key_cols = tuple_(PolicyFact.enterprise_id, PolicyFact.year, PolicyFact.fact)
    if present and not replace:
        first = sorted(present)[0]
        raise ImportRejected(
            [
                RowError(
                    0,
                    "fact",
                    f"{first[1]} {first[2]}",
                    f"已有 {len(present)} 条相同企业、年度和指标的数据（覆盖请加 --replace）",
                    f"{len(present)} fact(s) already exist for the same firm, year and fact "
                    "(use --replace to overwrite)",
                )
            ]
        )
    doomed = sorted(present)
    for start in range(0, len(doomed), 500):
        session.execute(delete(PolicyFact).where(key_cols.in_(doomed[start : start + 500])))
    for start in range(0, len(rows), 5000):
        session.execute(insert(PolicyFact), rows[start : start + 5000])
    bump_data_version(session, DATASET)
    return len(rows) - len(present), len(present)


def import_facts(
    session: Session,
    *,
    source: Path | str | bytes,
    filename: str | None = None,
    replace: bool = False,
) -> FactsImportResult:
    """Read, validate and write a facts file; any bad row rejects the whole file."""
    rows = validate_facts(session, source, filename=filename)
    created, replaced = write_facts(session, rows, replace=replace)
    return FactsImportResult(len(rows), created, replaced, sorted({r["year"] for r in rows}))
