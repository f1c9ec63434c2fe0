"""Payouts: money paid by policy, industry and firm; the payment batch export for finance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuanqu.core.auth import Principal
from yuanqu.core.errors import NotFound, ValidationError
from yuanqu.core.money import Money
from yuanqu.grants.models import GrantCase, Payment, PaymentBatch
from yuanqu.grants.privacy import account_for
from yuanqu.policies.service import shipped_policies

# A payment's states as the finance bureau reads them.
PAYMENT_STATUS_NAMES = {"scheduled": "待支付", "paid": "已支付"}

GROUPS = {
    "policy": (GrantCase.policy_id,),
    "industry": (GrantCase.industry_section,),
    "task_force": (GrantCase.task_force,),
    "firm": (GrantCase.uscc, GrantCase.firm_name),
}
#: 100 million yuan (1 亿元) in fen: the threshold of the zone's headline figure.
YI_FEN = 10**8 * 100


def payouts(
    session: Session,
    *,
    year: int,
    by: str = "policy",
    include_scheduled: bool = False,
    over_fen: int | None = None,
    limit: int = 500,
    offset: int = 0,
    lang: str = "zh",
) -> dict[str, Any]:
    """Money paid for award year ``year`` grouped ``by`` policy, industry, task force or firm
    (a policy named by its title in ``lang``). ``rows`` is one page (``limit`` groups from
    ``offset``); ``groups`` and ``total_fen`` are over every group, never the page's sum."""
    if by not in GROUPS:
        raise ValidationError(
            f"未知分组 {by}（可用 {', '.join(GROUPS)}）",
            f"unknown grouping {by} ({', '.join(GROUPS)})",
            details={"field": "by", "value": by},
        )
    statuses = ("paid", "scheduled") if include_scheduled else ("paid",)
    columns = GROUPS[by]
    total = func.sum(Payment.amount_fen)
    query = (
        select(*columns, func.count(func.distinct(GrantCase.uscc)), func.count(Payment.id), total)
        .join(GrantCase, GrantCase.id == Payment.case_id)
        .where(Payment.year == year, Payment.status.in_(statuses))
        .group_by(*columns)
    )
    if over_fen is not None:
        query = query.having(total > over_fen)
    grouped = query.subquery()
    amount_column = list(grouped.columns)[-1]
    groups, total_fen = session.execute(
        select(func.count(), func.coalesce(func.sum(amount_column), 0)).select_from(grouped)
    ).one()
    titles = {p.id: p.title(lang) for p in shipped_policies()} if by == "policy" else {}
    rows = []
    page = query.order_by(total.desc(), *columns).limit(max(1, limit)).offset(max(0, offset))
    for row in session.execute(page):
        *keys, firms, payments, amount = row
        rows.append(
            {
                "group": keys[0],
                "name": keys[1] if len(keys) > 1 else titles.get(keys[0]),
                "firms": int(firms),
                "payments": int(payments),
                "amount_fen": int(amount),
            }
        )
    over_100m = firms_over(session, year=year, threshold_fen=YI_FEN, statuses=statuses)
    zh, en = headline(year, over_100m)
    return {
        "year": year,
        "by": by,
        "rows": rows,
        "offset": max(0, offset),
        "groups": int(groups),
        "total_fen": int(total_fen),
        "firms_over_100m": over_100m,
        "headline": {"zh": zh, "en": en},
    }


def latest_paid_year(session: Session) -> int | None:
    """The last award year anything was paid for (the year a report opens on)."""
    return session.scalar(select(func.max(Payment.year)).where(Payment.status == "paid"))


def headline(year: int, firms: int) -> tuple[str, str]:
    """The zone's headline sentence (zh, en) for ``firms`` paid more than 100 million yuan."""
    return (
        f"{year}年共{firms}家企业获得兑现资金超过1亿元",
        f"{firms} firm{'' if firms == 1 else 's'} received more than 100 million yuan in {year}",
    )


def firms_over(
    session: Session, *, year: int, threshold_fen: int, statuses: tuple[str, ...] = ("paid",)
) -> int:
    """How many firms received more than ``threshold_fen`` for award year ``year``."""
    per_firm = (
        select(GrantCase.uscc)
        .join(Payment, Payment.case_id == GrantCase.id)
        .where(Payment.year == year, Payment.status.in_(statuses))
        .group_by(GrantCase.uscc)
        .having(func.sum(Payment.amount_fen) > threshold_fen)
        .subquery()
    )
    return session.scalar(select(func.count()).select_from(per_firm)) or 0


def batch_rows(session: Session, batch_id: int) -> list[dict[str, Any]]:
    if session.get(PaymentBatch, batch_id) is None:
        raise NotFound(f"没有付款批次 {batch_id}", f"no payment batch {batch_id}")
    rows = session.execute(
        select(Payment, GrantCase)
        .join(GrantCase, GrantCase.id == Payment.case_id)
        .where(Payment.batch_id == batch_id)
        .order_by(Payment.id)
    )
    return [
        {
            "payment": p.id,
            "case": c.id,
            "policy": c.policy_id,
            "year": c.year,
            "uscc": c.uscc,
            "firm": c.firm_name,
            "bank_name": c.bank_name,
            "bank_account": p.bank_account,
            "amount_fen": p.amount_fen,
            "status": p.status,
            "idempotency_key": p.idempotency_key,
        }
        for p, c in rows
    ]


def export_batch(
    session: Session, *, batch_id: int, path: Path | str, principal: Principal
) -> Path:
    """The batch as the finance bureau's xlsx: one row per payment, amounts in yuan (exact);
    the accounts in full only for the roles that pay (masked to their last four otherwise)."""
    path = Path(path)
    batch = session.get(PaymentBatch, batch_id)
    if batch is None:
        raise NotFound(f"没有付款批次 {batch_id}", f"no payment batch {batch_id}")
    rows = batch_rows(session, batch_id)
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("付款批次")
    money = workbook.add_format({"num_format": "#,##0.00"})
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2"})
    text = workbook.add_format({"num_format": "@"})
    titles = {p.id: p.title("zh") for p in shipped_policies()}
    head = [
        "序号",
        "付款编号",
        "案件编号",
        "政策",
        "年度",
        "统一社会信用代码",
        "企业名称",
        "开户银行",
        "银行账号",
        "金额（元）",
        "状态",
    ]
    sheet.write_row(0, 0, head, bold)
    for i, r in enumerate(rows, start=1):
        sheet.write_row(
            i,
            0,
            [
                i,
                r["payment"],
                r["case"],
                titles.get(r["policy"], r["policy"]),
                r["year"],
                r["uscc"],
                r["firm"],
                r["bank_name"] or "",
            ],
        )
        # A 19-digit account number as a number would lose its last digits: text.
        sheet.write_string(i, 8, account_for(principal, r["bank_account"]), text)
        # xlsx numbers are doubles: exact to the fen for any amount below 2^53 fen.
        sheet.write_number(i, 9, float(Money(r["amount_fen"]).yuan), money)
        sheet.write_string(i, 10, PAYMENT_STATUS_NAMES.get(r["status"], r["status"]))
    total_row = len(rows) + 1
    for col, width in enumerate((6, 10, 10, 24, 6, 22, 30, 30, 24, 16, 10)):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(rows), len(head) - 1)
    sheet.write(total_row, 0, "合计")
    sheet.write_number(total_row, 9, float(Money(sum(r["amount_fen"] for r in rows)).yuan), money)
    sheet.write(total_row + 1, 0, f"批次 {batch.key}")
    workbook.close()
    return path
