"""Statistics verbs: the bulletin, its drill-downs, rankings, trends and treemaps (on the
columnar engine), a firm's own figures and size class, and the reports still missing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Literal

import pyarrow as pa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuanqu.analytics.choice import DUCKDB, EngineChoice
from yuanqu.analytics.engine import LoadedData
from yuanqu.core.errors import ValidationError
from yuanqu.core.industry import industry_catalog
from yuanqu.core.periods import Period, bulletin_label, bulletin_months
from yuanqu.registry.firms import LABEL_NAMES
from yuanqu.stats.frames import (
    BULLETIN_BREAKDOWNS,
    MEASURES,
    OTHER,
    PARTITIONS,
    Scope,
    check_breakdowns,
    indicator_list,
    labels_at_sql,
    lit,
    measures_for,
    snapshot,
)
from yuanqu.stats.indicators import get_indicator
from yuanqu.stats.models import MonthlyReport
from yuanqu.stats.schemas import (
    Bulletin,
    BulletinRow,
    FirmFigures,
    TreeNode,
    TrendPoint,
)
from yuanqu.stats.windows import Window, firm_windows_sql, firms_sql, grouped_sql


def _num(value: Any) -> int | float | None:
    """Engine numbers as Python numbers: exact sums stay ints."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def bulletin_window(period: Period) -> Window:
    """The bulletin's windows; there is no January bulletin (it is merged into February)."""
    months = bulletin_months(period)
    return Window(period.year, months[0].month, period.month)


def _has_prices(data: LoadedData, window: Window) -> bool:
    def count() -> bool:
        found = data.query(
            f"SELECT count(*) AS n FROM prices WHERE year = {window.year} "
            f"AND month <= {window.last}"
        )
        return bool(found.column("n")[0].as_py())

    return data.memoised(("prices", window.year, window.last), count)


def _labels_at(data: LoadedData, as_of: date) -> pa.Table:
    return data.memoised(("labels_at", as_of), lambda: data.query(labels_at_sql(as_of)))


def _firm_windows(data: LoadedData, p: Period, scope: Scope) -> tuple[pa.Table, bool]:
    """The per-firm pre-aggregate of a period and scope (every measure), computed once per
    snapshot: the bulletin, its drill-downs and the rankings of the period all read it."""
    window = bulletin_window(p)

    def compute() -> tuple[pa.Table, bool]:
        prices = _has_prices(data, window)
        sql = firm_windows_sql(MEASURES, window, prices=prices, scope=scope.firm_ids(p.last_day))
        return data.query(sql), prices

    return data.memoised(("fw", str(p), str(scope)), compute, large=True)


def group_names(data: LoadedData, lang: str = "zh") -> dict[tuple[str, str], str]:
    """Display names of the groups that are codes (task forces, industries, labels)."""
    en = lang == "en"
    names: dict[tuple[str, str], str] = {}
    for row in data.query("SELECT code, name_zh, name_en FROM task_forces").to_pylist():
        name = row["name_en"] if en else row["name_zh"]
        names[("task_force", row["code"])] = names[("leading_industry", row["code"])] = name
    for label, (zh, english) in LABEL_NAMES.items():
        names[("label", str(label))] = english if en else zh
    return names


def _group_name(by: str, group: str, names: dict[tuple[str, str], str], lang: str) -> str:
    if by == "total":
        return "全园区" if lang != "en" else "zone total"
    if group == OTHER:
        return "其他" if lang != "en" else "other"
    if by in ("section", "division", "industry_class"):
        item = industry_catalog().find(group)
        return item.label(lang) if item else group
    return names.get((by, group), group)


def bulletin(
    session: Session,
    *,
    period: str | Period,
    scope: str = "all",
    by: Sequence[str] = BULLETIN_BREAKDOWNS,
    indicators: Sequence[str] | None = None,
    reference: str | None = None,
    lang: str = "zh",
    engine: EngineChoice = DUCKDB,
) -> Bulletin:
    """The monthly bulletin (统计月报): every indicator for the zone and each group of each
    breakdown: month and cumulative values, same-scope growth, plain change and shares."""
    p = Period.parse(period)
    window = bulletin_window(p)
    parsed_scope = Scope.parse(scope)
    breakdowns = check_breakdowns(by)
    chosen = indicator_list(indicators)
    data = snapshot(session, years=(p.year - 1, p.year), engine=engine)
    key = ("bulletin", str(p), str(parsed_scope), tuple(breakdowns), tuple(i.key for i in chosen))

    def compute() -> tuple[list[dict[str, Any]], bool, int]:
        prices = _has_prices(data, window)
        # The period's per-firm windows are read inside the one query: from the snapshot's
        # year-to-date cache, which serves a zone's many pages; on Spark (a province's run, one
        # bulletin per process) from the reports, one grouping per year, building no cache.
        measures = measures_for(chosen)
        firms = firm_windows_sql(
            measures,
            window,
            prices=prices,
            scope=parsed_scope.firm_ids(p.last_day),
            narrow=engine.is_spark,
        )
        sql = grouped_sql(
            measures,
            window,
            prices=prices,
            partitions=[b for b in breakdowns if b in PARTITIONS],
            labels="label" in breakdowns,
            firms=firms,
            labels_sql=labels_at_sql(p.last_day),
        )
        grouped = data.query(sql)
        rows = grouped.to_pylist()
        return rows, prices, rows[0]["firms_reporting"]

    rows, prices, reporting = data.memoised(key, compute)
    references = data.query(
        f"SELECT region, indicator, cumulative_fen FROM reference WHERE period = {lit(str(p))} "
        "ORDER BY region"
    ).to_pylist()
    regions = sorted({r["region"] for r in references})
    region = reference or (regions[0] if regions else None)
    ref_totals = {r["indicator"]: r["cumulative_fen"] for r in references if r["region"] == region}
    names = group_names(data, lang)
    out: list[BulletinRow] = []
    for indicator in chosen:
        k = indicator.key
        for row in rows:
            by, group = row["breakdown"], row["grp"]
            cumulative = _num(row[f"{k}__cum"])
            ref = ref_totals.get(k)
            out.append(
                BulletinRow(
                    indicator=k,
                    indicator_name=indicator.name(lang),
                    unit=indicator.unit,
                    by=by,
                    group=group,
                    group_name=_group_name(by, group, names, lang),
                    month=_num(row[f"{k}__month"]),
                    cumulative=cumulative,
                    month_yoy_pct=row[f"{k}__month_yoy"],
                    cumulative_yoy_pct=row[f"{k}__cum_yoy"],
                    month_change_pct=row[f"{k}__month_change"],
                    cumulative_change_pct=row[f"{k}__cum_change"],
                    share_of_zone_pct=row[f"{k}__share"],
                    share_of_reference_pct=(
                        cumulative * 100.0 / ref
                        if by == "total" and ref and cumulative is not None
                        else None
                    ),
                )
            )
    return Bulletin(
        period=str(p),
        scope=str(parsed_scope),
        label=bulletin_label(p, "en" if lang == "en" else "zh"),
        cumulative_label=bulletin_label(p, "en" if lang == "en" else "zh", cumulative=True),
        price_basis="comparable" if prices else "nominal",
        reference_region=region if ref_totals else None,
        firms_reporting=reporting,
        rows=out,
    )


def latest_period(session: Session) -> str | None:
    """The most recent month any firm reported (``2023-12``), or None before any report."""
    return session.scalar(select(func.max(MonthlyReport.period)))


def group_figures(
    session: Session,
    *,
    period: str | Period,
    groups: pa.Table,
    indicators: Sequence[str] = ("gross_output", "value_added"),
) -> list[BulletinRow]:
    """The bulletin's figures for groups the caller defines (``groups``: ``enterprise_id``
    int64, ``group`` string; a firm may sit in several groups, as it may hold several labels):
    per group and indicator the cumulative value and the same-scope growth, computed exactly as
    the bulletin's label rows are. Other domains (industry chains) group firms this way without
    reading the statistics tables. Groups with no reporting firm are absent from the result."""
    p = Period.parse(period)
    window = bulletin_window(p)
    chosen = indicator_list(list(indicators))
    if set(groups.column_names) != {"enterprise_id", "group"}:
        raise ValidationError(
            "分组表须有 enterprise_id 与 group 两列",
            "groups must have the columns enterprise_id and group",
            details={"columns": groups.column_names},
        )
    data = snapshot(session, years=(p.year - 1, p.year))
    fw, prices = _firm_windows(data, p, Scope.parse("all"))
    members = groups.select(["enterprise_id", "group"]).rename_columns(["enterprise_id", "label"])
    sql = grouped_sql(measures_for(chosen), window, prices=prices, partitions=[], labels=True)
    rows = data.query(sql, tables={"fw": fw, "labels_at": members}).to_pylist()
    out: list[BulletinRow] = []
    for indicator in chosen:
        k = indicator.key
        for row in rows:
            if row["breakdown"] != "label":
                continue
            out.append(
                BulletinRow(
                    indicator=k,
                    indicator_name=indicator.name("zh"),
                    unit=indicator.unit,
                    by="group",
                    group=row["grp"],
                    group_name=row["grp"],
                    month=_num(row[f"{k}__month"]),
                    cumulative=_num(row[f"{k}__cum"]),
                    month_yoy_pct=row[f"{k}__month_yoy"],
                    cumulative_yoy_pct=row[f"{k}__cum_yoy"],
                    month_change_pct=row[f"{k}__month_change"],
                    cumulative_change_pct=row[f"{k}__cum_change"],
                    share_of_zone_pct=row[f"{k}__share"],
                    share_of_reference_pct=None,
                )
            )
    return out


def _firm_rows(
    session: Session,
    *,
    period: str | Period,
    scope: str,
    indicator: str,
    where: str,
    breakdowns: Sequence[str],
    order: str,
    limit: int | None,
) -> list[FirmFigures]:
    p = Period.parse(period)
    window = bulletin_window(p)
    chosen = [get_indicator(indicator)]
    measures = measures_for(chosen)
    data = snapshot(session, years=(p.year - 1, p.year))
    key = ("firms", str(p), scope, indicator, where, tuple(breakdowns), order, limit)
    k = chosen[0].key

    def compute() -> list[dict[str, Any]]:
        fw, prices = _firm_windows(data, p, Scope.parse(scope))
        inner = firms_sql(measures, window, prices=prices, where=where)
        limit_sql = f" LIMIT {int(limit)}" if limit else ""
        result = data.query(
            f"WITH x AS ({inner}) SELECT f.uscc, f.name, f.industry_code, x.*, "
            f"x.{k}__cum * 100.0 / NULLIF(SUM(x.{k}__cum) OVER (), 0) AS share "
            f"FROM x JOIN firms f ON f.id = x.enterprise_id "
            f"ORDER BY {order} NULLS LAST, f.uscc{limit_sql}",
            tables={"fw": fw, "labels_at": _labels_at(data, p.last_day)},
        )
        return result.to_pylist()

    return [
        FirmFigures(
            uscc=r["uscc"],
            name=r["name"],
            industry_code=r["industry_code"],
            month=_num(r[f"{k}__month"]),
            cumulative=_num(r[f"{k}__cum"]),
            month_yoy_pct=r[f"{k}__month_yoy"],
            cumulative_yoy_pct=r[f"{k}__cum_yoy"],
            share_pct=r["share"],
        )
        for r in data.memoised(key, compute)
    ]


def drill_down(
    session: Session,
    *,
    period: str | Period,
    by: str,
    group: str,
    indicator: str = "gross_output",
    scope: str = "all",
    limit: int | None = None,
) -> list[FirmFigures]:
    """The firms behind one group of a breakdown (``by="total"``: the whole scope), largest
    cumulative value first; their shares are of the group's total."""
    if by == "total":
        return _firm_rows(
            session,
            period=period,
            scope=scope,
            indicator=indicator,
            where="TRUE",
            breakdowns=[],
            order=f"{indicator}__cum DESC",
            limit=limit,
        )
    check_breakdowns([by])
    return _firm_rows(
        session,
        period=period,
        scope=scope,
        indicator=get_indicator(indicator).key,
        where=(
            f"w.enterprise_id IN (SELECT enterprise_id FROM labels_at WHERE label = {lit(group)})"
            if by == "label"
            else f"d.{by} = {lit(group)}"
        ),
        breakdowns=[by],
        order=f"{indicator}__cum DESC",
        limit=limit,
    )


def ranking(
    session: Session,
    *,
    period: str | Period,
    indicator: str = "gross_output",
    order_by: Literal["value", "growth"] = "value",
    scope: str = "all",
    limit: int = 20,
) -> list[FirmFigures]:
    """Top firms by cumulative value or by cumulative growth (same firm, last year = base)."""
    key = get_indicator(indicator).key
    if order_by not in ("value", "growth"):
        raise ValidationError(
            "排序应为 value 或 growth",
            "order_by must be value or growth",
            details={"order_by": order_by},
        )
    column = f"{key}__cum" if order_by == "value" else f"{key}__cum_yoy"
    return _firm_rows(
        session,
        period=period,
        scope=scope,
        indicator=key,
        where="TRUE",
        breakdowns=[],
        order=f"{column} DESC",
        limit=limit,
    )


def trend(
    session: Session,
    *,
    indicator: str = "gross_output",
    start: str | Period,
    end: str | Period,
    scope: str = "all",
    lang: str = "zh",
) -> list[TrendPoint]:
    """The bulletin month's value and its year-on-year growth for every bulletin period from
    ``start`` to ``end`` (January is merged into February). Scope labels are judged at ``end``."""
    first, last = Period.parse(start), Period.parse(end)
    item = get_indicator(indicator)
    (measure,) = measures_for([item])
    data = snapshot(session, years=range(first.year - 1, last.year + 1))
    prices = bool(data.query("SELECT count(*) AS n FROM prices").column("n")[0].as_py())
    value = measure.sql
    real = f"{value} * 100.0 / COALESCE(p.price_index, 100.0)" if item.deflate and prices else value
    join = (
        "LEFT JOIN prices p ON p.division = r.division AND p.year = r.year AND p.month = r.month"
        if item.deflate and prices
        else ""
    )
    bucket = "CASE WHEN r.month = 1 AND r.year >= 2013 THEN 2 ELSE r.month END"
    lo, hi = Period(first.year - 1, 1).index, last.index
    months_in = "CASE WHEN c.bm = 2 AND c.year >= 2013 THEN 2 ELSE 1 END"
    scale = f" * 1.0 / {months_in}" if item.kind == "stock" else ""
    key = ("trend", item.key, str(first), str(last), scope)

    ids = Scope.parse(scope).firm_ids(last.last_day)
    in_scope = f"AND r.enterprise_id IN ({ids}) " if ids else ""

    def compute() -> list[dict[str, Any]]:
        result = data.query(
            f"WITH f AS (SELECT r.enterprise_id, r.year, {bucket} AS bm, SUM({value}) AS v, "
            f"SUM({real}) AS v_real FROM reports r {join} "
            f"WHERE r.year * 12 + r.month - 1 BETWEEN {lo} AND {hi} "
            f"{in_scope}GROUP BY ALL), "
            "j AS (SELECT c.year, c.bm, c.v, c.v_real, b.v AS base, "
            "b.enterprise_id IS NOT NULL AS both_years FROM f c LEFT JOIN f b "
            "ON b.enterprise_id = c.enterprise_id AND b.year = c.year - 1 AND b.bm = c.bm) "
            f"SELECT year, bm, SUM(v){scale} AS total, "
            "SUM(CASE WHEN both_years THEN v_real END) AS cur_ss, "
            "SUM(CASE WHEN both_years THEN base END) AS base_ss FROM j c "
            "GROUP BY year, bm ORDER BY year, bm"
        )
        return result.to_pylist()

    rows = data.memoised(key, compute)
    totals = {(r["year"], r["bm"]): _num(r["total"]) for r in rows}
    points: list[TrendPoint] = []
    for r in rows:
        p = Period(r["year"], r["bm"])
        if p < first or p > last:
            continue
        base_ss, cur_ss = _num(r["base_ss"]), _num(r["cur_ss"])
        total, base_total = totals[(r["year"], r["bm"])], totals.get((r["year"] - 1, r["bm"]))
        points.append(
            TrendPoint(
                period=str(p),
                label=bulletin_label(p, "en" if lang == "en" else "zh"),
                indicator=item.key,
                value=total,
                yoy_pct=(cur_ss / base_ss - 1) * 100 if base_ss and base_ss > 0 else None,
                change_pct=(
                    (total / base_total - 1) * 100
                    if base_total and base_total > 0 and total is not None
                    else None
                ),
            )
        )
    return points


def treemap(
    session: Session,
    *,
    period: str | Period,
    indicator: str = "gross_output",
    scope: str = "all",
    lang: str = "zh",
) -> TreeNode:
    """Cumulative value by industry: section > division > class, for a treemap."""
    rows = [
        r
        for r in bulletin(
            session, period=period, scope=scope, by=["industry_class"], indicators=[indicator]
        ).rows
        if r.by == "industry_class" and r.cumulative
    ]
    catalog = industry_catalog()
    root = TreeNode(code="total", name="全园区" if lang != "en" else "zone total", value=0)
    sections: dict[str, TreeNode] = {}
    divisions: dict[str, TreeNode] = {}
    for row in sorted(rows, key=lambda r: r.group):
        item = catalog.get(row.group)
        section = sections.get(item.section)
        if section is None:
            node = catalog.get(item.section)
            section = sections[item.section] = TreeNode(
                code=node.code, name=node.label(lang), value=0
            )
            root.children.append(section)
        division = divisions.get(item.division or item.code)
        if division is None:
            node = catalog.get(item.division or item.code)
            division = divisions[node.code] = TreeNode(
                code=node.code, name=node.label(lang), value=0
            )
            section.children.append(division)
        division.children.append(
            TreeNode(code=item.code, name=item.label(lang), value=row.cumulative)
        )
        for node in (root, section, division):
            node.value = (node.value or 0) + (row.cumulative or 0)
    return root


__all__ = [
    "bulletin",
    "drill_down",
    "ranking",
    "treemap",
    "trend",
]
