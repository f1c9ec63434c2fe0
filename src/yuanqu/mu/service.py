"""The verbs of 亩均效益评价: grade a year (a draft, computed again until it is put on notice), put
it on public notice, take and decide objections, publish it; and read the results.

Publishing writes each graded firm's grade as the policy fact ``mu_grade`` (A = 1 ... D = 4) of the
year, so a policy can read the grade of the previous year. Every step is audited.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.audit import canonical_json
from yuanqu.core.auth import Principal, Role
from yuanqu.core.db import bump_data_version
from yuanqu.core.errors import Conflict, Forbidden, NotFound, ValidationError
from yuanqu.core.holidays import work_calendar
from yuanqu.grants.workflow import NOTICE_WORKDAYS, notice_end
from yuanqu.mu import inputs as mu_inputs
from yuanqu.mu.engine import Grading, grade
from yuanqu.mu.method import INPUTS_MISSING, Method, method_for
from yuanqu.mu.models import (
    EvaluationStatus,
    MuEvaluation,
    MuObjection,
    MuResult,
    ObjectionStatus,
)
from yuanqu.policies.facts import write_facts
from yuanqu.registry import firms

ENTITY = "mu_evaluation"
GRADE_RANK = {"A": 1, "B": 2, "C": 3, "D": 4}
GRADERS = frozenset({Role.admin, Role.analyst})
INPUT_KEYS = (
    "tax",
    "value_added",
    "revenue",
    "rd_expense",
    "employees_avg",
    "land_mu",
    "land_space_mu",
    "energy_tce",
    "emissions_t",
    "electricity_kwh",
    "established_years",
    "above_scale",
)


def _require_grader(actor: Principal) -> None:
    if actor.role not in GRADERS:
        raise Forbidden(
            "只有管理员和经发局可以开展亩均效益评价",
            "only administrators and the economic bureau run the mu evaluation",
        )


def _snapshot(ev: MuEvaluation) -> dict[str, Any]:
    return {
        "year": ev.year,
        "method": ev.method_id,
        "status": ev.status,
        "graded": ev.graded,
        "exempt": ev.exempt,
        "notice_from": ev.notice_from,
        "notice_to": ev.notice_to,
    }


def _number(value: Any) -> str | None:
    return None if value is None else format(value, "f")


def _result_rows(grading: Grading, inputs: dict[int, dict[str, Any]], ev_id: int) -> list[dict]:
    method = grading.method
    rows = []
    for r in grading.results.to_pylist():
        group = next((g for g in method.groups if g.id == r["group_id"]), None)
        indicators = (
            {
                ind.id: {
                    "value": r[f"{ind.id}__value"],
                    "score": r[f"{ind.id}__score"],
                    "missing": r[f"{ind.id}__missing"],
                }
                for ind in group.indicators
            }
            if group is not None and r["exempt_idx"] is None
            else {}
        )
        if r["exempt_idx"] is not None:
            reason: str | None = method.exemptions[r["exempt_idx"]].reason.zh
        elif group is None:
            reason = "不属于任何分组"
        elif r["inputs_missing"]:
            reason = INPUTS_MISSING.zh
        else:
            reason = None
        given = inputs.get(r["firm_id"], {})
        rows.append(
            {
                "evaluation_id": ev_id,
                "enterprise_id": r["firm_id"],
                "group_id": r["group_id"],
                "total_micro": r["total_micro"],
                "rank": r["rank"],
                "of": r["n"],
                "grade": r["grade"],
                "exempt_reason": reason,
                "indicators": canonical_json(indicators),
                "inputs": canonical_json({k: _number(given.get(k)) for k in INPUT_KEYS}),
            }
        )
    return rows


def _evaluation(session: Session, evaluation_id: int, *, lock: bool = False) -> MuEvaluation:
    ev = session.get(MuEvaluation, evaluation_id, with_for_update=lock, populate_existing=lock)
    if ev is None:
        raise NotFound(f"没有评价 {evaluation_id}", f"no evaluation {evaluation_id}")
    return ev


def find_evaluation(session: Session, *, year: int, method_id: str = "default") -> MuEvaluation:
    ev = session.scalar(
        select(MuEvaluation).where(MuEvaluation.year == year, MuEvaluation.method_id == method_id)
    )
    if ev is None:
        raise NotFound(
            f"{year} 年尚未开展亩均效益评价（先运行 yuanqu mu evaluate --year {year}）",
            f"no mu evaluation for {year} yet (run yuanqu mu evaluate --year {year})",
            details={"year": year},
        )
    return ev


def latest_year(session: Session) -> int | None:
    """The latest year with an evaluation (a page opens on it)."""
    return session.scalar(select(func.max(MuEvaluation.year)))


def _graded(session: Session, *, year: int, method: Method) -> tuple[Any, Grading]:
    if not mu_inputs.has_land_source():
        raise ValidationError(
            "没有用地数据来源：亩均效益评价需要企业持有的地块",
            "no land source: the mu evaluation needs the parcels firms hold",
            code="no_land_source",
        )
    table = mu_inputs.gather(session, year=year, sections=method.sections)
    return table, grade(table, method)


def compute(session: Session, *, year: int, method: Method) -> Grading:
    """Grade ``year`` by ``method`` without storing anything (the CLI's reading)."""
    return _graded(session, year=year, method=method)[1]


def evaluate(
    session: Session, *, year: int, actor: Principal, method_id: str | None = None
) -> MuEvaluation:
    """Grade ``year`` and keep it as a draft (a draft graded again is replaced; an evaluation on
    notice or published is never changed)."""
    _require_grader(actor)
    method = method_for(year, method_id)
    ev = session.scalar(
        select(MuEvaluation)
        .where(MuEvaluation.year == year, MuEvaluation.method_id == method.id)
        .with_for_update()
    )
    if ev is not None and ev.status != EvaluationStatus.draft:
        raise Conflict(
            f"{year} 年的评价已公示或发布，不能重新计算",
            f"the {year} evaluation is on notice or published: it is not computed again",
            code="evaluation_not_draft",
            details={"year": year, "status": ev.status},
        )
    table, grading = _graded(session, year=year, method=method)
    before = _snapshot(ev) if ev is not None else None
    if ev is None:
        ev = MuEvaluation(year=year, method_id=method.id, computed_by=actor.username)
        session.add(ev)
    ev.method_from = method.effective_from
    ev.computed_by = actor.username
    ev.computed_at = datetime.now(UTC)
    ev.status = EvaluationStatus.draft
    session.flush()  # the evaluation's id for its results
    session.execute(delete(MuResult).where(MuResult.evaluation_id == ev.id))
    given = {row["firm_id"]: row for row in table.to_pylist()}
    rows = _result_rows(grading, given, ev.id)
    for start in range(0, len(rows), 5000):
        session.execute(insert(MuResult.__table__), rows[start : start + 5000])
    ev.benchmarks = canonical_json(grading.benchmarks) or "{}"
    ev.graded = sum(1 for r in rows if r["grade"] is not None)
    ev.exempt = len(rows) - ev.graded
    audit.record(
        session,
        actor=actor.username,
        entity_type=ENTITY,
        entity_id=ev.id,
        action="evaluate",
        before=before,
        after=_snapshot(ev),
    )
    bump_data_version(session, "mu")
    return ev


def start_notice(
    session: Session,
    *,
    evaluation_id: int,
    actor: Principal,
    start: date | None = None,
    days: int = NOTICE_WORKDAYS,
) -> MuEvaluation:
    """Put a draft on public notice for ``days`` working days from ``start`` (the grants' rule)."""
    _require_grader(actor)
    if not 1 <= days <= 30:
        raise ValidationError("公示期应为 1 到 30 个工作日", "a notice lasts 1 to 30 working days")
    ev = _evaluation(session, evaluation_id, lock=True)
    if ev.status != EvaluationStatus.draft:
        raise Conflict(
            "只有草稿可以公示", "only a draft goes on notice", code="evaluation_not_draft"
        )
    before = _snapshot(ev)
    start = start or date.today()
    ev.status = EvaluationStatus.notice
    ev.notice_from = start
    ev.notice_to = notice_end(work_calendar(session), start, days)
    audit.record(
        session,
        actor=actor.username,
        entity_type=ENTITY,
        entity_id=ev.id,
        action="start_notice",
        before=before,
        after=_snapshot(ev),
    )
    return ev


def object_to(
    session: Session,
    *,
    evaluation_id: int,
    uscc: str,
    text: str,
    actor: Principal,
    today: date | None = None,
) -> MuObjection:
    """A firm (or staff on its behalf) objects to its result during the notice."""
    ev = _evaluation(session, evaluation_id, lock=True)
    firm = firms.get_enterprise(session, uscc=uscc)
    if actor.role == Role.enterprise and actor.uscc != firm.uscc:
        raise Forbidden("只能对本企业的结果提出异议", "a firm objects only to its own result")
    today = today or date.today()
    if ev.status != EvaluationStatus.notice or (ev.notice_to and today > ev.notice_to):
        raise Conflict(
            "评价结果不在公示期内，不能提出异议",
            "the evaluation is not on public notice: no objection can be raised",
            code="not_on_notice",
        )
    if not text or not text.strip() or len(text) > 2000:
        raise ValidationError(
            "异议内容不能为空，且不超过 2000 字", "an objection needs 1-2000 characters"
        )
    held = session.scalar(
        select(MuResult.id).where(
            MuResult.evaluation_id == ev.id, MuResult.enterprise_id == firm.id
        )
    )
    if held is None:
        raise NotFound("该企业不在本次评价中", "this firm is not in this evaluation")
    objection = MuObjection(
        evaluation_id=ev.id, enterprise_id=firm.id, text=text.strip(), filed_by=actor.username
    )
    session.add(objection)
    session.flush()  # its id for the audit record
    audit.record(
        session,
        actor=actor.username,
        entity_type="mu_objection",
        entity_id=objection.id,
        action="object",
        after={"evaluation": ev.id, "uscc": firm.uscc, "text": objection.text},
    )
    return objection


def decide_objection(
    session: Session, *, objection_id: int, upheld: bool, decision: str, actor: Principal
) -> MuObjection:
    """Decide an objection with the reason. Upheld: the evaluation returns to draft, to be graded
    again on corrected inputs and put on notice anew."""
    _require_grader(actor)
    objection = session.get(MuObjection, objection_id, with_for_update=True)
    if objection is None:
        raise NotFound(f"没有异议 {objection_id}", f"no objection {objection_id}")
    if objection.status != ObjectionStatus.open:
        raise Conflict("该异议已处理", "this objection is decided already", code="decided")
    if not decision or not decision.strip():
        raise ValidationError("处理意见不能为空", "a decision needs its reason")
    ev = _evaluation(session, objection.evaluation_id, lock=True)
    objection.status = ObjectionStatus.upheld if upheld else ObjectionStatus.dismissed
    objection.decision = decision.strip()
    objection.decided_by = actor.username
    objection.decided_at = datetime.now(UTC)
    audit.record(
        session,
        actor=actor.username,
        entity_type="mu_objection",
        entity_id=objection.id,
        action="decide",
        after={"status": objection.status, "decision": objection.decision},
    )
    if upheld and ev.status == EvaluationStatus.notice:
        before = _snapshot(ev)
        ev.status = EvaluationStatus.draft
        ev.notice_from = ev.notice_to = None
        audit.record(
            session,
            actor=actor.username,
            entity_type=ENTITY,
            entity_id=ev.id,
            action="back_to_draft",
            before=before,
            after=_snapshot(ev),
            reason=objection.decision,
        )
    return objection


def publish(
    session: Session, *, evaluation_id: int, actor: Principal, today: date | None = None
) -> MuEvaluation:
    """Publish after the notice ended with every objection decided; each grade becomes the policy
    fact ``mu_grade`` of the year."""
    _require_grader(actor)
    ev = _evaluation(session, evaluation_id, lock=True)
    today = today or date.today()
    if ev.status != EvaluationStatus.notice:
        raise Conflict(
            "只有公示中的评价可以发布",
            "only an evaluation on notice is published",
            code="not_on_notice",
        )
    if ev.notice_to is not None and today <= ev.notice_to:
        raise Conflict(
            f"公示期到 {ev.notice_to} 结束，结束后才能发布",
            f"the notice runs until {ev.notice_to}: publish after it ends",
            code="notice_not_over",
        )
    open_count = session.scalar(
        select(func.count(MuObjection.id)).where(
            MuObjection.evaluation_id == ev.id, MuObjection.status == ObjectionStatus.open
        )
    )
    if open_count:
        raise Conflict(
            f"还有 {open_count} 件异议未处理", f"{open_count} objection(s) are still open",
            code="open_objection",
        )  # fmt: skip
    before = _snapshot(ev)
    ev.status = EvaluationStatus.final
    ev.published_at = datetime.now(UTC)
    ev.published_by = actor.username
    graded = session.execute(
        select(MuResult.enterprise_id, MuResult.grade).where(
            MuResult.evaluation_id == ev.id, MuResult.grade.is_not(None)
        )
    ).all()
    write_facts(
        session,
        [
            {"enterprise_id": f, "year": ev.year, "fact": "mu_grade", "value": GRADE_RANK[g]}
            for f, g in graded
            if g in GRADE_RANK
        ],
        replace=True,
    )
    audit.record(
        session,
        actor=actor.username,
        entity_type=ENTITY,
        entity_id=ev.id,
        action="publish",
        before=before,
        after=_snapshot(ev),
    )
    return ev


READERS = frozenset({Role.admin, Role.analyst, Role.policy_officer, Role.task_force})


def scope_of(principal: Principal) -> frozenset[str] | None:
    """The task forces whose firms this reader sees (None: every firm)."""
    if principal.role == Role.task_force:
        return frozenset(principal.task_forces)
    return None


def can_grade(principal: Principal) -> bool:
    return principal.role in GRADERS
