"""Importing insurers' files (xlsx or CSV): policies, then claims. All rows or none.

Every row is validated before anything is written and every bad cell is named (row, column,
value, reason), as in every yuanqu import. A policy is keyed by (insurer, policy number) and a
claim by (insurer, policy number, claim number); a key already imported is an error unless
``replace=True``, which replaces exactly the rows the file carries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, tuple_
from sqlalchemy.orm import Session

from yuanqu.core.codes import normalize_uscc
from yuanqu.core.db import bump_data_version
from yuanqu.core.tabular import (
    CellError,
    Column,
    ImportRejected,
    RowContext,
    RowError,
    Table,
    map_headers,
    parse_amount_fen,
    parse_date_cell,
    parse_text,
    read_table,
)
from yuanqu.insurance.models import (
    CLAIM_STATUS_NAMES,
    DATASET,
    POLICY_STATUS_NAMES,
    PRODUCT_NAMES,
    ClaimStatus,
    InsuranceClaim,
    InsurancePolicy,
)
from yuanqu.registry.models import Enterprise

_CHUNK = 500
EARLIEST = date(1990, 1, 1)
LATEST = date(2100, 12, 31)


class ImportKind(StrEnum):
    policies = "policies"
    claims = "claims"


POLICY_COLUMNS = (
    Column("insurer", ("保险公司", "承保公司", "保险机构"), required=True),
    Column("policy_no", ("保单号", "保险单号"), required=True),
    Column("product", ("险种", "产品", "保险产品"), required=True),
    Column("uscc", ("统一社会信用代码", "信用代码", "投保人信用代码"), required=True),
    Column(
        "sum_insured",
        ("保险金额", "保额", "保险金额(元)"),
        required=True,
        unit_aliases={"保险金额(万元)": 10_000, "保额(万元)": 10_000},
    ),
    Column(
        "premium",
        ("保费", "保险费", "保费(元)"),
        required=True,
        unit_aliases={"保费(万元)": 10_000},
    ),
    Column("start_date", ("保险起期", "起保日期", "生效日期"), required=True),
    Column("end_date", ("保险止期", "终保日期", "到期日期"), required=True),
    Column("status", ("保单状态", "状态")),
)
CLAIM_COLUMNS = (
    Column("insurer", ("保险公司", "承保公司", "保险机构"), required=True),
    Column("policy_no", ("保单号", "保险单号"), required=True),
    Column("claim_no", ("赔案号", "报案号", "案件号"), required=True),
    Column("reported_on", ("报案日期",), required=True),
    Column("assessed_on", ("定损日期",)),
    Column("closed_on", ("结案日期", "赔付日期", "拒赔日期")),
    Column("status", ("案件状态", "状态"), required=True),
    Column("claimed", ("报损金额", "索赔金额"), unit_aliases={"报损金额(万元)": 10_000}),
    Column("assessed", ("定损金额",), unit_aliases={"定损金额(万元)": 10_000}),
    Column("paid", ("赔付金额", "赔款"), unit_aliases={"赔付金额(万元)": 10_000}),
)


@dataclass(frozen=True)
class InsuranceImportResult:
    kind: str
    rows: int
    created: int
    replaced: int
    source: str = ""


def _choice(names: dict[str, tuple[str, str]], what_zh: str, what_en: str):
    lookup = {k: k for k in names}
    for key, (zh, en) in names.items():
        lookup[zh] = key
        lookup[en.lower()] = key

    def parse(value: Any) -> str:
        text = str(value).strip()
        found = lookup.get(text) or lookup.get(text.lower())
        if found is None:
            known = "、".join(names)
            raise CellError(
                f"未知的{what_zh} '{text[:40]}'（可用：{known}，或其中文名）",
                f"unknown {what_en} '{text[:40]}' (known: {', '.join(names)}, or the Chinese name)",
            )
        return found

    return parse


parse_product = _choice(PRODUCT_NAMES, "险种", "product")
parse_policy_status = _choice(POLICY_STATUS_NAMES, "保单状态", "policy status")
parse_claim_status = _choice(CLAIM_STATUS_NAMES, "案件状态", "claim status")


def _parse_uscc(value: Any) -> str:
    code = normalize_uscc(str(value))
    if len(code) != 18:
        raise CellError("信用代码应为18位", "a credit code has 18 characters")
    return code


def _date(value: Any) -> date:
    return parse_date_cell(value, earliest=EARLIEST, latest=LATEST)


def _text(value: Any) -> str:
    return parse_text(value, max_length=60)


# --- policies ------------------------------------------------------------------------------------


def validate_policies(session: Session, table: Table) -> list[dict[str, Any]]:
    """Every policy row checked; ImportRejected naming every bad cell, or rows ready to insert."""
    columns = map_headers(table.header, POLICY_COLUMNS)
    errors: list[RowError] = []
    parsed: list[tuple[RowContext, dict[str, Any]]] = []
    for number, values in enumerate(table.rows, start=2):
        ctx = RowContext(number, values, columns, errors)
        before = len(errors)
        row = {
            "insurer": ctx.cell("insurer", parse_text, required=True, max_length=100),
            "policy_no": ctx.cell("policy_no", _text, required=True),
            "product": ctx.cell("product", parse_product, required=True),
            "uscc": ctx.cell("uscc", _parse_uscc, required=True),
            "sum_insured_fen": ctx.cell("sum_insured", parse_amount_fen, required=True),
            "premium_fen": ctx.cell("premium", parse_amount_fen, required=True),
            "start_date": ctx.cell("start_date", _date, required=True),
            "end_date": ctx.cell("end_date", _date, required=True),
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
    ids = _enterprise_ids(session, sorted({row["uscc"] for _c, row in parsed}))
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
        raise ImportRejected(sorted(errors, key=lambda e: e.row))
    return rows


def _enterprise_ids(session: Session, usccs: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(usccs), _CHUNK):
        stmt = select(Enterprise.uscc, Enterprise.id).where(
            Enterprise.uscc.in_(usccs[start : start + _CHUNK])
        )
        found.update(session.execute(stmt).all())
    return found


def _policy_ids(session: Session, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The ids of the policies already imported under these (insurer, policy number) keys."""
    found: dict[tuple[str, str], int] = {}
    columns = tuple_(InsurancePolicy.insurer, InsurancePolicy.policy_no)
    for start in range(0, len(keys), _CHUNK):
        stmt = select(InsurancePolicy.insurer, InsurancePolicy.policy_no, InsurancePolicy.id).where(
            columns.in_(keys[start : start + _CHUNK])
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
    present = _policy_ids(session, [(r["insurer"], r["policy_no"]) for r in rows])
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
    bump_data_version(session, DATASET)
    return len(fresh), len(present)


# --- claims --------------------------------------------------------------------------------------


def validate_claims(session: Session, table: Table) -> list[dict[str, Any]]:
    """Every claim row checked against its policy and its own dates and amounts."""
    columns = map_headers(table.header, CLAIM_COLUMNS)
    errors: list[RowError] = []
    parsed: list[tuple[RowContext, dict[str, Any]]] = []
    for number, values in enumerate(table.rows, start=2):
        ctx = RowContext(number, values, columns, errors)
        before = len(errors)
        row = {
            "insurer": ctx.cell("insurer", parse_text, required=True, max_length=100),
            "policy_no": ctx.cell("policy_no", _text, required=True),
            "claim_no": ctx.cell("claim_no", _text, required=True),
            "reported_on": ctx.cell("reported_on", _date, required=True),
            "assessed_on": ctx.cell("assessed_on", _date),
            "closed_on": ctx.cell("closed_on", _date),
            "status": ctx.cell("status", parse_claim_status, required=True),
            "claimed_fen": ctx.cell("claimed", parse_amount_fen),
            "assessed_fen": ctx.cell("assessed", parse_amount_fen),
            "paid_fen": ctx.cell("paid", parse_amount_fen),
        }
        if len(errors) == before:
            _check_claim(ctx, row)
        if len(errors) == before:
            parsed.append((ctx, row))
    policies = _policy_ids(session, sorted({(r["insurer"], r["policy_no"]) for _c, r in parsed}))
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
        raise ImportRejected(sorted(errors, key=lambda e: e.row))
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
    for start in range(0, len(keys), _CHUNK):
        stmt = select(InsuranceClaim.policy_id, InsuranceClaim.claim_no).where(
            columns.in_(keys[start : start + _CHUNK])
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
    for start in range(0, len(stale), _CHUNK):
        session.execute(delete(InsuranceClaim).where(columns.in_(stale[start : start + _CHUNK])))
    clean = [{k: v for k, v in r.items() if k != "_row"} for r in rows]
    for start in range(0, len(clean), 20_000):
        session.execute(insert(InsuranceClaim), clean[start : start + 20_000])
    bump_data_version(session, DATASET)
    return len(rows) - len(present), len(present)


def import_insurance(
    session: Session,
    *,
    source: Path | str | bytes,
    kind: ImportKind = ImportKind.policies,
    filename: str | None = None,
    replace: bool = False,
) -> InsuranceImportResult:
    """Read, validate and write an insurer's file; any bad row rejects the whole file."""
    table = read_table(source, filename=filename)
    if kind == ImportKind.policies:
        rows = validate_policies(session, table)
        created, replaced = write_policies(session, rows, replace=replace)
    else:
        rows = validate_claims(session, table)
        created, replaced = write_claims(session, rows, replace=replace)
    return InsuranceImportResult(kind.value, len(rows), created, replaced, table.source)
