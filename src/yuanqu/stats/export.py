"""The bulletin as a statistics office prints it: JSON, CSV, a terminal table, and an xlsx with
one sheet per breakdown and native Excel charts (万元/亿元, one decimal for percentages)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from yuanqu.core.money import MISSING
from yuanqu.stats.schemas import Bulletin, BulletinRow

JSON_FIELDS = (
    "indicator",
    "by",
    "group",
    "month",
    "cumulative",
    "month_yoy_pct",
    "cumulative_yoy_pct",
    "share_pct",
)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _yuan(row: BulletinRow, value: float | int | None) -> int | float | None:
    """Amounts in yuan (exact: fen sums are whole), headcounts in persons."""
    if value is None:
        return None
    if row.unit == "persons":
        return round(float(value), 1) if isinstance(value, float) else value
    if isinstance(value, int):
        yuan = Decimal(value) / 100
        return int(yuan) if yuan == yuan.to_integral_value() else float(yuan)
    return round(value / 100, 2)


def bulletin_json(bulletin: Bulletin) -> dict[str, Any]:
    """``{"period", "scope", "rows": [...]}``: amounts in yuan, percentages to one decimal."""
    return {
        "period": bulletin.period,
        "scope": bulletin.scope,
        "rows": [
            {
                "indicator": r.indicator,
                "by": r.by,
                "group": r.group,
                "month": _yuan(r, r.month),
                "cumulative": _yuan(r, r.cumulative),
                "month_yoy_pct": _pct(r.month_yoy_pct),
                "cumulative_yoy_pct": _pct(r.cumulative_yoy_pct),
                "share_pct": _pct(r.share_pct),
            }
            for r in bulletin.rows
        ],
    }


def _wan(row: BulletinRow, value: float | int | None) -> str:
    if value is None:
        return MISSING
    if row.unit == "persons":
        return f"{value:,.0f}"
    return f"{value / 1_000_000:,.1f}"  # fen -> 万元


def _fmt_pct(value: float | None) -> str:
    return MISSING if value is None else f"{value:.1f}"


def table_rows(
    bulletin: Bulletin, lang: str = "zh", *, with_figures_only: bool = False
) -> list[dict[str, str]]:
    """Rows for a terminal table or CSV: 万元 and persons, percentages to one decimal; with
    ``with_figures_only`` the groups without any figure are left out."""
    en = lang == "en"
    return [
        {
            ("indicator" if en else "指标"): r.indicator_name
            + ("" if r.unit == "persons" else (" (CNY 10k)" if en else "（万元）")),
            ("by" if en else "分组"): _sheet_name(r.by, en),
            ("group" if en else "组别"): r.group_name,
            (bulletin.label if not en else f"month {bulletin.label}"): _wan(r, r.month),
            (bulletin.cumulative_label if not en else f"YTD {bulletin.cumulative_label}"): _wan(
                r, r.cumulative
            ),
            ("month YoY %" if en else "当月同比%"): _fmt_pct(r.month_yoy_pct),
            ("YTD YoY %" if en else "累计同比%"): _fmt_pct(r.cumulative_yoy_pct),
            ("share %" if en else "比重%"): _fmt_pct(r.share_pct),
        }
        for r in bulletin.rows
        if has_figures(r) or not with_figures_only
    ]


SUMMARY_BREAKDOWNS = ("leading_industry", "sub_area")  # task forces are the leading industries


def _yi(row: BulletinRow, value: float | int | None) -> str:
    if value is None:
        return MISSING
    if row.unit == "persons":
        return f"{value:,.0f}"
    return f"{value / 10_000_000_000:,.1f}"  # fen -> 亿元


def has_figures(row: BulletinRow) -> bool:
    """False for a group with no figure at all (an industry with no reporting firm)."""
    return row.month is not None or row.cumulative is not None


def zone_rows(bulletin: Bulletin, lang: str = "zh") -> list[dict[str, str]]:
    """The zone total of every indicator, amounts in 亿元: the summary's first table."""
    en = lang == "en"
    return [
        {
            "indicator": r.indicator_name,
            "unit": ("persons" if en else "人")
            if r.unit == "persons"
            else ("CNY 100m" if en else "亿元"),
            "month": _yi(r, r.month),
            "cumulative": _yi(r, r.cumulative),
            "month_yoy": _fmt_pct(r.month_yoy_pct),
            "cumulative_yoy": _fmt_pct(r.cumulative_yoy_pct),
        }
        for r in bulletin.rows
        if r.by == "total"
    ]


def headline_rows(bulletin: Bulletin, by: str, lang: str = "zh") -> list[dict[str, str]]:
    """The first indicator (gross output) by one breakdown, in 亿元, groups without figures
    left out."""
    headline = bulletin.rows[0].indicator if bulletin.rows else None
    return [
        {
            "group": r.group_name,
            "cumulative": _yi(r, r.cumulative),
            "cumulative_yoy": _fmt_pct(r.cumulative_yoy_pct),
            "share": _fmt_pct(r.share_pct),
        }
        for r in bulletin.rows
        if r.by == by and r.indicator == headline and has_figures(r)
    ]


def breakdown_name(by: str, lang: str = "zh") -> str:
    return _sheet_name(by, lang == "en")


def write_xlsx(bulletin: Bulletin, path: Path | str, lang: str = "zh") -> Path:
    """One sheet per breakdown (the zone total first), amounts in 亿元 for the zone and 万元
    for groups, and a native column chart of each sheet's cumulative values."""
    import xlsxwriter

    en = lang == "en"
    path = Path(path)
    workbook = xlsxwriter.Workbook(str(path))
    title = workbook.add_format({"bold": True, "font_size": 14})
    head = workbook.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}
    )
    text = workbook.add_format({"border": 1})
    money = workbook.add_format({"border": 1, "num_format": "#,##0.0"})
    pct = workbook.add_format({"border": 1, "num_format": "0.0"})
    basis = (
        ("growth at comparable prices" if en else "增速按可比价格计算")
        if bulletin.price_basis == "comparable"
        else ("growth at current prices (no price index)" if en else "增速按现价计算（无价格指数）")
    )
    breakdowns = ["total", *dict.fromkeys(r.by for r in bulletin.rows if r.by != "total")]
    for by in breakdowns:
        rows = [r for r in bulletin.rows if r.by == by]
        unit, divisor = ("亿元", 10_000_000_000) if by == "total" else ("万元", 1_000_000)
        if en:
            unit = "CNY 100m" if by == "total" else "CNY 10k"
        sheet = workbook.add_worksheet(_sheet_name(by, en))
        sheet.write(0, 0, f"{bulletin.label} {_sheet_name(by, en)} ({bulletin.scope})", title)
        sheet.write(1, 0, f"{basis}; {'amounts in' if en else '金额单位：'} {unit}")
        heads = (
            ("indicator", "group", "month", "YTD", "month YoY %", "YTD YoY %", "share %")
            if en
            else ("指标", "组别", "当月", "累计", "当月同比%", "累计同比%", "比重%")
        )
        sheet.write_row(3, 0, heads, head)
        for i, r in enumerate(rows, start=4):
            scale = 1 if r.unit == "persons" else divisor
            sheet.write(i, 0, r.indicator_name, text)
            sheet.write(i, 1, r.group_name, text)
            for col, value in ((2, r.month), (3, r.cumulative)):
                if value is None:
                    sheet.write(i, col, MISSING, text)
                else:
                    sheet.write_number(i, col, float(value) / scale, money)
            for col, value in ((4, r.month_yoy_pct), (5, r.cumulative_yoy_pct), (6, r.share_pct)):
                if value is None:
                    sheet.write(i, col, MISSING, text)
                else:
                    sheet.write_number(i, col, round(value, 1), pct)
        sheet.set_column(0, 1, 24)
        sheet.set_column(2, 6, 14)
        sheet.freeze_panes(4, 2)
        sheet.autofilter(3, 0, 3 + len(rows), 6)
        output_rows = [i for i, r in enumerate(rows, start=4) if r.indicator == rows[0].indicator]
        if output_rows:
            chart = workbook.add_chart({"type": "column" if by != "total" else "bar"})
            name = _sheet_name(by, en)
            chart.add_series(
                {
                    "name": f"{rows[0].indicator_name} {'YTD' if en else '累计'}",
                    "categories": [name, output_rows[0], 1, output_rows[-1], 1],
                    "values": [name, output_rows[0], 3, output_rows[-1], 3],
                }
            )
            chart.set_title({"name": f"{rows[0].indicator_name} ({unit})"})
            chart.set_legend({"none": True})
            sheet.insert_chart(3, 8, chart, {"x_scale": 1.6, "y_scale": 1.4})
    workbook.close()
    return path


_SHEETS = {
    "total": ("全园区", "Zone"),
    "leading_industry": ("主导产业", "Leading industries"),
    "section": ("行业门类", "Sections"),
    "division": ("行业大类", "Divisions"),
    "industry_class": ("行业小类", "Classes"),
    "sub_area": ("片区", "Sub-areas"),
    "task_force": ("专班", "Task forces"),
    "label": ("企业标签", "Labels"),
}


def _sheet_name(by: str, en: bool) -> str:
    zh, english = _SHEETS.get(by, (by, by))
    return english if en else zh
