"""The grading as zones publish it: an xlsx with one row per firm (its indicators in display units,
their scores, the total, rank and grade, or why it was not graded), a sheet of benchmarks, frozen
headers, filters and widths; headers in the reader's language with their units."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter
from sqlalchemy.orm import Session

from yuanqu.mu import results, views
from yuanqu.mu.models import MuEvaluation


def write_results(
    session: Session,
    ev: MuEvaluation,
    path: Path,
    *,
    lang: str = "zh",
    task_forces: frozenset[str] | None = None,
) -> Path:
    en = lang == "en"
    method = views.method_of(ev)
    read = views.evaluation(session, ev, lang=lang)
    _total, rows = results.list_results(session, ev, task_forces=task_forces, page_size=None)
    indicators = []
    for group in method.groups:
        for ind in group.indicators:
            if ind.id not in {i.id for i in indicators}:
                indicators.append(ind)
    book = xlsxwriter.Workbook(str(path))
    bold = book.add_format(
        {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#EEF2F7"}
    )
    number = book.add_format({"num_format": "#,##0.00"})
    sheet = book.add_worksheet("Results" if en else "评价结果")
    head = [
        "Credit code" if en else "统一社会信用代码",
        "Firm" if en else "企业名称",
        "Group" if en else "分组",
    ]
    for ind in indicators:
        head.append(
            f"{ind.name(lang)} ({ind.unit(lang)})"
            if en
            else f"{ind.name(lang)}（{ind.unit(lang)}）"
        )
        head.append(f"{ind.name(lang)} {'score' if en else '得分'}")
    head += [
        "Total score" if en else "综合得分",
        "Rank in group" if en else "组内排名",
        "Firms in group" if en else "组内企业数",
        "Grade" if en else "等级",
        "Not graded because" if en else "不定等级原因",
    ]
    sheet.write_row(0, 0, head, bold)
    for r_index, row in enumerate(rows, start=1):
        result = views.firm_result(row, method, lang)
        values: list = [result.uscc, result.name, result.group_name or ""]
        for ind in indicators:
            got = row.indicators.get(ind.id)
            value = (
                None
                if not got or got["value"] is None
                else got["value"] * float(ind.display_factor)
            )
            values += [value, None if not got else got["score"]]
        values += [
            result.score,
            result.rank,
            result.of,
            result.grade or "",
            result.exempt_reason or "",
        ]
        for c_index, value in enumerate(values):
            if isinstance(value, float):
                sheet.write_number(r_index, c_index, value, number)
            elif value is not None:
                sheet.write(r_index, c_index, value)
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, max(len(rows), 1), len(head) - 1)
    sheet.set_row(0, 36)
    sheet.set_column(0, 0, 21)
    sheet.set_column(1, 1, 34)
    sheet.set_column(2, len(head) - 1, 13)
    bench = book.add_worksheet("Benchmarks" if en else "基准值")
    bench.write_row(
        0,
        0,
        ["Group", "Indicator", "Weight", "Benchmark", "Unit"]
        if en
        else ["分组", "指标", "权重", "基准值", "单位"],
        bold,
    )
    for i, b in enumerate(read.benchmarks, start=1):
        bench.write_row(i, 0, [b.group_name, b.name, b.weight])
        if b.benchmark is not None:
            bench.write_number(i, 3, b.benchmark, number)
        bench.write(i, 4, b.unit)
    bench.freeze_panes(1, 0)
    bench.set_column(0, 1, 18)
    bench.set_column(2, 4, 14)
    book.close()
    return path
