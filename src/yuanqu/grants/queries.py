"""Grant cases' reads: one case as a dict, filtered lists, queues, history, public notice."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.auth import Principal, Role
from yuanqu.core.errors import Forbidden, ValidationError
from yuanqu.core.holidays import work_calendar
from yuanqu.core.workdays import WorkCalendar, unknown_year_warning
from yuanqu.grants.models import CaseStatus, Evidence, GrantCase, Objection
from yuanqu.grants.transitions import ENTITY, get_case
from yuanqu.grants.workflow import (
    PENDING,
    status_name,
)

# --- reads ---------------------------------------------------------------------------------------


def unknown_years(calendar: WorkCalendar, case: GrantCase) -> list[int]:
    """The years of the case's shown deadlines (decision due, public notice) that were counted
    by weekends only, because no calendar knows their holidays."""
    spans = []
    if case.due_on and case.status in PENDING:
        spans.append((case.submitted_on or case.due_on, case.due_on))
    if case.notice_to:
        spans.append((case.notice_from or case.notice_to, case.notice_to))
    return sorted({w.year for a, b in spans for w in calendar.span_warnings(a, b)})


def case_dict(
    case: GrantCase,
    lang: str = "zh",
    *,
    full: bool = False,
    calendar: WorkCalendar | None = None,
) -> dict[str, Any]:
    """A case as the API and the pages show it; with ``calendar``, the years its deadlines were
    counted by weekends only (``unknown_years``) and the warning to show (``calendar_warnings``)."""
    data = {
        "id": case.id,
        "policy": case.policy_id,
        "year": case.year,
        "uscc": case.uscc,
        "firm": case.firm_name,
        "industry_section": case.industry_section,
        "task_force": case.task_force,
        "origin": case.origin,
        "status": case.status,
        "status_name": status_name(case.status, lang),
        "engine_amount_fen": case.engine_amount_fen,
        "amount_fen": case.amount_fen,
        "amount_reason": case.amount_reason,
        "due_on": case.due_on,
        "notice_from": case.notice_from,
        "notice_to": case.notice_to,
        "rejection_reason": case.rejection_reason,
        "pending": case.status in PENDING,
        "overdue": bool(case.due_on and case.status in PENDING and case.due_on < date.today()),
    }
    if calendar is not None:
        data["unknown_years"] = unknown_years(calendar, case)
        data["calendar_warnings"] = [
            unknown_year_warning(year).message(lang) for year in data["unknown_years"]
        ]
    if full:
        data |= {
            "policy_version": case.policy_version,
            "engine_inputs": json.loads(case.engine_inputs),
            "engine_result": json.loads(case.engine_result),
            "bank_account": case.bank_account,
            "bank_name": case.bank_name,
            "created_by": case.created_by,
        }
    return data


def cases_query(
    *,
    principal: Principal,
    status: str | None = None,
    policy_id: str | None = None,
    year: int | None = None,
    q: str | None = None,
    overdue: bool = False,
    today: date | None = None,
) -> Select[tuple[GrantCase]]:
    """The cases the principal may see, filtered (unordered, unpaged)."""
    query = select(GrantCase)
    if principal.role == Role.enterprise:
        query = query.where(GrantCase.uscc == (principal.uscc or ""))
    elif principal.role == Role.task_force:
        query = query.where(GrantCase.task_force.in_(principal.task_forces or ("",)))
    elif principal.role not in (Role.admin, Role.policy_officer):
        raise Forbidden("该角色不能查看兑现案件", "this role may not read grant cases")
    if status:
        if status not in set(CaseStatus):
            raise ValidationError(
                f"未知状态 {status}",
                f"unknown status {status}",
                details={"field": "status", "value": status},
            )
        query = query.where(GrantCase.status == status)
    if policy_id:
        query = query.where(GrantCase.policy_id == policy_id)
    if year:
        query = query.where(GrantCase.year == year)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(or_(GrantCase.firm_name.like(like), GrantCase.uscc.like(like)))
    if overdue:
        query = query.where(
            GrantCase.status.in_(PENDING), GrantCase.due_on < (today or date.today())
        )
    return query


def list_cases(
    session: Session,
    *,
    principal: Principal,
    limit: int = 200,
    offset: int = 0,
    **filters: Any,
) -> list[GrantCase]:
    """One page of the cases the principal may see, filtered (see ``cases_query``); newest
    first. ``count_cases`` with the same filters says how many there are in all."""
    query = cases_query(principal=principal, **filters)
    return list(
        session.scalars(
            query.order_by(GrantCase.id.desc())
            .limit(max(1, min(limit, 2000)))
            .offset(max(0, offset))
        )
    )


def count_cases(session: Session, *, principal: Principal, **filters: Any) -> int:
    """How many cases ``list_cases`` pages through with the same filters."""
    query = cases_query(principal=principal, **filters).subquery()
    return session.scalar(select(func.count()).select_from(query)) or 0


def queue_for(principal: Principal) -> tuple[str, ...]:
    from yuanqu.grants.workflow import QUEUES

    return QUEUES.get(principal.role, ())


def case_evidence(session: Session, case_id: int) -> list[Evidence]:
    return list(
        session.scalars(select(Evidence).where(Evidence.case_id == case_id).order_by(Evidence.id))
    )


def case_objections(session: Session, case_id: int) -> list[Objection]:
    return list(
        session.scalars(
            select(Objection).where(Objection.case_id == case_id).order_by(Objection.id)
        )
    )


def case_history(
    session: Session, *, case_id: int, principal: Principal, lang: str = "zh"
) -> list[audit.AuditRecordRead]:
    """The case's audit trail, its payment's included, as the principal may read it (a firm
    reads the other parties' roles, not their names; accounts masked but for the payers)."""
    from yuanqu.grants.models import Payment
    from yuanqu.grants.privacy import present_history

    get_case(session, case_id=case_id, principal=principal)
    entities: list[tuple[str, str | int]] = [(ENTITY, case_id)]
    payment = session.scalar(select(Payment.id).where(Payment.case_id == case_id))
    if payment is not None:
        entities.append(("grant_payment", payment))
    return present_history(audit.entity_history(session, entities=entities), principal, lang)


def public_notice(
    session: Session, *, principal: Principal, today: date | None = None, lang: str = "zh"
) -> list[dict[str, Any]]:
    """Cases on public notice. A firm's user sees other firms masked (名称、代码脱敏). A notice
    whose last day was counted by weekends only carries the warning."""
    calendar = work_calendar(session)
    rows = session.scalars(
        select(GrantCase)
        .where(GrantCase.status == CaseStatus.public_notice)
        .order_by(GrantCase.notice_to, GrantCase.id)
    )
    out = []
    for case in rows:
        own = principal.role != Role.enterprise or case.uscc == principal.uscc
        years = unknown_years(calendar, case)
        out.append(
            {
                "id": case.id,
                "policy": case.policy_id,
                "year": case.year,
                "firm": case.firm_name if own else _mask(case.firm_name),
                "uscc": case.uscc if own else case.uscc[:4] + "*" * 10 + case.uscc[-4:],
                "amount_fen": case.amount_fen,
                "notice_from": case.notice_from,
                "notice_to": case.notice_to,
                "unknown_years": years,
                "calendar_warnings": [unknown_year_warning(y).message(lang) for y in years],
            }
        )
    return out


def _mask(name: str) -> str:
    if len(name) <= 4:
        return name[:1] + "*" * (len(name) - 1)
    return name[:2] + "*" * (len(name) - 4) + name[-2:]


def overdue_count(session: Session, today: date | None = None) -> int:
    return (
        session.scalar(
            select(func.count()).where(
                GrantCase.status.in_(PENDING), GrantCase.due_on < (today or date.today())
            )
        )
        or 0
    )
