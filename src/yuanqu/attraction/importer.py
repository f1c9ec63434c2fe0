"""Importing leads from xlsx or CSV as task forces keep them (招商线索台账): all rows or none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from yuanqu.attraction import service
from yuanqu.attraction.models import LEAD_SOURCES, LEAD_STAGE_NAMES, LeadStage
from yuanqu.core.errors import YuanquError
from yuanqu.core.tabular import (
    CellError,
    Column,
    ErrorList,
    ImportRejected,
    RowContext,
    RowError,
    map_headers,
    parse_amount_fen,
    parse_date_cell,
    parse_text,
    read_table,
)
from yuanqu.projects.permissions import Actor

COLUMNS = (
    Column("task_force", ("专班", "产业专班"), required=True),
    Column("prospect_name", ("意向企业", "企业名称", "prospect"), required=True),
    Column("uscc", ("统一社会信用代码", "信用代码")),
    Column("source", ("线索来源", "来源"), required=True),
    Column("industry_code", ("行业代码", "industry")),
    Column("chain_gap", ("补链环节", "产业链环节", "chain")),
    Column(
        "expected_investment",
        ("预计投资(元)",),
        unit_aliases={"预计投资(万元)": 10_000, "预计投资": 10_000, "预计投资(亿元)": 100_000_000},
    ),
    Column("stage", ("阶段", "线索阶段", "状态")),
    Column("contacted_on", ("首次接触日期", "接触日期"), required=True),
    Column("negotiating_on", ("洽谈日期",)),
    Column("intent_on", ("意向日期",)),
    Column("signed_on", ("签约日期",)),
    Column("lost_on", ("流失日期",)),
    Column("lost_reason", ("流失原因",)),
    Column("next_action", ("下一步工作", "下步措施")),
    Column("next_action_on", ("下一步日期", "计划日期")),
    Column("owner", ("跟进人", "负责人")),
)

_SOURCE_ALIASES = {zh: key for key, (zh, _en) in LEAD_SOURCES.items()}
_STAGE_ALIASES = {zh: key for key, (zh, _en) in LEAD_STAGE_NAMES.items()}


def _lookup(aliases: dict[str, str], known: dict[str, Any], what: tuple[str, str]):
    def parse(value: Any) -> str:
        text = str(value).strip()
        key = text if text in known else aliases.get(text)
        if key is None:
            names = "、".join(zh for zh, _ in known.values())
            raise CellError(
                f"未知的{what[0]} '{text}'（可用：{names}）", f"unknown {what[1]} '{text}'"
            )
        return key

    return parse


@dataclass
class LeadImportResult:
    rows: int
    created: int
    signed: int


def import_leads(
    session: Session,
    *,
    actor: Actor,
    source: Path | str | bytes,
    filename: str | None = None,
    today: date | None = None,
) -> LeadImportResult:
    """Create every lead of the file at its stage (a signed one becomes a project), or none."""
    today = today or date.today()
    table = read_table(source, filename=filename)
    columns = map_headers(table.header, COLUMNS)
    errors = ErrorList()
    parsed: list[tuple[int, dict[str, Any]]] = []
    for offset, values in enumerate(table.rows):
        number = offset + 2
        ctx = RowContext(number, values, columns, errors)
        before = len(errors)

        def text(field: str, n: int, required: bool = False, ctx: RowContext = ctx) -> str | None:
            return ctx.cell(field, parse_text, required=required, max_length=n) or None

        def day(field: str, required: bool = False, ctx: RowContext = ctx) -> date | None:
            return ctx.cell(field, parse_date_cell, required=required, latest=today)

        row = {
            "task_force": text("task_force", 40, True),
            "prospect_name": text("prospect_name", 200, True),
            "uscc": text("uscc", 18),
            "source": ctx.cell(
                "source", _lookup(_SOURCE_ALIASES, LEAD_SOURCES, ("来源", "source")), required=True
            ),
            "industry_code": text("industry_code", 10),
            "chain_gap": text("chain_gap", 80),
            "expected_investment_fen": ctx.cell("expected_investment", parse_amount_fen) or 0,
            "contacted_on": day("contacted_on", True),
            "next_action": text("next_action", 300),
            "next_action_on": ctx.cell("next_action_on", parse_date_cell),
            "owner": text("owner", 100),
        }
        stage = ctx.cell("stage", _lookup(_STAGE_ALIASES, LEAD_STAGE_NAMES, ("阶段", "stage")))
        moves = {
            "stage": stage or LeadStage.contacted,
            "negotiating_on": day("negotiating_on"),
            "intent_on": day("intent_on"),
            "signed_on": day("signed_on"),
            "lost_on": day("lost_on"),
            "lost_reason": text("lost_reason", 500),
        }
        if len(errors) == before:
            parsed.append((number, {**row, **moves}))
    signed = 0
    # Rows whose cells parsed still go through the service rules, so the report lists every bad
    # row at once; an outer savepoint undoes the good ones when any row is bad.
    outer = session.begin_nested()
    for number, row in parsed:
        try:
            with session.begin_nested():
                signed += _create(session, actor, row, today)
        except YuanquError as exc:
            errors.append(RowError(number, "", row["prospect_name"], exc.zh, exc.en))
    if errors:
        outer.rollback()
        raise ImportRejected(errors.sorted_by_row())
    outer.commit()
    return LeadImportResult(rows=len(parsed), created=len(parsed), signed=signed)


def _create(session: Session, actor: Actor, row: dict[str, Any], today: date) -> int:
    stage = row.pop("stage")
    moves = {k: row.pop(k) for k in ("negotiating_on", "intent_on", "signed_on", "lost_on")}
    reason = row.pop("lost_reason")
    lead = service.create_lead(session, actor=actor, **row)
    for step in ("negotiating", "intent"):
        on = moves[f"{step}_on"]
        if on is not None:
            service.move_lead(session, lead, actor=actor, to=step, on=on, today=today)
    if stage == LeadStage.signed:
        on = moves["signed_on"]
        if on is None:
            raise YuanquError("已签约的线索须填写签约日期", "a signed lead needs its signing date")
        service.sign_lead(session, lead, actor=actor, signed_on=on, today=today)
        return 1
    if stage == LeadStage.lost:
        on = moves["lost_on"] or today
        service.move_lead(session, lead, actor=actor, to="lost", on=on, reason=reason, today=today)
    elif stage != lead.stage and stage != LeadStage.contacted:
        service.move_lead(session, lead, actor=actor, to=stage, on=row["contacted_on"], today=today)
    return 0
