"""Importing claims: every row checked against its policy, its dates and its amounts.

A claim is keyed by (insurer, policy number, claim number) and must belong to an imported
policy; a key already imported is an error unless ``replace=True``, which replaces it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select, tuple_
from sqlalchemy.orm import Session

from yuanqu.core.tabular import (
    ErrorList,
    ImportRejected,
    RowContext,
    RowError,
    Table,
    map_headers,
    parse_amount_fen,
    parse_text,
)
from yuanqu.insurance.cells import CHUNK, CLAIM_COLUMNS, parse_claim_status, parse_code, parse_date
from yuanqu.insurance.extend import bump_with_rows
from yuanqu.insurance.models import ClaimStatus, InsuranceClaim
from yuanqu.insurance.policy_import import policy_ids


def validate_claims(session: Session, table: Table) -> list[dict[str, Any]]:
    """Every claim row checked against its policy and its own dates and amounts."""
    columns = map_headers(table.header, CLAIM_COLUMNS)
    errors = ErrorList()
    parsed: list[tuple[RowContext, dict[str, Any]]] = []
    for number, values in enumerate(table.rows, start=2):
        ctx = RowContext(number, values, columns, errors)
        before = len(errors)
        row = {
            "insurer": ctx.cell("insurer", parse_text, required=True, max_length=100),
            "policy_no": ctx.cell("policy_no", parse_code, required=True),
            "claim_no": ctx.cell("claim_no", parse_code, required=True),
            "reported_on": ctx.cell("reported_on", parse_date, required=True),
            "assessed_on": ctx.cell("assessed_on", parse_date),
            "closed_on": ctx.cell("closed_on", parse_date),
            "status": ctx.cell("status", parse_claim_status, required=True),
            "claimed_fen": ctx.cell("claimed", parse_amount_fen),
            "assessed_fen": ctx.cell("assessed", parse_amount_fen),
            "paid_fen": ctx.cell("paid", parse_amount_fen),
        }
        if len(errors) == before:
            _check_claim(ctx, row)
        if len(errors) == before:
            parsed.append((ctx, row))
    policies = policy_ids(session, sorted({(r["insurer"], r["policy_no"]) for _c, r in parsed}))
    first: dict[tuple[str, str, str], int] = {}
    rows: list[dict[str, Any]] = []
    for ctx, row in parsed:
        policy_id = policies.get((row["insurer"], row["policy_no"]))
        if policy_id is None:
            ctx.fail(
                "policy_no",
                row["policy_no"],
                f"{row['insurer']} 没有已导入的保单 {row['policy_no']}（请先导入保单）",
                f"{row['insurer']} has no imported policy {row['policy_no']} (import it first)",
            )
            continue
        key = (row["insurer"], row["policy_no"], row["claim_no"])
        if key in first:
            ctx.fail(
                "claim_no",
                row["claim_no"],
                f"与第 {first[key]} 行的赔案重复",
                f"repeats the claim on row {first[key]}",
            )
            continue
        first[key] = ctx.number
        del row["insurer"], row["policy_no"]
        rows.append({**row, "policy_id": policy_id, "_row": ctx.number})
    if errors:
        raise ImportRejected(errors.sorted_by_row())
    return rows


def _check_claim(ctx: RowContext, row: dict[str, Any]) -> None:
    """A claim's dates follow each other and its amounts fit its status."""
    reported, assessed, closed = row["reported_on"], row["assessed_on"], row["closed_on"]
    status = row["status"]
    if assessed is not None and assessed < reported:
        ctx.fail(
            "assessed_on",
            ctx.raw("assessed_on"),
            "定损日期早于报案日期",
            "assessed before it was reported",
        )
    if closed is not None and closed < (assessed or reported):
        ctx.fail(
            "closed_on",
            ctx.raw("closed_on"),
            "结案日期早于报案或定损日期",
            "closed before it was reported or assessed",
        )
    if status in (ClaimStatus.settled, ClaimStatus.declined) and closed is None:
        ctx.fail(
            "closed_on",
            None,
            "已结案或拒赔的案件须填写结案日期",
            "a settled or declined claim needs its closing date",
        )
    if status in (ClaimStatus.reported, ClaimStatus.assessed) and closed is not None:
        ctx.fail(
            "closed_on",
            ctx.raw("closed_on"),
            "未结案的案件不应有结案日期",
            "an open claim has no closing date",
        )
    if status == ClaimStatus.assessed and assessed is None:
        ctx.fail(
            "assessed_on",
            None,
            "已定损的案件须填写定损日期",
            "an assessed claim needs its assessment date",
        )
    if status == ClaimStatus.settled and not row["paid_fen"]:
        ctx.fail(
            "paid",
            ctx.raw("paid"),
            "已结案赔付的案件须填写赔付金额（大于零）",
            "a settled claim needs a paid amount above zero",
        )
    if status != ClaimStatus.settled and row["paid_fen"]:
        ctx.fail(
            "paid",
            ctx.raw("paid"),
            "只有已结案赔付的案件才有赔付金额",
            "only a settled claim has a paid amount",
        )


def write_claims(
    session: Session, rows: Sequence[dict[str, Any]], *, replace: bool = False
) -> tuple[int, int]:
    """Insert validated claims; an existing (policy, claim number) only with ``replace``."""
    keys = [(r["policy_id"], r["claim_no"]) for r in rows]
    present: set[tuple[int, str]] = set()
    columns = tuple_(InsuranceClaim.policy_id, InsuranceClaim.claim_no)
    for start in range(0, len(keys), CHUNK):
        stmt = select(InsuranceClaim.policy_id, InsuranceClaim.claim_no).where(
            columns.in_(keys[start : start + CHUNK])
        )
        present.update(session.execute(stmt).all())
    if present and not replace:
        raise ImportRejected(
            [
                RowError(
                    r["_row"],
                    "claim_no",
                    r["claim_no"],
                    "该赔案已导入（如需替换请使用 --replace）",
                    "this claim was imported already (use --replace)",
                )
                for r in rows
                if (r["policy_id"], r["claim_no"]) in present
            ]
        )
    stale = sorted(present)
    for start in range(0, len(stale), CHUNK):
        session.execute(delete(InsuranceClaim).where(columns.in_(stale[start : start + CHUNK])))
    clean = [{k: v for k, v in r.items() if k != "_row"} for r in rows]
    for start in range(0, len(clean), 20_000):
        session.execute(insert(InsuranceClaim), clean[start : start + 20_000])
    bump_with_rows(session, claims=clean, appends_only=not present)
    return len(rows) - len(present), len(present)
