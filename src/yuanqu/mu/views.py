"""What the 亩均效益评价 pages and their JSON twins show: an evaluation with its benchmarks and
grade counts, a page of results, the distribution by industry, sub-area and task force, the class D
list with each firm's weakest indicator, the zone's yield per 亩 over the years, and one firm's
result with what would raise it. Names in the reader's language, values in display units."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuanqu.core.industry import industry_catalog
from yuanqu.mu import results
from yuanqu.mu.method import INPUTS_MISSING, Method, method_for
from yuanqu.mu.models import STATUS_NAMES, EvaluationStatus, MuEvaluation, MuResult
from yuanqu.mu.schemas import (
    BenchmarkRead,
    EvaluationRead,
    FirmResult,
    FirmView,
    GradeCount,
    IndicatorResult,
    Outlook,
    ResultPage,
)
from yuanqu.registry import firms
from yuanqu.web import charts

GRADES = ("A", "B", "C", "D")


def method_of(ev: MuEvaluation) -> Method:
    return method_for(ev.method_from, ev.method_id)


def status_name(status: str, lang: str) -> str:
    return STATUS_NAMES.get(status, (status, status))[1 if lang == "en" else 0]


def _group_name(method: Method, group_id: str | None, lang: str) -> str | None:
    group = next((g for g in method.groups if g.id == group_id), None)
    return group.name(lang) if group else None


def _indicator(method: Method, indicator_id: str):
    for group in method.groups:
        for ind in group.indicators:
            if ind.id == indicator_id:
                return ind
    return None


def firm_result(row: results.ResultRow, method: Method, lang: str) -> FirmResult:
    exempt = row.exempt_reason
    if exempt is not None and lang == "en":
        reasons = [*(e.reason for e in method.exemptions), INPUTS_MISSING]
        exempt = next((r.en for r in reasons if r.zh == exempt), exempt)
    return FirmResult(
        uscc=row.uscc,
        name=row.name,
        group=row.group_id,
        group_name=_group_name(method, row.group_id, lang),
        score=None if row.total is None else round(row.total, 6),
        rank=row.rank,
        of=row.of,
        grade=row.grade,
        exempt_reason=exempt,
        indicators={k: IndicatorResult(**v) for k, v in row.indicators.items()},
        land_mu=_mu(row.inputs.get("land_mu")),
        land_space_mu=_mu(row.inputs.get("land_space_mu")),
    )


def _mu(text: str | None) -> float | None:
    return None if text is None else round(float(text), 4)


def evaluation(session: Session, ev: MuEvaluation, *, lang: str = "zh") -> EvaluationRead:
    method = method_of(ev)
    stored = json.loads(ev.benchmarks or "{}")
    benchmarks = [
        BenchmarkRead(
            group=group.id,
            group_name=group.name(lang),
            indicator=ind.id,
            name=ind.name(lang),
            weight=float(ind.weight),
            benchmark=(
                None
                if stored.get(group.id, {}).get(ind.id) is None
                else float(stored[group.id][ind.id]) * float(ind.display_factor)
            ),
            unit=ind.unit(lang),
        )
        for group in method.groups
        for ind in group.indicators
    ]
    counts = Counter(
        session.execute(
            select(MuResult.group_id, MuResult.grade).where(
                MuResult.evaluation_id == ev.id, MuResult.grade.is_not(None)
            )
        ).all()
    )
    grades = [
        GradeCount(group=g.id, group_name=g.name(lang), grade=letter, firms=counts[(g.id, letter)])
        for g in method.groups
        for letter in GRADES
    ]
    return EvaluationRead(
        id=ev.id,
        year=ev.year,
        method=ev.method_id,
        method_title=method.title(lang),
        status=ev.status,
        status_name=status_name(ev.status, lang),
        graded=ev.graded,
        exempt=ev.exempt,
        notice_from=ev.notice_from,
        notice_to=ev.notice_to,
        benchmarks=benchmarks,
        grades=grades,
    )


def results_page(
    session: Session,
    ev: MuEvaluation,
    *,
    grade: str | None = None,
    group: str | None = None,
    task_forces: frozenset[str] | None = None,
    page: int = 1,
    page_size: int = 50,
    lang: str = "zh",
) -> ResultPage:
    method = method_of(ev)
    total, rows = results.list_results(
        session, ev, grade_=grade, group=group, task_forces=task_forces, page=page,
        page_size=page_size,
    )  # fmt: skip
    return ResultPage(
        year=ev.year,
        total=total,
        page=page,
        page_size=page_size,
        items=[firm_result(r, method, lang) for r in rows],
    )


def firm_view(session: Session, *, uscc: str, lang: str = "zh") -> FirmView | None:
    row = results.firm_result(session, uscc=uscc)
    if row is None:
        return None
    ev = session.scalar(
        select(MuEvaluation)
        .join(MuResult, MuResult.evaluation_id == MuEvaluation.id)
        .join(firms.Enterprise, firms.Enterprise.id == MuResult.enterprise_id)
        .where(
            firms.Enterprise.uscc == firms.normalise_code(uscc),
            MuEvaluation.status.in_((EvaluationStatus.notice, EvaluationStatus.final)),
        )
        .order_by(MuEvaluation.year.desc())
        .limit(1)
    )
    assert ev is not None
    method = method_of(ev)
    found = results.outlook(session, ev=ev, row=row, method=method)
    weakest = _indicator(method, found.weakest) if found.weakest else None
    return FirmView(
        year=ev.year,
        status_name=status_name(ev.status, lang),
        result=firm_result(row, method, lang),
        outlook=Outlook(
            better_grade=found.better_grade,
            points_needed=None if found.points_needed is None else round(found.points_needed, 2),
            weakest=found.weakest,
            weakest_name=weakest.name(lang) if weakest else None,
            weakest_score=found.weakest_score,
            weakest_weight=found.weakest_weight,
        ),
    )


def distribution(
    session: Session,
    ev: MuEvaluation,
    *,
    by: str,
    task_forces: frozenset[str] | None = None,
    lang: str = "zh",
) -> list[dict[str, Any]]:
    """Graded firms per grade by industry division, sub-area or task force (names, not codes)."""
    _total, rows = results.list_results(session, ev, task_forces=task_forces, page_size=None)
    catalog = industry_catalog()
    forces = firms.task_force_names(session, lang=lang)
    none = "未填写" if lang != "en" else "not given"
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        if r.grade is None:
            continue
        if by == "industry":
            code = (r.industry_code or "")[:2]
            key = f"{code} {catalog.get(code).label(lang)}" if code else none
        elif by == "task_force":
            key = forces.get(r.task_force, r.task_force) if r.task_force else none
        else:
            key = r.sub_area or none
        counts[key][r.grade] += 1
    return [
        {"group": key, **{g: c[g] for g in GRADES}, "total": sum(c.values())}
        for key, c in sorted(counts.items(), key=lambda kv: -sum(kv[1].values()))
    ]


def weakest_of(row: results.ResultRow, method: Method, lang: str) -> str:
    group = next((g for g in method.groups if g.id == row.group_id), None)
    if group is None:
        return ""
    worst = min(
        group.indicators,
        key=lambda i: float(row.indicators.get(i.id, {}).get("score") or 0) / float(i.weight or 1),
    )
    return worst.name(lang)


def class_d(
    session: Session,
    ev: MuEvaluation,
    *,
    task_forces: frozenset[str] | None = None,
    lang: str = "zh",
) -> list[dict[str, Any]]:
    method = method_of(ev)
    _total, rows = results.list_results(
        session, ev, grade_="D", task_forces=task_forces, page_size=None
    )
    return [
        {
            "uscc": r.uscc,
            "name": r.name,
            "group": _group_name(method, r.group_id, lang),
            "score": None if r.total is None else round(r.total, 2),
            "weakest": weakest_of(r, method, lang),
        }
        for r in rows
    ]


def zone_trend(session: Session) -> list[dict[str, Any]]:
    """Per evaluated year: the graded firms' tax and value added per 亩 (yuan per 亩)."""
    out = []
    for ev in session.scalars(select(MuEvaluation).order_by(MuEvaluation.year)):
        tax = value_added = land = Decimal(0)
        for (inputs,) in session.execute(
            select(MuResult.inputs).where(
                MuResult.evaluation_id == ev.id, MuResult.grade.is_not(None)
            )
        ):
            given = json.loads(inputs)
            if given.get("land_mu"):
                land += Decimal(given["land_mu"])
                tax += Decimal(given.get("tax") or 0)
                value_added += Decimal(given.get("value_added") or 0)
        out.append(
            {
                "year": ev.year,
                "tax_per_mu": float(tax / land) if land else None,
                "value_added_per_mu": float(value_added / land) if land else None,
            }
        )
    return out


def charts_for(ev_read: EvaluationRead, trend: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    en = lang == "en"
    groups = sorted({g.group_name for g in ev_read.grades})
    series = {
        name: [
            next(g.firms for g in ev_read.grades if g.group_name == name and g.grade == letter)
            for letter in GRADES
        ]
        for name in groups
    }
    grades = charts.grouped_bars(
        [f"{g} {'class' if en else '类'}" for g in GRADES],
        series,
        unit="firms" if en else "企业（家）",
    )
    unit = "10k yuan/mu" if en else "万元/亩"
    years = [str(t["year"]) for t in trend]
    yields = charts.lines(
        years,
        {
            ("tax per mu" if en else "亩均税收"): [
                None if t["tax_per_mu"] is None else round(t["tax_per_mu"] / 10_000, 2)
                for t in trend
            ],
            ("value added per mu" if en else "亩均增加值"): [
                None if t["value_added_per_mu"] is None
                else round(t["value_added_per_mu"] / 10_000, 2)
                for t in trend
            ],
        },
        unit=unit,
    )  # fmt: skip
    return {"grades": grades, "yields": yields}
