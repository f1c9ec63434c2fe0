"""Importing agreements from xlsx or CSV: one row per commitment, the agreement's own columns
repeated on each of its rows. All rows or none; every bad cell named (row, column, value, reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuanqu.agreements import service
from yuanqu.agreements.indicators import INDICATORS, Kind, to_base
from yuanqu.agreements.models import AGREEMENT_KIND_NAMES, REMEDY_KIND_NAMES, Agreement
from yuanqu.core.auth import Principal
from yuanqu.core.tabular import (
    CellError,
    Column,
    ImportRejected,
    RowContext,
    RowError,
    map_headers,
    parse_amount_fen,
    parse_text,
    read_table,
)
from yuanqu.projects import service as projects_service
from yuanqu.registry import firms as registry_firms
from yuanqu.space import cells

COLUMNS = (
    Column("number", ("协议编号",), required=True),
    Column("kind", ("协议类型",), required=True),
    Column("title", ("协议名称",), required=True),
    Column("uscc", ("统一社会信用代码", "信用代码"), required=True),
    Column("project_code", ("项目编号",)),
    Column("signed_on", ("签订日期", "签约日期"), required=True),
    Column("commitment", ("承诺编号", "条款编号"), required=True),
    Column("indicator", ("考核指标", "指标"), required=True),
    Column("target", ("目标值", "承诺值"), required=True),
    Column("test_on", ("考核日期",), required=True),
    Column("period_year", ("考核年度",)),
    Column("remedy", ("违约责任",)),
    Column("remedy_text", ("违约责任说明",)),
    Column("remedy_amount", ("违约金额(元)",), unit_aliases={"违约金额(万元)": 10_000}),
    Column("remedy_policy", ("追回政策",)),
)
AGREEMENT_FIELDS = ("kind", "title", "uscc", "project_code", "signed_on")

parse_kind = cells.choice(AGREEMENT_KIND_NAMES, "协议类型", "agreement kind")
parse_remedy = cells.choice(REMEDY_KIND_NAMES, "违约责任", "remedy")


def parse_indicator(value: Any) -> str:
    text = str(value).strip()
    for key, ind in INDICATORS.items():
        if text in (key, ind.zh, ind.en):
            return key
    known = "、".join(i.zh for i in INDICATORS.values())
    raise CellError(
        f"未知的考核指标“{text[:40]}”（可选：{known}）", f"unknown indicator '{text[:40]}'"
    )


def parse_year(value: Any) -> int:
    year = cells.parse_count(value)
    if not 1990 <= year <= 2100:
        raise CellError("年度应在 1990 到 2100 之间", "the year must be between 1990 and 2100")
    return year


@dataclass(frozen=True)
class AgreementImportResult:
    rows: int
    agreements: int
    source: str = ""


def import_agreements(
    session: Session,
    *,
    source: Path | str | bytes,
    actor: Principal,
    filename: str | None = None,
) -> AgreementImportResult:
    """Read, validate and write agreements; any bad row rejects the whole file."""
    table = read_table(source, filename=filename)
    columns = map_headers(table.header, COLUMNS)
    errors: list[RowError] = []
    parsed: list[tuple[RowContext, dict[str, Any]]] = []
    for number, values in enumerate(table.rows, start=2):
        ctx = RowContext(number, values, columns, errors)
        before = len(errors)
        row = {
            "number": ctx.cell("number", cells.parse_code, required=True),
            "kind": ctx.cell("kind", parse_kind, required=True),
            "title": ctx.cell("title", parse_text, required=True, max_length=300),
            "uscc": ctx.cell("uscc", cells.parse_uscc, required=True),
            "project_code": ctx.cell("project_code", cells.parse_code),
            "signed_on": ctx.cell("signed_on", cells.parse_date, required=True),
            "commitment": ctx.cell("commitment", cells.parse_code, required=True),
            "indicator": ctx.cell("indicator", parse_indicator, required=True),
            "test_on": ctx.cell("test_on", cells.parse_date, required=True),
            "period_year": ctx.cell("period_year", parse_year),
            "remedy": ctx.cell("remedy", parse_remedy),
            "remedy_text": ctx.cell("remedy_text", parse_text, max_length=2000),
            "remedy_amount": ctx.cell("remedy_amount", parse_amount_fen),
            "remedy_policy": ctx.cell("remedy_policy", cells.parse_code),
            "target_value": None,
            "target_date": None,
        }
        if row["indicator"]:
            ind = INDICATORS[row["indicator"]]
            if ind.kind == Kind.date:
                row["target_date"] = ctx.cell("target", cells.parse_date, required=True)
            else:
                number_value = ctx.cell("target", cells.parse_decimal, required=True)
                if number_value is not None:
                    try:
                        if number_value < 0:
                            raise ValueError
                        row["target_value"] = to_base(ind, number_value)
                    except ValueError:
                        ctx.fail(
                            "target",
                            ctx.raw("target"),
                            f"目标值应为非负数，单位{ind.unit('zh')}，最多两位小数",
                            f"the target is a number >= 0 in {ind.unit('en')}, 2 decimals at most",
                        )
        if row["signed_on"] and row["test_on"] and row["test_on"] < row["signed_on"]:
            ctx.fail(
                "test_on", ctx.raw("test_on"), "考核日期早于签订日期", "tested before it was signed"
            )
        if len(errors) == before:
            parsed.append((ctx, row))
    firms = registry_firms.ids_for_codes(session, [r["uscc"] for _c, r in parsed])
    projects = projects_service.project_ids(
        session, [r["project_code"] for _c, r in parsed if r["project_code"]]
    )
    taken = set(
        session.scalars(
            select(Agreement.number).where(
                Agreement.number.in_(sorted({r["number"] for _c, r in parsed}))
            )
        )
    )
    groups: dict[str, list[tuple[RowContext, dict[str, Any]]]] = {}
    for ctx, row in parsed:
        if row["uscc"] not in firms:
            ctx.fail(
                "uscc",
                row["uscc"],
                "企业库中没有该信用代码的企业",
                "no firm with this credit code in the registry",
            )
        if row["project_code"] and row["project_code"] not in projects:
            ctx.fail(
                "project_code",
                row["project_code"],
                "没有该编号的重点项目",
                "no key project with this code",
            )
        if row["number"] in taken:
            ctx.fail(
                "number",
                row["number"],
                "该协议已登记（变更请用补充协议）",
                "this agreement is recorded already (amend it instead)",
            )
        group = groups.setdefault(row["number"], [])
        if group:
            first_ctx, first = group[0]
            if any(first[f] != row[f] for f in AGREEMENT_FIELDS):
                ctx.fail(
                    "number",
                    row["number"],
                    f"协议信息与第 {first_ctx.number} 行不一致",
                    f"the agreement's details differ from row {first_ctx.number}",
                )
            if any(r["commitment"] == row["commitment"] for _c, r in group):
                ctx.fail(
                    "commitment",
                    row["commitment"],
                    "同一协议的承诺编号重复",
                    "repeats a commitment of this agreement",
                )
        if row["remedy"] == "clawback" and not row["remedy_policy"]:
            ctx.fail(
                "remedy_policy",
                "",
                "追回奖补资金须写明追回政策",
                "a clawback names the policy it recovers",
            )
        group.append((ctx, row))
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.row))
    for number, group in groups.items():
        first = group[0][1]
        terms = [
            service.TermInput(
                r["commitment"],
                r["indicator"],
                r["test_on"],
                r["target_value"],
                r["target_date"],
                r["period_year"],
            )
            for _c, r in group
        ]
        remedies = {
            (r["remedy"], r["remedy_text"] or "", r["remedy_amount"], r["remedy_policy"])
            for _c, r in group
            if r["remedy"]
        }
        service.create_agreement(
            session,
            number=number,
            kind=first["kind"],
            title=first["title"],
            enterprise_id=firms[first["uscc"]],
            signed_on=first["signed_on"],
            terms=terms,
            actor=actor,
            project_id=projects.get(first["project_code"]) if first["project_code"] else None,
            remedies=[
                service.RemedyInput(k, t or "", a, p) for k, t, a, p in sorted(remedies, key=str)
            ],
        )
    return AgreementImportResult(len(parsed), len(groups), table.source)
