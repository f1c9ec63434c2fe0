"""The external target list (招商目标): firms outside the zone, each on its segments.

An import replaces the whole list, all or nothing: every row is checked (a known chain and segment
when given, a valid credit code, not a firm of the zone, no repeats) and rows that name no segment
are placed by the chains' own rules; a row that lands on no segment is an error too, since a target
without a segment tells a task force nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from yuanqu.chains.definitions import get_chain, shipped_chains
from yuanqu.chains.models import TargetFirm, TargetSegment
from yuanqu.chains.placement import FIRM_SCHEMA, place
from yuanqu.chains.schemas import TargetImportResult, TargetRead
from yuanqu.core.db import bump_data_version
from yuanqu.core.errors import NotFound
from yuanqu.core.tabular import (
    Column,
    ErrorList,
    ImportRejected,
    RowContext,
    RowError,
    map_headers,
    parse_industry_cell,
    parse_text,
    read_table,
)
from yuanqu.registry.firms import ids_for_codes, parse_code_cell

COLUMNS = (
    Column("name", ("企业名称", "名称", "enterprise_name"), required=True),
    Column("uscc", ("统一社会信用代码", "信用代码", "credit_code")),
    Column("industry_code", ("行业代码", "国民经济行业代码", "industry")),
    Column("business_scope", ("经营范围", "scope")),
    Column("region", ("所在地区", "地区", "所在地")),
    Column("chain", ("产业链",)),
    Column("segment", ("环节", "产业链环节")),
    Column("contact", ("联系方式", "联系人")),
    Column("note", ("备注", "notes")),
)


def _rows(session: Session, source: Path | str | bytes, filename: str | None) -> list[dict]:
    table = read_table(source, filename=filename)
    columns = map_headers(table.header, COLUMNS)
    errors = ErrorList()
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for offset, values in enumerate(table.rows):
        number = offset + 2
        ctx = RowContext(number, values, columns, errors)
        row: dict[str, Any] = {"row": number}
        row["name"] = ctx.cell("name", parse_text, required=True, max_length=200)
        row["uscc"] = ctx.cell("uscc", parse_code_cell)
        industry = ctx.cell("industry_code", parse_industry_cell)
        row["industry_code"], row["industry_section"] = industry or (None, None)
        for fld, length in (("business_scope", 4000), ("region", 100), ("contact", 200)):
            row[fld] = ctx.cell(fld, parse_text, max_length=length) or None
        row["note"] = ctx.cell("note", parse_text, max_length=2000) or None
        chain = ctx.cell("chain", parse_text, max_length=40) or None
        segment = ctx.cell("segment", parse_text, max_length=40) or None
        row["listed"] = None
        if chain or segment:
            try:
                definition = get_chain(chain or "")
                definition.segment(segment or "")
                row["listed"] = (definition.key, segment)
            except (NotFound, KeyError):
                ctx.fail(
                    "segment",
                    f"{chain}.{segment}",
                    f"未知的产业链环节 '{chain}.{segment}'",
                    f"unknown chain segment '{chain}.{segment}'",
                )
        if row["uscc"]:
            if row["uscc"] in seen:
                ctx.fail(
                    "uscc",
                    row["uscc"],
                    f"与第 {seen[row['uscc']]} 行重复",
                    f"repeats row {seen[row['uscc']]}",
                )
            seen.setdefault(row["uscc"], number)
        rows.append(row)
    inside = ids_for_codes(session, [r["uscc"] for r in rows if r["uscc"]])
    for row in rows:
        if row["uscc"] in inside:
            errors.append(
                RowError(
                    row["row"],
                    "uscc",
                    row["uscc"],
                    "该企业已在园区企业库中，不是外部目标",
                    "this firm is already in the zone's registry, not an outside target",
                )
            )
    if errors:
        raise ImportRejected(errors)
    return rows


def _placed(rows: list[dict]) -> dict[int, list[tuple[str, str, str]]]:
    """Row index -> (chain, segment, why) for every row, vectorised over all rows at once."""
    found: dict[int, list[tuple[str, str, str]]] = {i: [] for i in range(len(rows))}
    for i, row in enumerate(rows):
        if row["listed"]:
            found[i].append((*row["listed"], "listed"))
    table = pa.table(
        {
            "id": list(range(len(rows))),
            "name": [r["name"] for r in rows],
            "industry_code": [r["industry_code"] or "" for r in rows],
            "industry_section": [r["industry_section"] or "" for r in rows],
            "business_scope": [r["business_scope"] for r in rows],
        },
        schema=FIRM_SCHEMA,
    )
    unlisted = table.filter(pa.array([not r["listed"] for r in rows]))
    for hit in place(unlisted, shipped_chains()).to_pylist():
        found[hit["enterprise_id"]].append((hit["chain"], hit["segment"], hit["matched"]))
    return found


def import_targets(
    session: Session, source: Path | str | bytes, *, filename: str | None = None
) -> TargetImportResult:
    """Replace the target list with the file's firms and their segments; all rows or none."""
    rows = _rows(session, source, filename)
    placed = _placed(rows)
    errors = [
        RowError(
            row["row"],
            "segment",
            row["name"],
            "未落到任何产业链环节：请填写“产业链”和“环节”两列",
            "lands on no chain segment: fill in the chain and segment columns",
        )
        for i, row in enumerate(rows)
        if not placed[i]
    ]
    if errors:
        raise ImportRejected(errors)
    name = filename or (source if isinstance(source, str) else getattr(source, "name", "upload"))
    session.execute(delete(TargetSegment))
    session.execute(delete(TargetFirm))
    segments = 0
    for i, row in enumerate(rows):
        target = TargetFirm(
            name=row["name"],
            uscc=row["uscc"],
            industry_code=row["industry_code"],
            industry_section=row["industry_section"],
            business_scope=row["business_scope"],
            region=row["region"],
            contact=row["contact"],
            note=row["note"],
            source=str(name)[:200],
        )
        session.add(target)
        session.flush()  # the target's id is needed for its segments
        links = {(c, s): why for c, s, why in placed[i]}
        session.execute(
            insert(TargetSegment),
            [
                {"target_id": target.id, "chain_key": c, "segment_key": s, "matched": why[:200]}
                for (c, s), why in links.items()
            ],
        )
        segments += len(links)
    bump_data_version(session, "chains")
    return TargetImportResult(rows=len(rows), placed=len(rows), segments=segments)


def targets_for_segment(
    session: Session, *, chain: str, segment: str, limit: int = 10
) -> list[TargetRead]:
    """Candidate targets for a segment, in list order."""
    stmt = (
        select(TargetFirm, TargetSegment.matched)
        .join(TargetSegment, TargetSegment.target_id == TargetFirm.id)
        .where(TargetSegment.chain_key == chain, TargetSegment.segment_key == segment)
        .order_by(TargetFirm.id)
        .limit(limit)
    )
    return [
        TargetRead(
            name=t.name,
            uscc=t.uscc,
            region=t.region,
            industry_code=t.industry_code,
            contact=t.contact,
            matched=matched,
        )
        for t, matched in session.execute(stmt).all()
    ]
