"""Reading an evaluation's results: a page of them, a firm's own, the objections raised, and what
would raise a firm's grade."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuanqu.mu.method import Method
from yuanqu.mu.models import EvaluationStatus, MuEvaluation, MuObjection, MuResult
from yuanqu.registry import firms


@dataclass(frozen=True)
class ResultRow:
    uscc: str
    name: str
    industry_code: str | None
    sub_area: str | None
    task_force: str | None
    group_id: str | None
    total: float | None
    rank: int | None
    of: int | None
    grade: str | None
    exempt_reason: str | None
    indicators: dict[str, dict[str, Any]]
    inputs: dict[str, str | None]


def _row(result: MuResult, firm: Any) -> ResultRow:
    return ResultRow(
        uscc=firm.uscc,
        name=firm.name,
        industry_code=firm.industry_code,
        sub_area=firm.sub_area,
        task_force=firm.task_force,
        group_id=result.group_id,
        total=None if result.total_micro is None else result.total_micro / 10**6,
        rank=result.rank,
        of=result.of,
        grade=result.grade,
        exempt_reason=result.exempt_reason,
        indicators=json.loads(result.indicators),
        inputs=json.loads(result.inputs),
    )


def results_query(ev: MuEvaluation, *, grade_: str | None = None, group: str | None = None,
                  task_forces: frozenset[str] | None = None, uscc: str | None = None):  # fmt: skip
    """The select of an evaluation's results with their firms, filtered (not yet paged)."""
    stmt = (
        select(MuResult, firms.Enterprise)
        .join(firms.Enterprise, firms.Enterprise.id == MuResult.enterprise_id)
        .where(MuResult.evaluation_id == ev.id)
    )
    if grade_:
        stmt = stmt.where(MuResult.grade == grade_)
    if group:
        stmt = stmt.where(MuResult.group_id == group)
    if task_forces is not None:
        stmt = stmt.where(firms.Enterprise.task_force.in_(sorted(task_forces)))
    if uscc:
        stmt = stmt.where(firms.Enterprise.uscc == firms.normalise_code(uscc))
    return stmt


def list_results(
    session: Session,
    ev: MuEvaluation,
    *,
    grade_: str | None = None,
    group: str | None = None,
    task_forces: frozenset[str] | None = None,
    uscc: str | None = None,
    page: int = 1,
    page_size: int | None = 50,
) -> tuple[int, list[ResultRow]]:
    """(the true total, one page of rows) ordered by group, rank, then credit code."""
    stmt = results_query(ev, grade_=grade_, group=group, task_forces=task_forces, uscc=uscc)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    stmt = stmt.order_by(
        MuResult.group_id.is_(None), MuResult.group_id, MuResult.rank.is_(None), MuResult.rank,
        firms.Enterprise.uscc,
    )  # fmt: skip
    if page_size is not None:
        stmt = stmt.offset((max(page, 1) - 1) * page_size).limit(page_size)
    return total, [_row(r, f) for r, f in session.execute(stmt)]


def firm_result(session: Session, *, uscc: str, year: int | None = None) -> ResultRow | None:
    """A firm's latest result (or of ``year``) in a published or noticed evaluation."""
    firm = firms.get_enterprise(session, uscc=uscc)
    stmt = (
        select(MuResult, MuEvaluation)
        .join(MuEvaluation, MuEvaluation.id == MuResult.evaluation_id)
        .where(
            MuResult.enterprise_id == firm.id,
            MuEvaluation.status.in_((EvaluationStatus.notice, EvaluationStatus.final)),
        )
        .order_by(MuEvaluation.year.desc())
    )
    if year is not None:
        stmt = stmt.where(MuEvaluation.year == year)
    found = session.execute(stmt.limit(1)).first()
    return None if found is None else _row(found[0], firm)


def objections(session: Session, ev: MuEvaluation) -> list[MuObjection]:
    return list(
        session.scalars(
            select(MuObjection).where(MuObjection.evaluation_id == ev.id).order_by(MuObjection.id)
        )
    )


@dataclass(frozen=True)
class Outlook:
    """What would raise a firm's grade: the points to the next better grade's last total in its
    group, and its weakest indicator (the lowest share of its weight)."""

    better_grade: str | None
    points_needed: float | None
    weakest: str | None
    weakest_score: float | None
    weakest_weight: float | None


def outlook(session: Session, *, ev: MuEvaluation, row: ResultRow, method: Method) -> Outlook:
    if row.grade is None or row.group_id is None or row.total is None:
        return Outlook(None, None, None, None, None)
    letters = [g.grade for g in method.grades]
    better = letters[letters.index(row.grade) - 1] if letters.index(row.grade) > 0 else None
    needed = None
    if better is not None:
        floor = session.scalar(
            select(func.min(MuResult.total_micro)).where(
                MuResult.evaluation_id == ev.id,
                MuResult.group_id == row.group_id,
                MuResult.grade == better,
            )
        )
        if floor is not None:
            needed = max(floor / 10**6 - row.total, 0.0)
    group = next(g for g in method.groups if g.id == row.group_id)
    shares = [
        (float(row.indicators[i.id]["score"] or 0) / float(i.weight), i)
        for i in group.indicators
        if i.id in row.indicators and i.weight > 0
    ]
    _share, weakest = min(shares, key=lambda s: s[0]) if shares else (None, None)
    return Outlook(
        better_grade=better,
        points_needed=needed,
        weakest=weakest.id if weakest else None,
        weakest_score=None if weakest is None else float(row.indicators[weakest.id]["score"] or 0),
        weakest_weight=None if weakest is None else float(weakest.weight),
    )


def latest_published_grades(session: Session, *, up_to_year: int) -> tuple[int | None, dict]:
    """(the year, firm id -> grade) of the latest published (final) grading of a year not after
    ``up_to_year``; the default method's where several methods graded that year. (None, {}) when
    none is published: what land and space matching ranks class A and B firms by."""
    found = session.execute(
        select(MuEvaluation.id, MuEvaluation.year)
        .where(MuEvaluation.status == EvaluationStatus.final, MuEvaluation.year <= up_to_year)
        .order_by(MuEvaluation.year.desc(), (MuEvaluation.method_id == "default").desc())
        .limit(1)
    ).first()
    if found is None:
        return None, {}
    grades = session.execute(
        select(MuResult.enterprise_id, MuResult.grade).where(
            MuResult.evaluation_id == found.id, MuResult.grade.is_not(None)
        )
    )
    return found.year, {firm: grade for firm, grade in grades}
