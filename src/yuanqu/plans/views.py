"""What the plan page shows: one chart per target, its series against the target line, the axis
in the target's unit (亿元 for amounts, 家 for firms, 个 for projects)."""

from __future__ import annotations

from typing import Any

from yuanqu.plans.schemas import PlanRead, TargetProgress
from yuanqu.web.charts import bar

YI = 10_000_000_000  # fen in 亿元


def unit_name(target: TargetProgress, lang: str) -> str:
    names = {"fen": ("亿元", "CNY 100m"), "firms": ("家", "firms"), "projects": ("个", "projects")}
    return names[target.unit][1 if lang == "en" else 0]


def scaled(target: TargetProgress, value: int | None) -> float | None:
    if value is None:
        return None
    return round(value / YI, 2) if target.unit == "fen" else value


def target_charts(plan: PlanRead, *, lang: str = "zh") -> dict[str, dict[str, Any]]:
    charts = {}
    for target in plan.targets:
        if not target.series:
            continue
        unit = unit_name(target, lang)
        option = bar(
            [p.label for p in target.series],
            [scaled(target, p.value) for p in target.series],
            name=target.name,
            unit=unit,
        )
        # the target line must lie within the axis, even when the series is far below it
        values = [scaled(target, p.value) or 0 for p in target.series]
        option["yAxis"]["max"] = _ceiling(max([*values, scaled(target, target.target) or 0]))
        option["grid"]["top"] = 32
        option["series"][0]["markLine"] = {
            "symbol": "none",
            "data": [{"yAxis": scaled(target, target.target), "name": "target"}],
            "label": {"formatter": ("target " if lang == "en" else "目标 ") + "{c}" + unit},
        }
        charts[target.key] = option
    return charts


def _ceiling(value: float) -> float:
    """A round number a little above ``value`` (the axis top)."""
    if value <= 0:
        return 1
    step = 10 ** (len(str(int(value))) - 1) / 2
    return (int(value * 1.05 / step) + 1) * step
