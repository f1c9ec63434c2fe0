"""ECharts options for the insurance pages, built from the report's JSON (amounts in fen)."""

from __future__ import annotations

from typing import Any

from yuanqu.web import charts

YI = 100 * 100_000_000  # fen per 亿元
WAN = 100 * 10_000  # fen per 万元


def _yi(fen: int) -> float:
    return round(fen / YI, 2)


def coverage_charts(report: dict[str, Any], lang: str) -> dict[str, Any]:
    en = lang == "en"
    rows = report["rows"]
    by = {
        name: [r for r in rows if r["by"] == name]
        for name in ("product", "insurer", "section", "label", "month")
    }
    unit = " (100M yuan)" if en else "（亿元）"
    sum_name = ("Sum insured" if en else "保险金额") + unit
    return {
        "product_chart": charts.bar(
            [r["name"] for r in by["product"]],
            [_yi(r["sum_insured_fen"]) for r in by["product"]],
            name=sum_name,
            unit="100M yuan" if en else "亿元",
            horizontal=True,
        ),
        "insurer_chart": charts.pie(
            [(r["name"], round(r["premium_fen"] / WAN, 2)) for r in by["insurer"]],
            name=("Premiums (10k yuan)" if en else "保费（万元）"),
        ),
        "month_chart": charts.lines(
            [r["name"] for r in by["month"]],
            {
                ("Policies" if en else "保单数"): [r["policies"] for r in by["month"]],
            },
            unit="policies" if en else "份",
        ),
        "label_chart": charts.bar(
            [r["name"] for r in by["label"]],
            [r["firms"] for r in by["label"]],
            name="Insured firms" if en else "投保企业数",
            unit="firms" if en else "家",
            horizontal=True,
        ),
        "by": by,
    }


def claim_charts(report: dict[str, Any], lang: str) -> dict[str, Any]:
    en = lang == "en"
    products = [c for c in report["claims"] if c["by"] == "product"]
    months = [c for c in report["claims"] if c["by"] == "month"]
    cycle = charts.bar(
        [c["name"] for c in products],
        [c["median_days"] or 0 for c in products],
        name="Median days" if en else "中位天数",
        unit="days" if en else "天",
        horizontal=True,
    )
    cycle["series"].append(
        {
            "type": "bar",
            "name": "P90 days" if en else "P90 天数",
            "data": [c["p90_days"] or 0 for c in products],
        }
    )
    cycle["legend"] = {"top": 0}
    cycle["grid"]["top"] = 32
    return {
        "cycle_chart": cycle,
        "cycle_month_chart": charts.lines(
            [f"{report['year']}-{int(c['group']):02d}" for c in months],
            {
                ("Median days" if en else "中位天数"): [c["median_days"] for c in months],
                ("P90 days" if en else "P90 天数"): [c["p90_days"] for c in months],
            },
            unit="days" if en else "天",
        ),
        "loss_chart": charts.bar(
            [c["name"] for c in products],
            [c["loss_ratio_pct"] or 0 for c in products],
            name="Loss ratio" if en else "赔付率",
            unit="%",
            horizontal=True,
        ),
        "products": products,
        "months": months,
    }
