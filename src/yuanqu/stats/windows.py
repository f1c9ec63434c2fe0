"""SQL for windowed indicators: month and cumulative windows, the same-scope year-on-year rule,
comparable prices and shares, compiled from indicator definitions (no Python row loops).

Input contract (tables the caller loaded into the engine):
- ``reports(enterprise_id, year, month, division, <measure columns>)`` one row per firm-month;
- ``prices(division, year, month, price_index)`` same month last year = 100 (may be empty);
- ``dims(id, <one column per partition breakdown>)`` each firm's group in every partition (the
  industry section, the sub-area...), and ``labels_at(enterprise_id, label)`` the labels held
  (a firm may hold several, so label groups overlap);
- ``ytd``: the per-firm running sums of :func:`ytd_sql`, one row per firm and loaded year, built
  once per year and snapshot (the engine's cache follows the reports table);
- ``fw``: the per-firm windows of one period, :func:`firm_windows_sql`, read from ``ytd``.
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


MONTHS = range(1, 13)


def _cached_values(measures: Sequence[Measure]) -> list[tuple[str, str]]:
    """The per-month values the cache keeps: each measure, and for a deflated one its value at
    last year's prices too (``__r``: each month deflated by its own index, same month last year
    = 100; 100 where no index was imported, so the column is also right without prices)."""
    values: list[tuple[str, str]] = []
    for item in measures:
        values.append((item.key, f"({item.sql})"))
        if item.deflate:
            values.append(
                (f"{item.key}__r", f"({item.sql}) * 100.0 / COALESCE(p.price_index, 100.0)")
            )
    return values


def ytd_sql(measures: Sequence[Measure], year: int | str) -> str:
    """The cache of one year (``year``: a year, or a placeholder such as ``{slice}``): one row
    per firm with a report in ``year``, and per month ``k`` whether it reported
    (``present__m{k}``), each value of the month (``<value>__m{k}``), and the year to date:
    whether it reported in months 1..k (``present__c{k}``) and the running sums
    (``<value>__c{k}``). Any window of the year is then two columns of it.

    Built month by month: the year to date through ``k - 1`` joined to month ``k`` (a report is
    unique per firm and month), each running sum extended by one month with SUM's own rule
    (NULL while no month has a value, then the sum of those that have one, in calendar order).
    Twelve joins of one row per firm are several times cheaper than a window function over the
    year's reports, or than summing up to twelve columns per month."""
    values = [name for name, _expr in _cached_values(measures)]
    join = "LEFT JOIN prices p ON p.division = r.division AND p.year = r.year AND p.month = r.month"

    def month(k: int) -> str:
        cols = ", ".join(f"{expr} AS {name}__m{k}" for name, expr in _cached_values(measures))
        return (
            f"SELECT r.enterprise_id, TRUE AS present__m{k}, {cols} FROM reports r {join} "
            f"WHERE r.year = {year} AND r.month = {k}"
        )

    kept: list[str] = ["present__m1", "present__c1"]
    for name in values:
        kept += [f"{name}__m1", f"{name}__c1"]
    first = ", ".join(
        ["enterprise_id", "present__m1", "present__m1 AS present__c1"]
        + [f"{name}__m1, {name}__m1 AS {name}__c1" for name in values]
    )
    steps = [f"y1 AS (SELECT {first} FROM ({month(1)}) AS m)"]
    for k in MONTHS[1:]:
        was = k - 1
        cols = ["COALESCE(y.enterprise_id, m.enterprise_id) AS enterprise_id"]
        cols += [f"y.{col}" for col in kept]
        cols += [
            f"m.present__m{k}",
            f"COALESCE(y.present__c{was}, FALSE) OR COALESCE(m.present__m{k}, FALSE) "
            f"AS present__c{k}",
        ]
        for name in values:
            before, now = f"y.{name}__c{was}", f"m.{name}__m{k}"
            cols += [now, f"COALESCE({before} + {now}, {before}, {now}) AS {name}__c{k}"]
        steps.append(
            f"y{k} AS (SELECT {', '.join(cols)} FROM y{was} AS y FULL JOIN ({month(k)}) AS m "
            "ON m.enterprise_id = y.enterprise_id)"
        )
        kept += [f"present__m{k}", f"present__c{k}"]
        for name in values:
            kept += [f"{name}__m{k}", f"{name}__c{k}"]
    out = ["enterprise_id", f"{year} AS year"]
    for col in kept:
        out.append(f"COALESCE({col}, FALSE) AS {col}" if col.startswith("present__") else col)
    return f"WITH {', '.join(steps)} SELECT {', '.join(out)} FROM y{MONTHS[-1]}"


def firm_windows_sql(
    measures: Sequence[Measure],
    window: Window,
    *,
    prices: bool,
    scope: str | None = None,
    narrow: bool = False,
) -> str:
    """Per firm (in ``scope``, a SQL subquery of firm ids; None: every firm) with a report in
    this year's or last year's cumulative window: presence in each window and each measure's
    window sums, the per-firm table every figure of a period is read from. Two rows of the
    ``ytd`` cache per firm (this year's, last year's), no pass over the reports.

    ``narrow``: each year's side read from ``reports`` instead, one grouping per year
    (:func:`_year_to_month_sql`), for a reader of one period (a province's bulletin): at
    millions of firms the cache (twelve joins per year, each holding a hash table of every
    firm, and 24 columns per value) costs more than the whole bulletin and does not fit in
    memory, while one period needs 2 of its columns per value."""
    y, b, last = window.year, window.year - 1, window.last
    if window.first == window.last:
        month = f"m{last}"
    elif window.first == 1:
        month = f"c{last}"  # January-February: the month window is the year to date
    else:  # pragma: no cover - bulletin windows are one month or start in January
        raise ValueError(f"unsupported window {window}")
    cum = f"c{last}"
    wanted = [f"present__{month}", f"present__{cum}"]
    for name, _expr in _cached_values(measures):
        wanted += [f"{name}__{month}", f"{name}__{cum}"]
    in_scope = f" AND enterprise_id IN ({scope})" if scope else ""

    def side(year: int) -> str:
        source = f"({_year_to_month_sql(measures, year, last)}) AS ytd" if narrow else "ytd"
        return (
            f"(SELECT enterprise_id, {', '.join(dict.fromkeys(wanted))} FROM {source} "
            f"WHERE year = {year} AND present__{cum}{in_scope})"
        )

    cols = [
        "COALESCE(t.enterprise_id, b.enterprise_id) AS enterprise_id",
        f"COALESCE(t.present__{month}, FALSE) AS present_month",
        f"COALESCE(b.present__{month}, FALSE) AS present_month_base",
        "t.enterprise_id IS NOT NULL AS present_cum",
        "b.enterprise_id IS NOT NULL AS present_cum_base",
    ]
    for item in measures:
        k = item.key
        cols += [
            f"t.{k}__{month} AS {k}__m",
            f"b.{k}__{month} AS {k}__mb",
            f"t.{k}__{cum} AS {k}__c",
            f"b.{k}__{cum} AS {k}__cb",
        ]
        if item.deflate and prices:
            cols += [f"t.{k}__r__{month} AS {k}__mr", f"t.{k}__r__{cum} AS {k}__cr"]
    return (
        f"SELECT {', '.join(cols)} FROM {side(y)} AS t "
        f"FULL JOIN {side(b)} AS b ON b.enterprise_id = t.enterprise_id"
    )


def _year_to_month_sql(measures: Sequence[Measure], year: int, month: int) -> str:
    """The columns of the ``ytd`` cache for one month of one year, in one pass over the year's
    reports up to that month, grouped by firm: whether the firm reported in the month and up to
    it, the month's value (its one report of the month) and the year to date (SUM over the
    months, NULL while none has a value, as in the cache). One row per firm with a report up to
    the month, the rows every window reader keeps. The same integers as the cache; a deflated
    sum (a double) is summed in the engine's order instead of the calendar's, so it may differ
    in its last bits."""
    cols = [
        "r.enterprise_id",
        f"{year} AS year",
        f"bool_or(r.month = {month}) AS present__m{month}",
        f"TRUE AS present__c{month}",
    ]
    for name, expr in _cached_values(measures):
        # One report per firm and month: max is that month's value, of its own type.
        cols += [
            f"max({expr}) FILTER (WHERE r.month = {month}) AS {name}__m{month}",
            f"SUM({expr}) AS {name}__c{month}",
        ]
    return (
        f"SELECT {', '.join(cols)} FROM reports r LEFT JOIN prices p ON p.division = r.division "
        f"AND p.year = r.year AND p.month = r.month WHERE r.year = {year} "
        f"AND r.month <= {month} GROUP BY r.enterprise_id"
    )


#: Firms fall in four classes per period: with data in both years' month windows or not
#: (``both_m``), and in both cumulative windows or not (``both_c``). Summing each class apart is
#: plain sums per firm; the same-scope figures are then the sums of the right classes.
CLASSES = (
    "w.present_month AND w.present_month_base",
    "w.present_cum AND w.present_cum_base",
)


def _firm_sums(measures: Sequence[Measure], *, prices: bool) -> list[str]:
    """The sums over firms (``fw w``) of one class and group: the first of two steps."""
    cols = [f"{CLASSES[0]} AS both_m", f"{CLASSES[1]} AS both_c"]
    for item in measures:
        k = item.key
        parts = ["m", "c", "mb", "cb", *(["mr", "cr"] if item.deflate and prices else [])]
        cols += [f"SUM(w.{k}__{part}) AS {k}__{part}" for part in parts]
    cols.append("count(*) FILTER (WHERE w.present_month) AS firms_reporting")
    return cols


def _aggregates(measures: Sequence[Measure], *, prices: bool) -> list[str]:
    """Every figure of a group from its class sums (``c``, the rows of :func:`_firm_sums`):
    values, the plain bases and both same-scope sums (firms with data in both periods)."""
    cols: list[str] = []
    for item in measures:
        k = item.key
        real_m = f"c.{k}__mr" if item.deflate and prices else f"c.{k}__m"
        real_c = f"c.{k}__cr" if item.deflate and prices else f"c.{k}__c"
        cols += [
            f"SUM(c.{k}__m) AS {k}__month",
            f"SUM(c.{k}__c) AS {k}__cum",
            f"SUM(c.{k}__mb) AS {k}__month_base",
            f"SUM(c.{k}__cb) AS {k}__cum_base",
            f"SUM(CASE WHEN c.both_m THEN {real_m} END) AS {k}__month_ss",
            f"SUM(CASE WHEN c.both_m THEN c.{k}__mb END) AS {k}__month_ss_base",
            f"SUM(CASE WHEN c.both_c THEN {real_c} END) AS {k}__cum_ss",
            f"SUM(CASE WHEN c.both_c THEN c.{k}__cb END) AS {k}__cum_ss_base",
        ]
    cols.append("COALESCE(SUM(c.firms_reporting), 0) AS firms_reporting")
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
    firms: str | None = None,
    labels_sql: str | None = None,
) -> str:
    """The zone total and every group of each breakdown in one ``GROUPING SETS`` query over the
    per-firm windows ``fw`` (``firms``: the SQL of them, run inside this query; None: a table
    of that name; ``labels_sql`` likewise for ``labels_at``). Partition breakdowns come from
    ``dims`` (each firm's ``combo``, its combination of groups) and ``combos`` (``combo`` and
    one column per partition breakdown, named after it); labels overlap, so they come from
    ``labels_at`` (``enterprise_id, label``). Per measure: values, both growth rates (same
    scope; plain total to total) and the share of the scope's total. ``firms_reporting``: firms
    with a report in the month window.

    Two steps, both exact (sums of sums): the firms summed in one pass per combination of
    groups, label and class (a few thousand rows), then every breakdown rolled up from those
    sums, instead of one pass over every firm per breakdown."""
    sums = ", ".join(_firm_sums(measures, prices=prices))
    aggs = ", ".join(_aggregates(measures, prices=prices))
    by_class = f"{CLASSES[0]}, {CLASSES[1]}"
    # One pass over the firms: each firm once with no label (for the partitions) and once per
    # label it holds, summed per combination, label and class.
    members = "SELECT id AS enterprise_id, CAST(NULL AS VARCHAR) AS label FROM dims" + (
        " UNION ALL SELECT enterprise_id, label FROM labels_at WHERE label IS NOT NULL"
        if labels
        else ""
    )
    per_combo = (
        f"SELECT d.combo, l.label, {sums} FROM fw w JOIN dims d ON d.id = w.enterprise_id "
        f"JOIN ({members}) AS l ON l.enterprise_id = w.enterprise_id "
        f"GROUP BY d.combo, l.label, {by_class}"
    )
    names = [f"k.{name}" for name in partitions]
    pairs = zip(names, partitions, strict=True)
    which = " ".join(f"WHEN GROUPING({col}) = 0 THEN '{name}'" for col, name in pairs)
    value = " ".join(f"WHEN GROUPING({col}) = 0 THEN {col}" for col in names)
    breakdown = f"CASE {which} ELSE 'total' END" if partitions else "'total'"
    grp = f"CASE {value} ELSE 'total' END" if partitions else "'total'"
    sets = ", ".join(["()", *(f"({col})" for col in names)])
    inner = (
        f"SELECT {breakdown} AS breakdown, {grp} AS grp, {aggs} FROM s AS c "
        f"JOIN combos k ON k.combo = c.combo WHERE c.label IS NULL GROUP BY GROUPING SETS ({sets})"
    )
    if labels:
        inner += (
            f" UNION ALL SELECT 'label', c.label, {aggs} FROM s AS c "
            "WHERE c.label IS NOT NULL GROUP BY c.label"
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
    sources = [f"fw AS ({firms})"] if firms else []
    sources += [f"labels_at AS ({labels_sql})"] if labels_sql and labels else []
    sources.append(f"s AS ({per_combo})")
    return (
        f"WITH {', '.join(sources)}, g AS ({inner}), "
        f"t AS (SELECT {total} FROM g WHERE breakdown = 'total') "
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
