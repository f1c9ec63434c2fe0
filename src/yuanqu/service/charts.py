"""ECharts options of the yearly report; every value axis states its unit."""

from __future__ import annotations

from typing import Any

from yuanqu.web.charts import PALETTE


def _axis(name: str, **extra: Any) -> dict[str, Any]:
    return {"type": "value", "name": name, **extra}


def monthly(report: dict[str, Any], lang: str) -> dict[str, Any]:
    """Requests received each month (bars, count) and the three rates (lines, %)."""
    en = lang == "en"
    months = [m["month"] for m in report["by_month"]]
    rates = (
        ("response_rate_pct", "response rate" if en else "响应率"),
        ("resolution_rate_pct", "resolution rate" if en else "解决率"),
        ("satisfaction_rate_pct", "satisfaction rate" if en else "满意率"),
    )
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "top": 0},
        "grid": {"left": 8, "right": 8, "top": 48, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": months},
        "yAxis": [
            _axis("requests (count)" if en else "受理（件）", position="left"),
            _axis("%", position="right", min=0, max=100, splitLine={"show": False}),
        ],
        "series": [
            {
                "type": "bar",
                "name": "requests" if en else "受理件数",
                "data": [m["tickets"] for m in report["by_month"]],
                "yAxisIndex": 0,
            },
            *(
                {
                    "type": "line",
                    "name": label,
                    "data": [m[key] for m in report["by_month"]],
                    "yAxisIndex": 1,
                }
                for key, label in rates
            ),
        ],
        "aria": {"enabled": True},
    }


def horizontal(rows: list[dict[str, Any]], *, name: str, unit: str) -> dict[str, Any]:
    """Requests by a grouping as horizontal bars (long Chinese names read well)."""
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 32, "top": 24, "bottom": 8, "containLabel": True},
        "xAxis": _axis(unit),
        "yAxis": {"type": "category", "inverse": True, "data": [r["name"] for r in rows]},
        "series": [{"type": "bar", "name": name, "data": [r["tickets"] for r in rows]}],
        "aria": {"enabled": True},
    }


def report_charts(report: dict[str, Any], lang: str) -> dict[str, dict[str, Any]]:
    en = lang == "en"
    unit = "requests (count)" if en else "件"
    name = "requests" if en else "受理件数"
    return {
        "service-monthly": monthly(report, lang),
        "service-units": horizontal(report["by_unit"][:15], name=name, unit=unit),
        "service-types": horizontal(report["by_type"], name=name, unit=unit),
    }
