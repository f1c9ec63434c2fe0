"""SQL for windowed indicators: month and cumulative windows, the same-scope year-on-year rule,
comparable prices and shares, compiled from indicator definitions (no Python row loops).

Input contract (tables the caller loaded into the engine):
- ``reports(enterprise_id, year, month, division, <measure columns>)`` one row per firm-month;
- ``prices(division, year, month, price_index)`` same month last year = 100 (may be empty);
- ``dims(id, <one column per partition breakdown>)`` each firm's group in every partition (the
  industry section, the sub-area...), and ``labels_at(enterprise_id, label)`` the labels held
  (a firm may hold several, so label groups overlap);
- ``fw``: the per-firm pre-aggregate of :func:`firm_windows_sql`.
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


def firm_windows_sql(
    measures: Sequence[Measure], window: Window, *, prices: bool, scope: str | None = None
) -> str:
    """Per firm (in ``scope``, a SQL subquery of firm ids; None: every firm): presence in each
    window and each measure's window sums, the pre-aggregate every figure of a period is read
    from. Two steps: plain sums per (firm, year, in the month window), then pivoted per firm;
    this is cheaper than one pass of ``FILTER`` sums over every firm-month."""
    y, b, m0, m = window.year, window.year - 1, window.first, window.last
    sums: list[str] = []
    for item in measures:
        expr = f"({item.sql})"
        sums.append(f"SUM({expr}) AS {item.key}")
        if item.deflate and prices:
            # This year's value at last year's prices: deflate each month by its own index.
            sums.append(f"SUM({expr} * 100.0 / COALESCE(p.price_index, 100.0)) AS {item.key}__r")
    join = (
        "LEFT JOIN prices p ON p.division = r.division AND p.year = r.year AND p.month = r.month"
        if prices
        else ""
    )
    in_scope = f" AND r.enterprise_id IN ({scope})" if scope else ""
    parts = (
        f"SELECT r.enterprise_id, r.year, r.month >= {m0} AS in_month, {', '.join(sums)} "
        f"FROM reports r {join} WHERE r.year IN ({b}, {y}) AND r.month <= {m}{in_scope} "
        f"GROUP BY r.enterprise_id, r.year, r.month >= {m0}"
    )
    this_m, base_m = f"year = {y} AND in_month", f"year = {b} AND in_month"
    cols = [
        f"bool_or({this_m}) AS present_month",
        f"bool_or({base_m}) AS present_month_base",
        f"bool_or(year = {y}) AS present_cum",
        f"bool_or(year = {b}) AS present_cum_base",
    ]
    for item in measures:
        k = item.key
        cols += [
            f"SUM({k}) FILTER (WHERE {this_m}) AS {k}__m",
            f"SUM({k}) FILTER (WHERE {base_m}) AS {k}__mb",
            f"SUM({k}) FILTER (WHERE year = {y}) AS {k}__c",
            f"SUM({k}) FILTER (WHERE year = {b}) AS {k}__cb",
        ]
        if item.deflate and prices:
            cols += [
                f"SUM({k}__r) FILTER (WHERE {this_m}) AS {k}__mr",
                f"SUM({k}__r) FILTER (WHERE year = {y}) AS {k}__cr",
            ]
    return f"SELECT enterprise_id, {', '.join(cols)} FROM ({parts}) AS s GROUP BY enterprise_id"


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


# Ratios are computed in DOUBLE, written so: ``x * 1.0 / n`` is a double in DuckDB but a DECIMAL
# rounded to 6 places in Spark, and both engines must run this one text to the same figures.
def _per(total: str, months: int) -> str:
    return f"CAST({total} AS DOUBLE) / {months}"


def _growth(current: str, base: str) -> str:
    # A zero, negative or missing base has no meaningful growth rate: NULL, shown as "—".
    return f"CASE WHEN {base} > 0 THEN (CAST({current} AS DOUBLE) / {base} - 1) * 100 END"


def grouped_sql(
    measures: Sequence[Measure],
    window: Window,
    *,
    prices: bool,
    partitions: Sequence[str],
    labels: bool,
) -> str:
    """The zone total and every group of each breakdown in one ``GROUPING SETS`` query over the
    per-firm pre-aggregate ``fw`` joined once to the firm dimensions ``dims`` (one column per
    partition breakdown, named after it); labels overlap, so they come from ``labels_at``
    (``enterprise_id, label``). Per measure: values, both growth rates (same scope; plain total
    to total) and the share of the scope's total. ``firms_reporting``: firms with a report in
    the month window."""
    aggs = ", ".join(
        [
            *_aggregates(measures, window, prices=prices),
            "count(*) FILTER (WHERE w.present_month) AS firms_reporting",
        ]
    )
    names = [f"d.{name}" for name in partitions]
    pairs = zip(names, partitions, strict=True)
    which = " ".join(f"WHEN GROUPING({col}) = 0 THEN '{name}'" for col, name in pairs)
    value = " ".join(f"WHEN GROUPING({col}) = 0 THEN {col}" for col in names)
    breakdown = f"CASE {which} ELSE 'total' END" if partitions else "'total'"
    grp = f"CASE {value} ELSE 'total' END" if partitions else "'total'"
    sets = ", ".join(["()", *(f"({col})" for col in names)])
    inner = (
        f"SELECT {breakdown} AS breakdown, {grp} AS grp, {aggs} "
        "FROM fw w JOIN dims d ON d.id = w.enterprise_id "
        f"GROUP BY GROUPING SETS ({sets})"
    )
    if labels:
        inner += (
            f" UNION ALL SELECT 'label', l.label, {aggs} FROM fw w "
            "JOIN labels_at l ON l.enterprise_id = w.enterprise_id GROUP BY l.label"
        )
    cols = ["g.breakdown", "g.grp", "g.firms_reporting"]
    for item in measures:
        k = item.key
        n_month, n_cum = (window.months, window.last) if item.kind == "stock" else (1, 1)
        month = _per(f"g.{k}__month", n_month) if item.kind == "stock" else f"g.{k}__month"
        cum = _per(f"g.{k}__cum", n_cum) if item.kind == "stock" else f"g.{k}__cum"
        cols += [
            f"{month} AS {k}__month",
            f"{cum} AS {k}__cum",
            f"{_growth(f'g.{k}__month_ss', f'g.{k}__month_ss_base')} AS {k}__month_yoy",
            f"{_growth(f'g.{k}__cum_ss', f'g.{k}__cum_ss_base')} AS {k}__cum_yoy",
            f"{_growth(f'g.{k}__month', f'g.{k}__month_base')} AS {k}__month_change",
            f"{_growth(f'g.{k}__cum', f'g.{k}__cum_base')} AS {k}__cum_change",
            f"CASE WHEN t.{k}__cum > 0 THEN CAST(g.{k}__cum * 100 AS DOUBLE) / t.{k}__cum END "
            f"AS {k}__share",
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
    """One row per firm in scope (filtered by ``where`` over ``dims d`` or ``fw w``): its
    window values and its own growth rates, for drill-downs and rankings."""
    cols = ["w.enterprise_id"]
    for item in measures:
        k = item.key
        real_m = f"w.{k}__mr" if item.deflate and prices else f"w.{k}__m"
        real_c = f"w.{k}__cr" if item.deflate and prices else f"w.{k}__c"
        n_month, n_cum = (window.months, window.last) if item.kind == "stock" else (1, 1)
        month = _per(f"w.{k}__m", n_month) if item.kind == "stock" else f"w.{k}__m"
        cum = _per(f"w.{k}__c", n_cum) if item.kind == "stock" else f"w.{k}__c"
        cols += [
            f"{month} AS {k}__month",
            f"{cum} AS {k}__cum",
            f"{_growth(real_m, f'w.{k}__mb')} AS {k}__month_yoy",
            f"{_growth(real_c, f'w.{k}__cb')} AS {k}__cum_yoy",
        ]
    return f"SELECT {', '.join(cols)} FROM fw w JOIN dims d ON d.id = w.enterprise_id WHERE {where}"
