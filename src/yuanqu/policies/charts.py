"""The policy pages' ECharts options (built in Python, passed with |tojson) and the simulation
page's sliders: one per scalar parameter, the budget and each band's value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from yuanqu.core.errors import ValidationError
from yuanqu.core.size_class import SIZE_CLASS_NAMES
from yuanqu.policies.language.definition import Policy, check_override
from yuanqu.policies.language.parameters import resolve_all
from yuanqu.policies.language.variables import VARIABLES
from yuanqu.policies.views import (
    band_inputs,
    format_value,
    parameter_label,
    range_text,
    section_name,
)
from yuanqu.web import charts

WAN_FEN = 1_000_000  # fen in 万元


def wan(fen: int | None) -> float | None:
    """Fen as 万元 for a chart axis (display only; the figures stay integer fen)."""
    return None if fen is None else round(fen / WAN_FEN, 2)


def horizontal_pair(
    categories: Sequence[str], series: dict[str, Sequence[float | None]], *, unit: str
) -> dict[str, Any]:
    """Two series of horizontal bars over long category names (before and after)."""
    option = charts.grouped_bars(categories, series, unit=unit)
    option["xAxis"], option["yAxis"] = (
        # beside long category names the value axis is narrow: labels that would touch are
        # left out rather than printed over each other
        charts.value_axis(unit),
        charts.category_axis(categories, inverse=True),
    )
    option["grid"]["left"] = 8
    return option


def statistics_chart(stats: dict[str, Any], lang: str) -> dict[str, Any]:
    unit = "CNY 10k" if lang == "en" else "万元"
    rows = stats.get("by_industry") or []
    return charts.bar(
        [r["name"] for r in rows],
        [wan(r["allocated_fen"]) or 0 for r in rows],
        name="allocated" if lang == "en" else "安排金额",
        unit=unit,
        horizontal=True,
    )


def _group_name(column: str, group: str | None, lang: str) -> str:
    if column == "industry_section":
        return section_name(group, lang)
    if column == "size_class":
        if group is None:
            return "size unknown" if lang == "en" else "规模未知"
        return SIZE_CLASS_NAMES[group][lang == "en"]
    return group or ("none" if lang == "en" else "未分配")


def simulation_charts(result: dict[str, Any], lang: str) -> dict[str, dict[str, Any]]:
    """Before and after, by industry section and by size class (万元)."""
    en = lang == "en"
    names = ("as it stands", "simulated") if en else ("现行政策", "模拟方案")
    out = {}
    for column in ("industry_section", "size_class"):
        rows = result["distribution"][column]
        out[column] = horizontal_pair(
            [_group_name(column, r["group"], lang) for r in rows],
            {
                names[0]: [wan(r["before_fen"]) for r in rows],
                names[1]: [wan(r["allocated_fen"]) for r in rows],
            },
            unit="CNY 10k" if lang == "en" else "万元",
        )
    return out


# --- the sliders ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slider:
    """One range input of the simulation page: ``key`` is the override's name."""

    key: str
    label: str
    unit: str
    current: Decimal  # the value as the policy stands for the year
    value: Decimal  # the value asked for
    low: Decimal
    high: Decimal
    step: Decimal

    @property
    def field(self) -> str:
        return f"set.{self.key}"

    def text(self, value: Decimal, lang: str) -> str:
        return format_value(value, self.unit, lang)


def _step(value: Decimal, unit: str) -> Decimal:
    if unit == "share":
        return Decimal("0.005")
    if value <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** max(0, len(str(int(value))) - 2)  # about 1/10..1/100 of it
    return magnitude


def _slider(
    key: str,
    label: str,
    unit: str,
    current: Decimal,
    asked: Decimal | None,
    *,
    limits: str | None = None,
) -> Slider:
    if asked is not None:
        check_override(key, asked, limits or unit)
    if unit == "share":
        high = min(Decimal(1), max(current * 3, current + Decimal("0.1")))
    elif unit == "points":
        high = max(current * 2, Decimal(10))
    else:
        high = max(current * 3, Decimal(1))
    step = _step(current, unit)
    high = (high / step).to_integral_value() * step
    value = current if asked is None else min(max(asked, Decimal(0)), high)
    return Slider(key, label, unit, current, value, Decimal(0), high, step)


def sliders(policy: Policy, year: int, asked: dict[str, Decimal], lang: str) -> list[Slider]:
    """A slider for each number a simulation may change, at the policy's value for ``year``."""
    resolved = resolve_all(policy, year)
    bound_vars = band_inputs(policy)
    out = []
    for name, parameter in policy.parameters.items():
        label = parameter_label(parameter, lang)
        if parameter.kind == "scalar":
            current = resolved[name].value
            if current is not None:
                out.append(_slider(name, label, parameter.unit, current, asked.get(name)))
            continue
        bound_unit = VARIABLES[bound_vars[name]].unit if bound_vars.get(name) in VARIABLES else ""
        for i, band in enumerate(resolved[name].bands, start=1):
            key = f"{name}[{i}]"
            text = f"{label} {range_text(band, bound_unit, lang)}"
            out.append(_slider(key, text, parameter.unit, band.value, asked.get(key)))
    if policy.budget is not None:
        label = "budget" if lang == "en" else "预算总额"
        out.append(
            _slider("budget", label, "yuan", policy.budget, asked.get("budget"), limits="budget")
        )
    unknown = sorted(set(asked) - {s.key for s in out})
    if unknown:
        known = ", ".join(s.key for s in out)
        raise ValidationError(
            f"{unknown[0]} 不是本政策可模拟的数值（可用：{known}）",
            f"{unknown[0]} is not a number of this policy to simulate (known: {known})",
            details={"field": f"set.{unknown[0]}"},
        )
    return out


def overrides(slider_list: list[Slider]) -> dict[str, str]:
    """The sliders moved away from the policy as it stands, as the simulate service takes them."""
    return {s.key: format(s.value, "f") for s in slider_list if s.value != s.current}
