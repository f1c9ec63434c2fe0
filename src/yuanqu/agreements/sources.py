"""Where the assessment's actuals come from: the statistics (monthly firm reports) and the key
projects (monthly investment, stage dates). Every read of those domains' tables is here, in one
place, so it can follow their public faces (``stats.firms``, ``projects.stages`` on main)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from yuanqu.projects.models import MonthlyInvestment, ProjectStageDate
from yuanqu.stats.models import MonthlyReport


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


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
            MonthlyReport.period <= _month(by),
            MonthlyReport.employees.is_not(None),
        )
        .order_by(MonthlyReport.period.desc())
        .limit(1)
    )


def investment_to(session: Session, project_id: int, by: date) -> int | None:
    """The project's investment (fen) in the months up to ``by``; None if none was reported."""
    total, months = session.execute(
        select(func.sum(MonthlyInvestment.actual_fen), func.count()).where(
            MonthlyInvestment.project_id == project_id,
            MonthlyInvestment.period <= _month(by),
        )
    ).one()
    return int(total) if months else None


def stage_date(session: Session, project_id: int | None, stage: str | None) -> date | None:
    """The day the project actually reached ``stage`` (None: not yet)."""
    if project_id is None or stage is None:
        return None
    return session.scalar(
        select(ProjectStageDate.actual_on).where(
            ProjectStageDate.project_id == project_id, ProjectStageDate.stage == stage
        )
    )
