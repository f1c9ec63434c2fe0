"""Builders for insurance test data: insurers' files as CSV bytes, in their own column names."""

from __future__ import annotations

import csv
import io
from typing import Any

POLICY_HEADER = (
    "保险公司",
    "保单号",
    "险种",
    "统一社会信用代码",
    "保险金额",
    "保费",
    "保险起期",
    "保险止期",
    "保单状态",
)
CLAIM_HEADER = (
    "保险公司",
    "保单号",
    "赔案号",
    "报案日期",
    "定损日期",
    "结案日期",
    "案件状态",
    "报损金额",
    "定损金额",
    "赔付金额",
)


def policy_row(uscc: str, no: str, **overrides: Any) -> dict[str, Any]:
    row = {
        "保险公司": "太平科技保险股份有限公司",
        "保单号": no,
        "险种": "研发费用损失险",
        "统一社会信用代码": uscc,
        "保险金额": "1000000",
        "保费": "10000.50",
        "保险起期": "2023-03-01",
        "保险止期": "2024-02-29",
        "保单状态": "有效",
    }
    row.update(overrides)
    return row


def claim_row(no: str, claim: str, **overrides: Any) -> dict[str, Any]:
    row = {
        "保险公司": "太平科技保险股份有限公司",
        "保单号": no,
        "赔案号": claim,
        "报案日期": "2023-06-01",
        "定损日期": "2023-06-11",
        "结案日期": "2023-07-01",
        "案件状态": "已结案赔付",
        "报损金额": "50000",
        "定损金额": "40000",
        "赔付金额": "40000",
    }
    row.update(overrides)
    return row


def to_csv(rows: list[dict[str, Any]], header: tuple[str, ...]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(header), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def policies_csv(rows: list[dict[str, Any]]) -> bytes:
    return to_csv(rows, POLICY_HEADER)


def claims_csv(rows: list[dict[str, Any]]) -> bytes:
    return to_csv(rows, CLAIM_HEADER)
