"""The watch list as an xlsx report for people: names beside codes, signals by name, frozen
header, autofilter, widths."""

from __future__ import annotations

from pathlib import Path

from yuanqu.watch.schemas import WatchList


def write_xlsx(listing: WatchList, path: Path | str, *, lang: str = "zh") -> Path:
    import xlsxwriter

    en = lang == "en"
    path = Path(path)
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Watch list" if en else "预警名单")
    title = workbook.add_format({"bold": True, "font_size": 14})
    head = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    cell = workbook.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    sheet.write(
        0,
        0,
        f"Watch list as of {listing.as_of}: {listing.total} firms"
        if en
        else f"监测预警名单（{listing.as_of}），共 {listing.total} 家",
        title,
    )
    heads = (
        ("Firm", "Credit code", "Signals", "Score (points)", "Owner", "Rules' weights")
        if en
        else (
            "企业名称",
            "统一社会信用代码",
            "预警信号",
            "风险分（分）",
            "责任专班/管家",
            "信号分值",
        )
    )
    sheet.write_row(2, 0, heads, head)
    for row, entry in enumerate(listing.items, start=3):
        sheet.write(row, 0, entry.name, cell)
        sheet.write(row, 1, entry.uscc, cell)
        sheet.write(row, 2, "、".join(s.name for s in entry.signal_details), cell)
        sheet.write_number(row, 3, entry.score, cell)
        sheet.write(row, 4, entry.owner_name or entry.owner or "—", cell)
        sheet.write(row, 5, " + ".join(str(s.weight) for s in entry.signal_details), cell)
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 1, 22)
    sheet.set_column(2, 2, 40)
    sheet.set_column(3, 3, 12)
    sheet.set_column(4, 4, 24)
    sheet.set_column(5, 5, 16)
    sheet.freeze_panes(3, 1)
    sheet.autofilter(2, 0, 2 + len(listing.items), len(heads) - 1)
    workbook.close()
    return path
