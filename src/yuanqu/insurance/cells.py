"""The insurers' files, column by column: the headers we accept and how each cell is read.

Shared by the policy and the claim import (:mod:`yuanqu.insurance.policy_import`,
:mod:`yuanqu.insurance.claim_import`); a bad cell raises ``CellError`` with its reason in
Chinese and English, which the row context files under the row and column.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from yuanqu.core.tabular import CellError, Column, parse_date_cell, parse_text
from yuanqu.insurance.models import CLAIM_STATUS_NAMES, POLICY_STATUS_NAMES, PRODUCT_NAMES

#: Rows are looked up in the database this many keys at a time (bound-parameter limits).
CHUNK = 500
EARLIEST = date(1990, 1, 1)
LATEST = date(2100, 12, 31)

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


def _choice(names: dict[str, tuple[str, str]], what_zh: str, what_en: str) -> Callable[[Any], str]:
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


def parse_date(value: Any) -> date:
    """A date cell in the years a policy or a claim can plausibly carry."""
    return parse_date_cell(value, earliest=EARLIEST, latest=LATEST)


def parse_code(value: Any) -> str:
    """A policy or claim number."""
    return parse_text(value, max_length=60)
