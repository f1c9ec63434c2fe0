"""Spreadsheets for people: headers in the reader's language with units, frozen header row,
autofilter, column widths. Used by the space and the agreement pages."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter


def write_report(
    path: Path,
    sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Any]]]],
) -> Path:
    """One sheet per (title, headers, rows); numbers stay numbers, None is an empty cell."""
    workbook = xlsxwriter.Workbook(str(path))
    head = workbook.add_format(
        {"bold": True, "bg_color": "#F2F2F2", "border": 1, "text_wrap": True}
    )
    for title, headers, rows in sheets:
        sheet = workbook.add_worksheet(title[:31])
        sheet.write_row(0, 0, list(headers), head)
        for i, row in enumerate(rows, start=1):
            for j, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, int | float):
                    sheet.write_number(i, j, value)
                else:
                    sheet.write_string(i, j, str(value))
        for j, header in enumerate(headers):
            longest = max(
                [len(str(header))] + [len(str(r[j])) for r in rows[:500] if r[j] is not None]
            )
            sheet.set_column(j, j, min(max(10, longest * 1.6), 48))
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(1, len(rows)), max(0, len(headers) - 1))
    workbook.close()
    return path


def vacancy_sheets(result: dict[str, Any], en: bool) -> list[tuple[str, list[str], list[list]]]:
    heads = (
        [
            "group",
            "units",
            "area (m²)",
            "vacant units",
            "vacant (m²)",
            "reserved (m²)",
            "vacancy rate (% of area)",
        ]
        if en
        else [
            "分组",
            "单元数(个)",
            "面积(m²)",
            "空置单元(个)",
            "空置面积(m²)",
            "预留面积(m²)",
            "空置率(占面积%)",
        ]
    )
    sheets = []
    titles = (
        ("by_sub_area", "by sub-area", "按片区"),
        ("by_kind", "by kind", "按载体类型"),
        ("by_band", "by size band", "按面积段"),
    )
    for key, title_en, title_zh in titles:
        rows = [
            [
                r["name"],
                r["units"],
                r["area_sqm"],
                r["vacant_units"],
                r["vacant_sqm"],
                r["reserved_sqm"],
                None if r["vacancy_rate"] is None else round(r["vacancy_rate"] * 100, 1),
            ]
            for r in [*result[key], result["total"]]
        ]
        sheets.append((title_en if en else title_zh, heads, rows))
    return sheets
