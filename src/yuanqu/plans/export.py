"""Plans' progress as an xlsx report for people: one sheet per plan, names and units in the
header, frozen header row, autofilter, widths."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from yuanqu.plans.schemas import PlanRead


def write_xlsx(plans: Sequence[PlanRead], path: Path | str, *, lang: str = "zh") -> Path:
    import xlsxwriter

    en = lang == "en"
    path = Path(path)
    book = xlsxwriter.Workbook(str(path))
    title = book.add_format({"bold": True, "font_size": 13})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    number = book.add_format({"border": 1, "num_format": "#,##0.00"})
    pct = book.add_format({"border": 1, "num_format": "0.0%"})
    heads = (
        (
            "Target",
            "Unit",
            "Target value",
            "Deadline",
            "Actual",
            "Actual covers",
            "Completion",
            "Forecast at the deadline",
            "Needed each year",
            "Status",
        )
        if en
        else (
            "目标",
            "单位",
            "目标值",
            "截止日期",
            "实际值",
            "实际值口径",
            "完成率",
            "截止时预计",
            "每年需新增",
            "状态",
        )
    )
    for index, plan in enumerate(plans, start=1):
        sheet = book.add_worksheet(f"{index} {plan.key}"[:31])
        sheet.write(0, 0, plan.title, title)
        sheet.write(
            1, 0, f"{plan.issuer} · {plan.period} · {'as of' if en else '计算日'} {plan.as_of}"
        )
        sheet.write_row(3, 0, heads, head)
        for row, t in enumerate(plan.targets, start=4):
            # Amounts in 亿元 for Chinese readers, in billions for English ones (as the page says).
            scale = (100_000_000_000 if en else 10_000_000_000) if t.unit == "fen" else 1
            unit = {
                "fen": "亿元" if not en else "CNY bn",
                "firms": "家" if not en else "firms",
                "projects": "个" if not en else "projects",
                "sqm": "平方米" if not en else "m²",
            }[t.unit]
            sheet.write(row, 0, t.name, cell)
            sheet.write(row, 1, unit, cell)
            for col, value in (
                (2, t.target),
                (4, t.actual),
                (7, t.forecast),
                (8, t.needed_per_year),
            ):
                if value is None:
                    sheet.write(row, col, "—", cell)
                else:
                    sheet.write_number(row, col, value / scale, number)
            sheet.write(row, 3, t.deadline.isoformat(), cell)
            sheet.write(row, 5, t.actual_label or "—", cell)
            if t.completion is None:
                sheet.write(row, 6, "—", cell)
            else:
                sheet.write_number(row, 6, t.completion, pct)
            sheet.write(row, 9, t.status_name, cell)
        sheet.set_column(0, 0, 34)
        sheet.set_column(1, 9, 14)
        sheet.freeze_panes(4, 1)
        sheet.autofilter(3, 0, 3 + len(plan.targets), len(heads) - 1)
    book.close()
    return path
