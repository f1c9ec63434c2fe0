"""One firm's statistics: its months with growth, its yearly totals, its statistical size class, and
the firms whose reports are missing. The zone's figures (bulletin, drill-downs, rankings, trends)
are :mod:`yuanqu.stats.service`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import pyarrow as pa
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from yuanqu.core.errors import NotFound, ValidationError
from yuanqu.core.periods import Period
from yuanqu.core.size_class import size_class
from yuanqu.registry.firms import Enterprise, EnterpriseLabel, Label
from yuanqu.registry.service import get_enterprise, label_active
from yuanqu.stats.models import MonthlyReport
from yuanqu.stats.schemas import (
    MissingReport,
    MonthlyFigures,
    SizeClass,
)

_CHUNK = 500

# --- one firm ------------------------------------------------------------------------------------


def _yoy(current: int | None, base: int | None) -> float | None:
    if current is None or not base or base <= 0:
        return None
    return (current / base - 1) * 100


#: Monthly-report money columns that :func:`annual_totals` may sum.
SUMMABLE = (
    "gross_output",
    "value_added",
    "revenue",
    "profit",
    "tax",
    "rd_expense",
    "fixed_asset_investment",
)


def annual_totals_sql(
    *, years: Sequence[int], measures: Sequence[str], enterprise_ids: Sequence[int] | None = None
) -> str:
    """The query of :func:`annual_totals` as plain SQL (SQLite and PostgreSQL), for a columnar
    read through ADBC: columns ``firm_id, year``, the measures in fen and ``employees``, all
    integers; each text-free, so no driver has a type to guess from NULLs."""
    unknown = [m for m in measures if m not in SUMMABLE]
    if unknown:
        raise ValidationError(
            f"未知的统计指标：{'、'.join(unknown)}（可汇总：{'、'.join(SUMMABLE)}）",
            f"unknown measures: {', '.join(unknown)} (summable: {', '.join(SUMMABLE)})",
            details={"measures": unknown},
        )
    wanted = sorted({int(y) for y in years})
    # substr() rather than a range on the period: a year's rows are scattered over the table,
    # and one scan is faster than walking the period index (see stats.frames).
    year_in = ", ".join(f"'{y:04d}'" for y in wanted) or "''"
    where = f"substr(period, 1, 4) IN ({year_in})"
    if enterprise_ids is not None:
        where += f" AND enterprise_id IN ({', '.join(str(int(i)) for i in enterprise_ids) or '-1'})"
    year = "CAST(substr(period, 1, 4) AS INTEGER)"
    # CAST: PostgreSQL sums BIGINT as NUMERIC; SUM of no value is NULL (missing, never zero).
    sums = "".join(f", CAST(sum({m}_fen) AS BIGINT) AS {m}" for m in measures)
    december = "CAST(max(CASE WHEN substr(period, 6, 2) = '12' THEN employees END) AS BIGINT)"
    return (
        f"SELECT CAST(enterprise_id AS BIGINT) AS firm_id, {year} AS year{sums}, "
        f"{december} AS employees FROM monthly_reports WHERE {where} "
        f"GROUP BY enterprise_id, {year}"
    )


def annual_totals_schema(measures: Sequence[str]) -> pa.Schema:
    """The columns of :func:`annual_totals` (every one a 64-bit integer)."""
    return pa.schema([(n, pa.int64()) for n in ("firm_id", "year", *measures, "employees")])


def annual_totals(
    session: Session,
    *,
    years: Sequence[int],
    measures: Sequence[str],
    enterprise_ids: Sequence[int] | None = None,
) -> pa.Table:
    """Per firm and calendar year: each measure summed over the year's monthly reports (fen), and
    the December headcount (``employees``). One row per firm and year with at least one report;
    a measure no report of the year gives stays NULL (missing, never zero). Runs in the caller's
    session, so it sees the unit of work's own uncommitted reports."""
    sql = annual_totals_sql(years=years, measures=measures, enterprise_ids=enterprise_ids)
    schema = annual_totals_schema(measures)
    if not years:
        return schema.empty_table()
    rows = session.connection().exec_driver_sql(sql).all()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    return pa.table(
        [pa.array(c, type=f.type) for c, f in zip(columns, schema, strict=True)], schema=schema
    )


YEARLY_MEASURES = ("gross_output", "value_added", "revenue", "tax", "rd_expense")


def yearly_figures(session: Session, *, year: int) -> pa.Table:
    """Per firm with reports in ``year``: each of :data:`YEARLY_MEASURES` summed over its monthly
    reports (fen; NULL when no report gives it), and its headcount as the sum and number of the
    months that report one (their quotient is the year's average employees)."""
    sums = "".join(f", CAST(sum({m}_fen) AS BIGINT) AS {m}" for m in YEARLY_MEASURES)
    sql = (
        f"SELECT CAST(enterprise_id AS BIGINT) AS firm_id{sums}, "
        "CAST(sum(employees) AS BIGINT) AS employees_sum, "
        "CAST(count(employees) AS BIGINT) AS employees_months "
        f"FROM monthly_reports WHERE substr(period, 1, 4) = '{int(year):04d}' "
        "GROUP BY enterprise_id"
    )
    names = ("firm_id", *YEARLY_MEASURES, "employees_sum", "employees_months")
    schema = pa.schema([(n, pa.int64()) for n in names])
    rows = session.connection().exec_driver_sql(sql).all()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    return pa.table(
        [pa.array(c, type=f.type) for c, f in zip(columns, schema, strict=True)], schema=schema
    )


def firm_statistics(session: Session, *, uscc: str) -> list[MonthlyFigures]:
    """A firm's own monthly reports, oldest first, each with its growth on the same month of
    the previous year (the statistics tab of the enterprise profile)."""
    firm = get_enterprise(session, uscc=uscc)
    reports = list(
        session.scalars(
            select(MonthlyReport)
            .where(MonthlyReport.enterprise_id == firm.id)
            .order_by(MonthlyReport.period)
        )
    )
    by_period = {r.period: r for r in reports}
    out: list[MonthlyFigures] = []
    for r in reports:
        base = by_period.get(str(Period.parse(r.period).same_period_last_year()))
        out.append(
            MonthlyFigures(
                period=r.period,
                gross_output_fen=r.gross_output_fen,
                value_added_fen=r.value_added_fen,
                revenue_fen=r.revenue_fen,
                profit_fen=r.profit_fen,
                tax_fen=r.tax_fen,
                rd_expense_fen=r.rd_expense_fen,
                fixed_asset_investment_fen=r.fixed_asset_investment_fen,
                employees=r.employees,
                gross_output_yoy_pct=_yoy(r.gross_output_fen, base and base.gross_output_fen),
                revenue_yoy_pct=_yoy(r.revenue_fen, base and base.revenue_fen),
            )
        )
    return out


def size_class_of(session: Session, *, enterprise_id: int, as_of: date | None = None) -> SizeClass:
    """A firm's statistical size class from its reports: revenue of the latest year reported on
    or before ``as_of`` (annualised when fewer than 12 months were reported) and its average
    headcount, classified by 统计上大中小微型企业划分办法(2017)."""
    as_of = as_of or date.today()
    firm = session.get(Enterprise, enterprise_id)
    if firm is None:
        raise NotFound("没有该企业", "no such enterprise", details={"id": enterprise_id})
    year_col = func.substr(MonthlyReport.period, 1, 4)
    latest = session.scalar(
        select(func.max(year_col)).where(
            MonthlyReport.enterprise_id == enterprise_id,
            MonthlyReport.period <= f"{as_of.year:04d}-{as_of.month:02d}",
        )
    )
    if latest is None:
        return SizeClass(
            size_class=None, year=None, months_reported=0, revenue_fen=None, employees=None
        )
    months, revenue, revenue_months, heads, head_months = session.execute(
        select(
            func.count(MonthlyReport.id),
            func.sum(MonthlyReport.revenue_fen),
            func.count(MonthlyReport.revenue_fen),
            func.sum(MonthlyReport.employees),
            func.count(MonthlyReport.employees),
        ).where(MonthlyReport.enterprise_id == enterprise_id, year_col == latest)
    ).one()
    annual = revenue * 12 // revenue_months if revenue_months else None
    average = heads / head_months if head_months else None
    size = size_class(
        firm.industry_code,
        employees=None if average is None else round(average),
        revenue_yuan=None if annual is None else annual // 100,
    )
    return SizeClass(
        size_class=size,
        year=int(latest),
        months_reported=months,
        revenue_fen=annual,
        employees=average,
    )


def missing_reports(session: Session, *, period: str | Period) -> list[MissingReport]:
    """Firms expected to report for ``period`` that have not: firms that reported in any of
    the three months before, and above-scale firms (label held at the period end)."""
    p = Period.parse(period)
    recent = [str(p - k) for k in (1, 2, 3)]
    reported_recently = exists().where(
        MonthlyReport.enterprise_id == Enterprise.id, MonthlyReport.period.in_(recent)
    )
    above_scale = exists().where(
        EnterpriseLabel.enterprise_id == Enterprise.id,
        EnterpriseLabel.label == Label.above_scale,
        label_active(p.last_day),
    )
    reported = exists().where(
        MonthlyReport.enterprise_id == Enterprise.id, MonthlyReport.period == str(p)
    )
    last_period = (
        select(MonthlyReport.period)
        .where(MonthlyReport.enterprise_id == Enterprise.id, MonthlyReport.period < str(p))
        .order_by(MonthlyReport.period.desc())
        .limit(1)
        .scalar_subquery()
    )
    stmt = (
        select(Enterprise.uscc, Enterprise.name, last_period)
        .where(reported_recently | above_scale, ~reported)
        .order_by(Enterprise.uscc)
    )
    return [MissingReport(uscc=u, name=n, last_period=lp) for u, n, lp in session.execute(stmt)]


def annual_tax_output(
    session: Session, enterprise_ids: Iterable[int], year: int
) -> dict[int, tuple[int | None, int | None]]:
    """Per firm: the year's tax and gross output (fen) from its monthly reports."""
    ids = sorted(set(enterprise_ids))
    found: dict[int, tuple[int | None, int | None]] = {}
    for start in range(0, len(ids), _CHUNK):
        stmt = (
            select(
                MonthlyReport.enterprise_id,
                func.sum(MonthlyReport.tax_fen),
                func.sum(MonthlyReport.gross_output_fen),
            )
            .where(
                MonthlyReport.enterprise_id.in_(ids[start : start + _CHUNK]),
                MonthlyReport.period.like(f"{year:04d}-%"),
            )
            .group_by(MonthlyReport.enterprise_id)
        )
        for firm, tax, output in session.execute(stmt):
            found[firm] = (
                None if tax is None else int(tax),
                None if output is None else int(output),
            )
    return found


def latest_complete_year(session: Session) -> int | None:
    """The latest year whose December the firms reported."""
    last = session.scalar(
        select(func.max(MonthlyReport.period)).where(MonthlyReport.period.like("%-12"))
    )
    return int(last[:4]) if last else None


def year_flows(session: Session, pairs: set[tuple[int, int]]) -> dict[tuple[int, int], dict]:
    """Per (firm, year): the year's tax, output, revenue and R&D sums (fen) and whether its
    December was reported (a year without December is not complete)."""
    out: dict[tuple[int, int], dict[str, Any]] = {}
    if not pairs:
        return out
    firms = sorted({f for f, _y in pairs})
    years = sorted({y for _f, y in pairs})
    year = func.substr(MonthlyReport.period, 1, 4)
    for start in range(0, len(firms), 500):
        stmt = (
            select(
                MonthlyReport.enterprise_id,
                year,
                func.sum(MonthlyReport.tax_fen),
                func.sum(MonthlyReport.gross_output_fen),
                func.sum(MonthlyReport.revenue_fen),
                func.sum(MonthlyReport.rd_expense_fen),
                func.max(MonthlyReport.period),
            )
            .where(
                MonthlyReport.enterprise_id.in_(firms[start : start + 500]),
                or_(*(MonthlyReport.period.like(f"{y}-%") for y in years)),
            )
            .group_by(MonthlyReport.enterprise_id, year)
        )
        for firm, y, tax, output, revenue, rd, last in session.execute(stmt):
            out[(firm, int(y))] = {
                "tax": None if tax is None else int(tax),
                "output": None if output is None else int(output),
                "revenue": None if revenue is None else int(revenue),
                "rd": None if rd is None else int(rd),
                "complete": last == f"{y}-12",
            }
    return out


def latest_employees(session: Session, *, enterprise_id: int, by: date) -> int | None:
    """Headcount of the latest monthly report up to ``by``."""
    return session.scalar(
        select(MonthlyReport.employees)
        .where(
            MonthlyReport.enterprise_id == enterprise_id,
            MonthlyReport.period <= f"{by.year:04d}-{by.month:02d}",
            MonthlyReport.employees.is_not(None),
        )
        .order_by(MonthlyReport.period.desc())
        .limit(1)
    )
