"""What the plan page shows: one chart per target, its series against the target line, the axis
in the target's unit: amounts in 亿元 (in English in CNY bn, as :mod:`yuanqu.core.money` writes
amounts for English readers), 家 for firms, 个 for projects, m² for space."""

from __future__ import annotations

from typing import Any

from yuanqu.plans.schemas import PlanRead, TargetProgress
from yuanqu.web.charts import bar

YI = 10_000_000_000  # fen in 亿元
BILLION = 100_000_000_000  # fen in a billion yuan
UNITS = {
    "fen": ("亿元", "CNY bn"),
    "firms": ("家", "firms"),
    "projects": ("个", "projects"),
    "sqm": ("平方米", "m²"),
}


def unit_name(target: TargetProgress, lang: str) -> str:
    return UNITS[target.unit][1 if lang == "en" else 0]


def scaled(target: TargetProgress, value: int | None, lang: str = "zh") -> float | None:
    """``value`` in the unit the reader sees: 亿元 (CNY bn in English) for amounts."""
    if value is None:
        return None
    if target.unit == "fen":
        return round(value / (BILLION if lang == "en" else YI), 2)
    return value


def target_label(unit: str, lang: str) -> str:
    """The target line's label: "目标 2000亿元", "target CNY 200 bn", "target 100 firms"."""
    if lang != "en":
        return "目标 {c}" + unit
    if unit == "CNY bn":
        return "target CNY {c} bn"
    return "target {c} " + unit


def target_charts(plan: PlanRead, *, lang: str = "zh") -> dict[str, dict[str, Any]]:
    charts = {}
    for target in plan.targets:
        if not target.series:
            continue
        unit = unit_name(target, lang)
        option = bar(
            [p.label for p in target.series],
            [scaled(target, p.value, lang) for p in target.series],
            name=target.name,
            unit=unit,
        )
        # the target line must lie within the axis, even when the series is far below it
        goal = scaled(target, target.target, lang)
        values = [scaled(target, p.value, lang) or 0 for p in target.series]
        option["yAxis"]["max"] = _ceiling(max([*values, goal or 0]))
        option["grid"]["top"] = 32
        option["series"][0]["markLine"] = {
            "symbol": "none",
            "data": [{"yAxis": goal, "name": "target"}],
            # inside the grid, above the line's right end: at "end" it ran past the chart's edge
            "label": {
                "formatter": target_label(unit, lang),
                "position": "insideEndTop",
                # legible where a bar rises above the line
                "backgroundColor": "rgba(255,255,255,0.85)",
                "padding": [1, 3],
            },
        }
        charts[target.key] = option
    return charts


def _ceiling(value: float) -> float:
    """A round number a little above ``value`` (the axis top)."""
    if value <= 0:
        return 1
    step = 10 ** (len(str(int(value))) - 1) / 2
    return (int(value * 1.05 / step) + 1) * step
