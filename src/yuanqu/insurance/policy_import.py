"""Importing policies: every row checked, then written in bulk, or nothing at all.

A policy is keyed by (insurer, policy number); a key already imported is an error unless
``replace=True``, which updates that policy in place (its claims stay attached).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, tuple_
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
from yuanqu.insurance.cells import (
    CHUNK,
    POLICY_COLUMNS,
    parse_code,
    parse_date,
    parse_policy_status,
    parse_product,
)
from yuanqu.insurance.extend import bump_with_rows
from yuanqu.insurance.models import InsurancePolicy
from yuanqu.registry.firms import ids_for_codes, parse_code_cell


def validate_policies(session: Session, table: Table) -> list[dict[str, Any]]:
    """Every policy row checked; ImportRejected naming every bad cell, or rows ready to insert."""
    columns = map_headers(table.header, POLICY_COLUMNS)
    errors = ErrorList()
    parsed: list[tuple[RowContext, dict[str, Any]]] = []
    for number, values in enumerate(table.rows, start=2):
        ctx = RowContext(number, values, columns, errors)
        before = len(errors)
        row = {
            "insurer": ctx.cell("insurer", parse_text, required=True, max_length=100),
            "policy_no": ctx.cell("policy_no", parse_code, required=True),
            "product": ctx.cell("product", parse_product, required=True),
            "uscc": ctx.cell("uscc", parse_code_cell, required=True),
            "sum_insured_fen": ctx.cell("sum_insured", parse_amount_fen, required=True),
            "premium_fen": ctx.cell("premium", parse_amount_fen, required=True),
            "start_date": ctx.cell("start_date", parse_date, required=True),
            "end_date": ctx.cell("end_date", parse_date, required=True),
            "status": ctx.cell("status", parse_policy_status) or "in_force",
        }
        if row["sum_insured_fen"] == 0:
            ctx.fail("sum_insured", ctx.raw("sum_insured"), "保险金额应大于零", "must be positive")
        if row["start_date"] and row["end_date"] and row["end_date"] < row["start_date"]:
            ctx.fail(
                "end_date",
                ctx.raw("end_date"),
                f"保险止期早于起期 {row['start_date']}",
                f"ends before it starts ({row['start_date']})",
            )
        if (
            row["premium_fen"] is not None
            and row["sum_insured_fen"]
            and row["premium_fen"] > row["sum_insured_fen"]
        ):
            ctx.fail(
                "premium",
                ctx.raw("premium"),
                "保费不能高于保险金额",
                "the premium cannot exceed the sum insured",
            )
        if len(errors) == before:
            parsed.append((ctx, row))
    ids = ids_for_codes(session, sorted({row["uscc"] for _c, row in parsed}))
    first: dict[tuple[str, str], int] = {}
    rows: list[dict[str, Any]] = []
    for ctx, row in parsed:
        uscc = row.pop("uscc")
        if uscc not in ids:
            ctx.fail(
                "uscc",
                uscc,
                "企业库中没有该信用代码的企业（请先导入企业库）",
                "no firm with this credit code in the registry (import it first)",
            )
            continue
        key = (row["insurer"], row["policy_no"])
        if key in first:
            ctx.fail(
                "policy_no",
                row["policy_no"],
                f"与第 {first[key]} 行的保单重复",
                f"repeats the policy on row {first[key]}",
            )
            continue
        first[key] = ctx.number
        rows.append({**row, "enterprise_id": ids[uscc], "_row": ctx.number})
    if errors:
        raise ImportRejected(errors.sorted_by_row())
    return rows


def policy_ids(session: Session, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The ids of the policies already imported under these (insurer, policy number) keys."""
    found: dict[tuple[str, str], int] = {}
    columns = tuple_(InsurancePolicy.insurer, InsurancePolicy.policy_no)
    for start in range(0, len(keys), CHUNK):
        stmt = select(InsurancePolicy.insurer, InsurancePolicy.policy_no, InsurancePolicy.id).where(
            columns.in_(keys[start : start + CHUNK])
        )
        found.update(((insurer, no), id_) for insurer, no, id_ in session.execute(stmt))
    return found


def write_policies(
    session: Session, rows: Sequence[dict[str, Any]], *, replace: bool = False
) -> tuple[int, int]:
    """Insert validated policies; an existing (insurer, policy number) is refused unless
    ``replace``, which updates it in place (its claims stay attached).

    Returns (created, replaced).
    """
    present = policy_ids(session, [(r["insurer"], r["policy_no"]) for r in rows])
    if present and not replace:
        raise ImportRejected(
            [
                RowError(
                    r["_row"],
                    "policy_no",
                    r["policy_no"],
                    "该保单已导入（如需替换请使用 --replace）",
                    "this policy was imported already (use --replace)",
                )
                for r in rows
                if (r["insurer"], r["policy_no"]) in present
            ]
        )
    fresh = [
        {k: v for k, v in r.items() if k != "_row"}
        for r in rows
        if (r["insurer"], r["policy_no"]) not in present
    ]
    for r in rows:
        key = (r["insurer"], r["policy_no"])
        if key in present:
            values = {k: v for k, v in r.items() if k not in ("_row", "insurer", "policy_no")}
            policy = session.get(InsurancePolicy, present[key])
            assert policy is not None
            for name, value in values.items():
                setattr(policy, name, value)
    for start in range(0, len(fresh), 20_000):
        session.execute(insert(InsurancePolicy), fresh[start : start + 20_000])
    bump_with_rows(session, policies=fresh, appends_only=not present)
    return len(fresh), len(present)
