"""The desk's spreadsheets for people: the request list and the yearly report, with headers in
the reader's language and their units, names beside codes, a frozen header row, autofilter and
column widths."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

LIST_COLUMNS: tuple[tuple[str, str, str, int], ...] = (
    # key, Chinese header, English header, width
    ("ticket_no", "工单编号", "Ticket", 18),
    ("status_name", "状态", "State", 14),
    ("type_name", "诉求类型", "Type", 16),
    ("urgency_name", "紧急程度", "Urgency", 10),
    ("channel_name", "渠道", "Channel", 16),
    ("firm_name", "企业名称", "Firm", 30),
    ("uscc", "统一社会信用代码", "Credit code", 21),
    ("owner_unit_name", "承办单位", "Owning unit", 22),
    ("received_at", "受理时间（北京时间）", "Received (Beijing time)", 19),
    ("due_label", "办理期限", "Due", 18),
    ("closed_at", "办结时间（北京时间）", "Closed (Beijing time)", 19),
    ("overdue_word", "是否超期", "Late", 9),
    ("satisfaction_name", "满意度", "Satisfaction", 12),
    ("content", "诉求内容", "Request", 50),
)

REPORT_COLUMNS: tuple[tuple[str, str, str, int], ...] = (
    ("name", "名称", "Name", 26),
    ("tickets", "受理（件）", "Requests (count)", 12),
    ("closed", "办结（件）", "Closed (count)", 12),
    ("closed_pct", "办结率（%，占受理）", "Closed (% of requests)", 16),
    ("response_rate_pct", "响应率（%，按时签收占派单）", "Response (% signed in time)", 22),
    ("resolution_rate_pct", "解决率（%，占回访）", "Resolution (% of followed up)", 20),
    ("satisfaction_rate_pct", "满意率（%，占回访）", "Satisfaction (% of followed up)", 20),
    ("overdue", "超期（件）", "Overdue (count)", 12),
    ("median_hours", "办结用时中位数（小时）", "Median time to close (hours)", 20),
    ("p90_hours", "办结用时90分位（小时）", "P90 time to close (hours)", 20),
)


def _sheet(
    book: Any,
    name: str,
    columns: Sequence[tuple[str, str, str, int]],
    rows: Sequence[dict[str, Any]],
    lang: str,
) -> None:
    sheet = book.add_worksheet(name)
    head = book.add_format({"bold": True, "bg_color": "#F2F2F2", "text_wrap": True})
    sheet.write_row(0, 0, [en if lang == "en" else zh for _k, zh, en, _w in columns], head)
    for r, row in enumerate(rows, start=1):
        for c, (key, _zh, _en, _w) in enumerate(columns):
            value = row.get(key)
            if isinstance(value, str) and "T" in value and key.endswith("_at"):
                value = value.replace("T", " ")[:16]
            sheet.write(r, c, "—" if value is None else value)
    for c, (_k, _zh, _en, width) in enumerate(columns):
        sheet.set_column(c, c, width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)


def write_list(rows: Sequence[dict[str, Any]], path: Path, *, lang: str = "zh") -> Path:
    """The request list as the page shows it (scoped to the reader), one row a request."""
    yes, no = ("late", "") if lang == "en" else ("超期", "")
    shown = [{**row, "overdue_word": yes if row["overdue"] else no} for row in rows]
    book = xlsxwriter.Workbook(str(path))
    _sheet(book, "requests" if lang == "en" else "诉求工单", LIST_COLUMNS, shown, lang)
    book.close()
    return path


def write_report(data: dict[str, Any], path: Path, *, lang: str = "zh") -> Path:
    """The yearly report: the totals, then one sheet per grouping."""
    book = xlsxwriter.Workbook(str(path))
    en = lang == "en"
    total = {"name": f"{data['year']} total" if en else f"{data['year']}年合计", **data}
    sheets = (
        ("total" if en else "合计", [total]),
        ("by unit" if en else "按承办单位", data["by_unit"]),
        ("by type" if en else "按诉求类型", data["by_type"]),
        ("by task force" if en else "按专班", data["by_task_force"]),
        ("by channel" if en else "按渠道", data["by_channel"]),
        ("by month" if en else "按月份", [{**m, "name": m["month"]} for m in data["by_month"]]),
    )
    for name, rows in sheets:
        _sheet(book, name, REPORT_COLUMNS, rows, lang)
    book.close()
    return path
