"""What the agreement pages and API show, built once from the services: a list with each
agreement's assessment counts, one agreement in full, a firm's agreements, recovery steps."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuanqu.agreements import assessment, service
from yuanqu.agreements.models import Agreement
from yuanqu.core.auth import Principal, Role
from yuanqu.core.errors import Forbidden, ValidationError
from yuanqu.grants import recoveries
from yuanqu.registry.firms import Enterprise
from yuanqu.space import service as space


def scoped_assessment(
    session: Session, *, principal: Principal, as_of: date, agreement_ids: list[int] | None = None
) -> list[assessment.Assessed]:
    """Every commitment in force the reader may see, judged on ``as_of``."""
    ids = None
    condition = service.scope_condition(principal)
    if condition is not None:
        ids = list(session.scalars(select(Enterprise.id).where(condition)))
    terms = assessment.current_terms(session, agreement_ids=agreement_ids, enterprise_ids=ids)
    return assessment.assess(session, terms, as_of=as_of)


def agreement_list(
    session: Session,
    *,
    principal: Principal,
    page: int,
    page_size: int,
    as_of: date,
    lang: str = "zh",
    uscc: str | None = None,
) -> dict[str, Any]:
    result = service.list_agreements(
        session, principal=principal, page=page, page_size=page_size, uscc=uscc, lang=lang
    )
    ids = [a["id"] for a in result["items"]]
    rows = scoped_assessment(session, principal=principal, as_of=as_of, agreement_ids=ids)
    counts: dict[int, dict[str, int]] = {i: dict.fromkeys(assessment.STATUS_NAMES, 0) for i in ids}
    for row in rows:
        counts[row.term.agreement_id][row.status] += 1
    for item in result["items"]:
        item["assessment"] = counts[item["id"]]
    result["as_of"] = as_of
    return result


def agreement_detail(
    session: Session, *, ref: str, principal: Principal, as_of: date, lang: str = "zh"
) -> dict[str, Any]:
    agreement, firm = service.visible_agreement(session, ref=ref, principal=principal)
    log = service.change_log(session, agreement_id=agreement.id, lang=lang)
    terms = assessment.current_terms(session, agreement_ids=[agreement.id])
    judged = assessment.assess(session, terms, as_of=as_of)
    sees_money = principal.role in (Role.admin, Role.policy_officer) or (
        principal.role == Role.enterprise and principal.uscc == firm.uscc
    )
    return {
        **service.agreement_dict(
            agreement, firm.uscc, firm.name, log[-1]["version"] if log else 1, lang
        ),
        "as_of": as_of,
        "commitments": [r.to_row(lang) for r in judged],
        "summary": assessment.summary(judged),
        "remedies": service.remedies_of(session, agreement_id=agreement.id, lang=lang),
        "project_space": space.project_space(session, project_id=agreement.project_id, lang=lang)
        if agreement.project_id
        else None,
        "versions": log,
        "recoveries": [
            r
            for r in recoveries.list_recoveries(session, uscc=firm.uscc, lang=lang)
            if agreement.number in r["source"]
        ]
        if sees_money
        else [],
    }


def firm_agreements(
    session: Session, *, enterprise_id: int, principal: Principal, as_of: date, lang: str = "zh"
) -> list[dict[str, Any]]:
    """The firm's agreements with every commitment judged (the profile tab)."""
    agreements = list(
        session.scalars(
            select(Agreement)
            .where(Agreement.enterprise_id == enterprise_id)
            .order_by(Agreement.signed_on)
        )
    )
    judged = assessment.assess(
        session, assessment.current_terms(session, enterprise_ids=[enterprise_id]), as_of=as_of
    )
    out = []
    for a in agreements:
        rows = [r.to_row(lang) for r in judged if r.term.agreement_id == a.id]
        out.append(
            {
                "number": a.number,
                "title": a.title,
                "signed_on": a.signed_on,
                "kind": a.kind,
                "commitments": rows,
            }
        )
    return out


def recovery_step(
    session: Session,
    *,
    recovery_id: int,
    action: str,
    text: str,
    amount_fen: int | None,
    actor: Principal,
    today: date,
) -> recoveries.Recovery:
    """Route one step to its transition (each checks who may take it)."""
    if action == "object":
        return recoveries.object_to(
            session, recovery_id=recovery_id, text=text, actor=actor, on=today
        )
    if actor.role not in recoveries.OFFICERS:
        raise Forbidden(
            "只有政策办或管理员可以办理追回", "only the policy office handles recoveries"
        )
    if action == "notify":
        return recoveries.notify(session, recovery_id=recovery_id, actor=actor, on=today)
    if amount_fen is None:
        raise ValidationError(
            "请填写金额（分）", "an amount (fen) is needed", details={"field": "amount_fen"}
        )
    if action == "decide":
        return recoveries.decide(
            session,
            recovery_id=recovery_id,
            amount_fen=amount_fen,
            text=text,
            actor=actor,
            on=today,
        )
    return recoveries.receive(
        session, recovery_id=recovery_id, amount_fen=amount_fen, actor=actor, on=today
    )


def term_input(
    key: str, indicator_name: str, target: str, test_on: date, period_year: int | None
) -> service.TermInput:
    """Terms as a person writes them (target in the indicator's unit, or a date), checked."""
    from decimal import Decimal, InvalidOperation

    from yuanqu.agreements.indicators import Kind, indicator, to_base

    ind = indicator(indicator_name)
    if len(key) > 40 or not key.strip():
        raise ValidationError("承诺编号无效", "invalid commitment key", details={"commitment": key})
    try:
        if ind.kind == Kind.date:
            return service.TermInput(
                key,
                ind.key,
                test_on,
                target_date=date.fromisoformat(target),
                period_year=period_year,
            )
        value = Decimal(target)
        if not value.is_finite() or value < 0:
            raise ValueError
        return service.TermInput(
            key, ind.key, test_on, to_base(ind, value), period_year=period_year
        )
    except (ValueError, InvalidOperation):
        raise ValidationError(
            f"{key} 的目标值无效：应为 {ind.unit('zh')}，非负，最多两位小数（日期写作 YYYY-MM-DD）",
            f"{key}: the target is a number >= 0 in {ind.unit('en')} (a date: YYYY-MM-DD)",
            details={"commitment": key, "target": target},
        ) from None


def amend(
    session: Session,
    *,
    ref: str,
    made_on: date,
    reason: str,
    changes: dict[str, service.TermInput | None],
    actor: Principal,
    lang: str = "zh",
) -> dict[str, Any]:
    """Amend the agreement ``ref`` names and return its change log."""
    agreement, _firm = service.visible_agreement(session, ref=ref, principal=actor)
    service.amend(
        session,
        agreement_id=agreement.id,
        made_on=made_on,
        reason=reason,
        changes=changes,
        actor=actor,
    )
    return {
        "number": agreement.number,
        "versions": service.change_log(session, agreement_id=agreement.id, lang=lang),
    }
