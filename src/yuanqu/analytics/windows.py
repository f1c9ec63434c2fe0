"""SQL for windowed indicators: month and cumulative windows, the same-scope year-on-year rule,
comparable prices and shares, compiled from indicator definitions (no Python row loops).

Input contract (tables the caller loaded into the engine):
- ``reports(enterprise_id, year, month, division, <measure columns>)`` one row per firm-month;
- ``prices(division, year, month, price_index)`` same month last year = 100 (may be empty);
- ``scope_firms(id, ...)`` the firms in scope, and ``members(id, breakdown, grp)`` the groups each
  firm belongs to, one row per (firm, breakdown, group); a firm may be in several groups of one
  breakdown (labels) or in one (a partition such as the industry section).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Measure:
    """An indicator compiled for the engine: ``sql`` is an expression over the reports table."""

    key: str
    sql: str
    kind: Literal["flow", "stock"] = "flow"
    deflate: bool = False


@dataclass(frozen=True)
class Window:
    """The windows of one bulletin: this year's months ``first..last`` (the bulletin month,
    two months for January-February) and ``1..last`` (cumulative), and the same of last year."""

    year: int
    first: int
    last: int

    @property
    def months(self) -> int:
        return self.last - self.first + 1


def firm_windows_sql(measures: Sequence[Measure], window: Window, *, prices: bool) -> str:
    """Per firm in scope: presence in each window and each measure's window sums."""
    y, b, m0, m = window.year, window.year - 1, window.first, window.last
    cols = [
        f"bool_or(r.year = {y} AND r.month >= {m0}) AS present_month",
        f"bool_or(r.year = {b} AND r.month >= {m0}) AS present_month_base",
        f"bool_or(r.year = {y}) AS present_cum",
        f"bool_or(r.year = {b}) AS present_cum_base",
    ]
    for item in measures:
        expr = f"({item.sql})"
        cols += [
            f"SUM({expr}) FILTER (WHERE r.year = {y} AND r.month >= {m0}) AS {item.key}__m",
            f"SUM({expr}) FILTER (WHERE r.year = {b} AND r.month >= {m0}) AS {item.key}__mb",
            f"SUM({expr}) FILTER (WHERE r.year = {y}) AS {item.key}__c",
            f"SUM({expr}) FILTER (WHERE r.year = {b}) AS {item.key}__cb",
        ]
        if item.deflate and prices:
            # This year's value at last year's prices: deflate each month by its own index.
            real = f"{expr} * 100.0 / COALESCE(p.price_index, 100.0)"
            cols += [
                f"SUM({real}) FILTER (WHERE r.year = {y} AND r.month >= {m0}) AS {item.key}__mr",
                f"SUM({real}) FILTER (WHERE r.year = {y}) AS {item.key}__cr",
            ]
    join = (
        "LEFT JOIN prices p ON p.division = r.division AND p.year = r.year AND p.month = r.month"
        if prices
        else ""
    )
    return (
        f"SELECT r.enterprise_id, {', '.join(cols)} FROM reports r {join} "
        f"WHERE r.year IN ({b}, {y}) AND r.month <= {m} "
        "AND r.enterprise_id IN (SELECT id FROM scope_firms) "
        "GROUP BY r.enterprise_id"
    )


def _aggregates(measures: Sequence[Measure], window: Window, *, prices: bool) -> list[str]:
    cols: list[str] = []
    both_m = "w.present_month AND w.present_month_base"
    both_c = "w.present_cum AND w.present_cum_base"
    for item in measures:
        k = item.key
        real_m = f"w.{k}__mr" if item.deflate and prices else f"w.{k}__m"
        real_c = f"w.{k}__cr" if item.deflate and prices else f"w.{k}__c"
        cols += [
            f"SUM(w.{k}__m) AS {k}__month",
            f"SUM(w.{k}__c) AS {k}__cum",
            f"SUM(w.{k}__mb) AS {k}__month_base",
            f"SUM(w.{k}__cb) AS {k}__cum_base",
            f"SUM(CASE WHEN {both_m} THEN {real_m} END) AS {k}__month_ss",
            f"SUM(CASE WHEN {both_m} THEN w.{k}__mb END) AS {k}__month_ss_base",
            f"SUM(CASE WHEN {both_c} THEN {real_c} END) AS {k}__cum_ss",
            f"SUM(CASE WHEN {both_c} THEN w.{k}__cb END) AS {k}__cum_ss_base",
        ]
    return cols


def _growth(current: str, base: str) -> str:
    # A zero, negative or missing base has no meaningful growth rate: NULL, shown as "—".
    return f"CASE WHEN {base} > 0 THEN ({current} * 1.0 / {base} - 1) * 100 END"


def grouped_sql(measures: Sequence[Measure], window: Window, *, prices: bool) -> str:
    """The zone total and every (breakdown, group) of ``members``: values, both growth rates
    (same scope; plain total to total) and the share of the scope's total, per measure."""
    aggs = ", ".join(_aggregates(measures, window, prices=prices))
    inner = (
        f"SELECT 'total' AS breakdown, 'total' AS grp, {aggs} FROM fw w "
        "UNION ALL "
        f"SELECT g.breakdown, g.grp, {aggs} FROM fw w JOIN members g ON g.id = w.enterprise_id "
        "GROUP BY g.breakdown, g.grp"
    )
    cols = ["g.breakdown", "g.grp"]
    for item in measures:
        k = item.key
        n_month, n_cum = (window.months, window.last) if item.kind == "stock" else (1, 1)
        month = f"g.{k}__month * 1.0 / {n_month}" if item.kind == "stock" else f"g.{k}__month"
        cum = f"g.{k}__cum * 1.0 / {n_cum}" if item.kind == "stock" else f"g.{k}__cum"
        cols += [
            f"{month} AS {k}__month",
            f"{cum} AS {k}__cum",
            f"{_growth(f'g.{k}__month_ss', f'g.{k}__month_ss_base')} AS {k}__month_yoy",
            f"{_growth(f'g.{k}__cum_ss', f'g.{k}__cum_ss_base')} AS {k}__cum_yoy",
            f"{_growth(f'g.{k}__month', f'g.{k}__month_base')} AS {k}__month_change",
            f"{_growth(f'g.{k}__cum', f'g.{k}__cum_base')} AS {k}__cum_change",
            f"CASE WHEN t.{k}__cum > 0 THEN g.{k}__cum * 100.0 / t.{k}__cum END AS {k}__share",
        ]
    total = ", ".join(f"{item.key}__cum" for item in measures)
    return (
        f"WITH g AS ({inner}), t AS (SELECT {total} FROM g WHERE breakdown = 'total') "
        f"SELECT {', '.join(cols)} FROM g, t "
        "ORDER BY g.breakdown = 'total' DESC, g.breakdown, g.grp"
    )


def firms_sql(
    measures: Sequence[Measure], window: Window, *, prices: bool, where: str = "TRUE"
) -> str:
    """One row per firm in scope (filtered by ``where`` over ``members g`` or ``fw w``): its
    window values and its own growth rates, for drill-downs and rankings."""
    cols = ["w.enterprise_id"]
    for item in measures:
        k = item.key
        real_m = f"w.{k}__mr" if item.deflate and prices else f"w.{k}__m"
        real_c = f"w.{k}__cr" if item.deflate and prices else f"w.{k}__c"
        n_month, n_cum = (window.months, window.last) if item.kind == "stock" else (1, 1)
        month = f"w.{k}__m * 1.0 / {n_month}" if item.kind == "stock" else f"w.{k}__m"
        cum = f"w.{k}__c * 1.0 / {n_cum}" if item.kind == "stock" else f"w.{k}__c"
        cols += [
            f"{month} AS {k}__month",
            f"{cum} AS {k}__cum",
            f"{_growth(real_m, f'w.{k}__mb')} AS {k}__month_yoy",
            f"{_growth(real_c, f'w.{k}__cb')} AS {k}__cum_yoy",
        ]
    return (
        f"SELECT DISTINCT {', '.join(cols)} FROM fw w "
        f"LEFT JOIN members g ON g.id = w.enterprise_id WHERE {where}"
    )
