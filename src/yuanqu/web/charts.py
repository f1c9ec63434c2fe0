"""Apache ECharts option builders: chart options are data built in Python, passed with |tojson.

Every value axis states its unit (``unit``: 万元, 家, %...), and axis labels that would overlap
on a phone are hidden rather than run together ("5,00010,000")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

PALETTE = ["#1d6fb8", "#e07b39", "#3a9c5b", "#c9403a", "#7b5ea7", "#8c6d31", "#d36fa8", "#6b7b8c"]


def value_axis(unit: str, **extra: Any) -> dict[str, Any]:
    """A value axis named by its unit, with few labels, none overlapping, big numbers short."""
    return {
        "type": "value",
        "name": unit,
        "nameTextStyle": {"align": "left"},
        "splitNumber": 3,
        "axisLabel": {"hideOverlap": True, "fontSize": 11},
        **extra,
    }


def category_axis(categories: Sequence[str], **extra: Any) -> dict[str, Any]:
    return {
        "type": "category",
        "data": list(categories),
        "axisLabel": {"fontSize": 11, "hideOverlap": True},
        **extra,
    }


def bar(
    categories: Sequence[str],
    values: Sequence[int | float],
    *,
    name: str,
    unit: str,
    horizontal: bool = False,
) -> dict[str, Any]:
    """One series of bars; horizontal bars suit long category names (industry sections)."""
    categories_axis = (
        category_axis(categories, inverse=True) if horizontal else category_axis(categories)
    )
    # beside long names the value axis runs along the bottom: its unit sits under its labels
    values_axis = (
        value_axis(unit, nameLocation="middle", nameGap=24, nameTextStyle={"align": "center"})
        if horizontal
        else value_axis(unit)
    )
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "grid": {
            "left": 8,
            "right": 24,
            "top": 8 if horizontal else 28,
            "bottom": 28 if horizontal else 8,
            "containLabel": True,
        },
        "xAxis": values_axis if horizontal else categories_axis,
        "yAxis": categories_axis if horizontal else values_axis,
        "series": [{"type": "bar", "name": name, "data": list(values)}],
        "aria": {"enabled": True},
    }


def lines(
    categories: Sequence[str], series: dict[str, Sequence[int | float]], *, unit: str
) -> dict[str, Any]:
    """Several lines over the same categories (labels over time)."""
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "top": 0},
        "grid": {"left": 8, "right": 24, "top": 56, "bottom": 8, "containLabel": True},
        "xAxis": category_axis(categories),
        "yAxis": value_axis(unit),
        "series": [
            {"type": "line", "name": name, "data": list(values), "smooth": False}
            for name, values in series.items()
        ],
        "aria": {"enabled": True},
    }


def pie(items: Sequence[tuple[str, int | float]], *, name: str) -> dict[str, Any]:
    """Shares of a whole (sub-areas)."""
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "item"},
        "legend": {"type": "scroll", "bottom": 0},
        "series": [
            {
                "type": "pie",
                "name": name,
                "radius": ["35%", "65%"],
                "center": ["50%", "45%"],
                "data": [{"name": label, "value": value} for label, value in items],
                "label": {"formatter": "{b}\n{d}%"},
            }
        ],
        "aria": {"enabled": True},
    }


def timeline(
    categories: Sequence[str],
    planned: Sequence[str | None],
    actual: Sequence[str | None],
    *,
    names: tuple[str, str],
) -> dict[str, Any]:
    """Milestones on a time axis: planned and actual dates of each stage (a stage per row)."""
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "item"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 24, "top": 36, "bottom": 8, "containLabel": True},
        # a month at least between ticks: a project's milestones span months or years
        "xAxis": {
            "type": "time",
            "minInterval": 30 * 86_400_000,
            "axisLabel": {"hideOverlap": True},
        },
        "yAxis": {"type": "category", "data": list(categories), "inverse": True},
        "series": [
            {
                "type": "line",
                "name": name,
                "symbolSize": 12,
                "symbol": symbol,
                "connectNulls": True,
                "lineStyle": {"type": style},
                "data": [
                    [day, stage] if day else [None, stage]
                    for day, stage in zip(days, categories, strict=True)
                ],
            }
            for name, days, symbol, style in (
                (names[0], planned, "emptyCircle", "dashed"),
                (names[1], actual, "circle", "solid"),
            )
        ],
        "aria": {"enabled": True},
    }


def funnel(items: Sequence[tuple[str, int]], *, name: str) -> dict[str, Any]:
    """A narrowing pipeline (contacted → negotiating → intent → signed)."""
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "item"},
        "series": [
            {
                "type": "funnel",
                "name": name,
                "sort": "none",
                "left": "10%",
                "width": "80%",
                "minSize": "12%",
                "label": {"position": "inside", "formatter": "{b} {c}", "color": "#fff"},
                "data": [{"name": label, "value": value} for label, value in items],
            }
        ],
        "aria": {"enabled": True},
    }


def grouped_bars(
    categories: Sequence[str], series: dict[str, Sequence[int | float | None]], *, unit: str
) -> dict[str, Any]:
    """Several series of bars over the same categories (done against target)."""
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 24, "top": 52, "bottom": 8, "containLabel": True},
        "xAxis": category_axis(categories),
        "yAxis": value_axis(unit),
        "series": [
            {"type": "bar", "name": name, "data": list(values)} for name, values in series.items()
        ],
        "aria": {"enabled": True},
    }


def lines_and_bars(
    categories: Sequence[str],
    lines: dict[str, Sequence[int | float | None]],
    bars: dict[str, Sequence[int | float | None]],
    *,
    line_unit: str,
    bar_unit: str = "%",
) -> dict[str, Any]:
    """Values as lines on the left axis and rates as bars on the right (output and its growth)."""
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "legend": {"type": "scroll", "top": 0},
        "grid": {"left": 8, "right": 8, "top": 60, "bottom": 8, "containLabel": True},
        "xAxis": category_axis(categories),
        "yAxis": [
            value_axis(line_unit, position="left"),
            value_axis(
                bar_unit,
                position="right",
                splitLine={"show": False},
                nameTextStyle={"align": "right"},
            ),
        ],
        "series": [
            *(
                {"type": "line", "name": name, "data": list(values), "yAxisIndex": 0}
                for name, values in lines.items()
            ),
            *(
                {"type": "bar", "name": name, "data": list(values), "yAxisIndex": 1}
                for name, values in bars.items()
            ),
        ],
        "aria": {"enabled": True},
    }


def treemap(nodes: Sequence[dict[str, Any]], *, name: str) -> dict[str, Any]:
    """A hierarchy by size (industry section > division > class). A node's ``link`` is where a
    click on it goes (charts.js follows it); the breadcrumb climbs back up."""
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "item"},
        "series": [
            {
                "type": "treemap",
                "name": name,
                "data": list(nodes),
                "roam": False,
                "leafDepth": 2,
                "nodeClick": "zoomToNode",
                "breadcrumb": {"show": True, "bottom": 0},
                "top": 8,
                "left": 4,
                "right": 4,
                "bottom": 32,
                "label": {"show": True, "formatter": "{b}"},
                "upperLabel": {"show": True, "height": 20},
                "levels": [
                    {"itemStyle": {"borderWidth": 2, "gapWidth": 2}},
                    {"itemStyle": {"gapWidth": 1}, "colorSaturation": [0.35, 0.6]},
                    {"colorSaturation": [0.35, 0.6]},
                ],
            }
        ],
        "aria": {"enabled": True},
    }
