"""Grant cases' workflow: who may see a case, every transition (checked, done, audited).

One service function per transition; each checks who acts and from which state, does every side
effect (money moves through :mod:`yuanqu.grants.ledger`) and records the audit event in the same
unit of work. Services never commit.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.auth import Principal, Role
from yuanqu.core.errors import Conflict, Forbidden, NotFound, ValidationError
from yuanqu.core.holidays import work_calendar
from yuanqu.core.money import INT64_MAX
from yuanqu.grants import ledger
from yuanqu.grants.models import CaseStatus, GrantCase, Objection
from yuanqu.grants.workflow import (
    TRANSITIONS,
    decision_due,
    notice_end,
    status_name,
)

ENTITY = "grant_case"
_ACCOUNT = re.compile(r"^[0-9]{8,30}$")
REVIEW_TRANSITIONS = {"pass_preliminary", "pass_office", "approve", "reject", "reopen", "schedule"}


def snapshot(case: GrantCase) -> dict[str, Any]:
    """The fields an audit record keeps before and after a change."""
    return {
        "status": case.status,
        "amount_fen": case.amount_fen,
        "engine_amount_fen": case.engine_amount_fen,
        "committed_fen": case.committed_fen,
        "bank_account": case.bank_account,
        "notice_to": case.notice_to,
        "due_on": case.due_on,
    }


# --- scope ---------------------------------------------------------------------------------------


def can_see(principal: Principal, case: GrantCase) -> bool:
    if principal.role == Role.enterprise:
        return case.uscc == principal.uscc
    if principal.role == Role.task_force:
        return case.task_force in principal.task_forces
    return principal.role in (Role.admin, Role.policy_officer)


def get_case(session: Session, *, case_id: int, principal: Principal) -> GrantCase:
    """A case the principal may see (403 otherwise, whether or not it exists)."""
    case = session.get(GrantCase, case_id) if 1 <= case_id <= INT64_MAX else None
    if case is None or not can_see(principal, case):
        if case is None and principal.role in (Role.admin, Role.policy_officer):
            raise NotFound(f"没有编号为 {case_id} 的兑现案件", f"no grant case {case_id}")
        raise Forbidden(
            "无权查看该兑现案件", "access denied: not your grant case", details={"case": case_id}
        )
    return case


def check_transition(case: GrantCase, name: str, actor: Principal) -> None:
    """Refuse a transition the actor may not take, or not from the case's state."""
    transition = TRANSITIONS[name]
    if actor.role not in transition.roles or not can_see(actor, case):
        raise Forbidden(
            f"“{transition.zh}”不能由该账号对本案件执行",
            f"this account may not {transition.en} this case",
            details={"case": case.id, "transition": name, "role": str(actor.role)},
        )
    if name == "pass_preliminary" and actor.role == Role.policy_officer and case.task_force:
        raise Forbidden(
            f"初审由企业所属产业专班（{case.task_force}）办理",
            f"the firm's task force ({case.task_force}) does the preliminary review",
            details={"case": case.id, "task_force": case.task_force},
        )
    if name in REVIEW_TRANSITIONS and actor.username == case.created_by:
        raise Forbidden(
            "不能审批自己提交的申请",
            "nobody may approve their own application",
            code="self_approval",
            details={"case": case.id, "user": actor.username},
        )
    if name == "approve" and actor.username == case.office_reviewer:
        raise Forbidden(
            "复审人不能再审定同一案件（双人原则）",
            "the office reviewer may not also approve the case (four eyes)",
            code="self_approval",
            details={"case": case.id, "user": actor.username},
        )
    if case.status not in transition.sources:
        raise Conflict(
            f"案件 {case.id} 当前为“{status_name(case.status)}”，不能“{transition.zh}”",
            f"case {case.id} is {status_name(case.status, 'en')}; cannot {transition.en}",
            code="invalid_transition",
            details={"case": case.id, "status": case.status, "transition": name},
        )


def apply_transition(
    session: Session,
    case: GrantCase,
    name: str,
    actor: Principal,
    *,
    reason: str | None = None,
    before: dict[str, Any] | None = None,
    after_extra: dict[str, Any] | None = None,
) -> None:
    """Move the case to the transition's target and record it (the caller has checked it)."""
    before = before or snapshot(case)
    case.status = TRANSITIONS[name].target
    case.updated_at = datetime.now(UTC)
    audit.record(
        session,
        actor=actor.username,
        entity_type=ENTITY,
        entity_id=case.id,
        action=name,
        before=before,
        after=snapshot(case) | (after_extra or {}),
        reason=reason,
    )


def _need_reason(reason: str | None, what_zh: str, what_en: str) -> str:
    text = (reason or "").strip()
    if len(text) < 2:
        raise ValidationError(
            f"{what_zh}须写明理由",
            f"{what_en} needs a written reason",
            details={"field": "reason"},
        )
    return text[:2000]


def _lower_amount(case: GrantCase, amount_fen: int | None, reason: str | None) -> None:
    if amount_fen is None or amount_fen == case.amount_fen:
        return
    if amount_fen > case.engine_amount_fen or amount_fen > case.amount_fen:
        raise ValidationError(
            f"金额只能调低：测算金额 {case.engine_amount_fen} 分，现为 {case.amount_fen} 分",
            f"an amount may only be lowered: the engine computed {case.engine_amount_fen} fen, "
            f"now {case.amount_fen}",
            code="amount_above_engine",
            details={"field": "amount_fen", "value": amount_fen, "max": case.amount_fen},
        )
    if amount_fen <= 0:
        raise ValidationError(
            "调低后的金额须大于 0（不予兑现请驳回）",
            "a lowered amount must be above 0 (reject the case instead)",
            details={"field": "amount_fen", "value": amount_fen},
        )
    case.amount_reason = _need_reason(reason, "调低金额", "lowering an amount")
    case.amount_fen = amount_fen


# --- transitions ---------------------------------------------------------------------------------


def confirm(
    session: Session, *, case_id: int, actor: Principal, bank_account: str, bank_name: str
) -> GrantCase:
    """免申即享: the firm confirms the account the award is paid to; the case is submitted."""
    case = ledger.lock_case(session, case_id)
    check_transition(case, "confirm", actor)
    before = snapshot(case)
    case.bank_account, case.bank_name = _check_account(bank_account, bank_name)
    case.submitted_on = date.today()
    case.due_on = decision_due(work_calendar(session), case.submitted_on)
    apply_transition(session, case, "confirm", actor, before=before)
    return case


def pass_preliminary(
    session: Session, *, case_id: int, actor: Principal, note: str | None = None
) -> GrantCase:
    case = ledger.lock_case(session, case_id)
    check_transition(case, "pass_preliminary", actor)
    apply_transition(session, case, "pass_preliminary", actor, reason=note)
    return case


def pass_office(
    session: Session,
    *,
    case_id: int,
    actor: Principal,
    amount_fen: int | None = None,
    reason: str | None = None,
) -> GrantCase:
    """The policy office's review; it may lower the amount with a written reason."""
    case = ledger.lock_case(session, case_id)
    check_transition(case, "pass_office", actor)
    before = snapshot(case)
    _lower_amount(case, amount_fen, reason)
    case.office_reviewer = actor.username
    apply_transition(session, case, "pass_office", actor, reason=reason, before=before)
    return case


def approve(
    session: Session,
    *,
    case_id: int,
    actor: Principal,
    today: date | None = None,
    amount_fen: int | None = None,
    reason: str | None = None,
    notice_days: int | None = None,
) -> GrantCase:
    """The committee approves: the amount is committed against the budget and published."""
    from yuanqu.grants.workflow import NOTICE_WORKDAYS

    case = ledger.lock_case(session, case_id)
    check_transition(case, "approve", actor)
    before = snapshot(case)
    _lower_amount(case, amount_fen, reason)
    ledger.commit_amount(session, case)
    start = today or date.today()
    case.notice_from = start
    case.notice_to = notice_end(work_calendar(session), start, notice_days or NOTICE_WORKDAYS)
    apply_transition(session, case, "approve", actor, reason=reason, before=before)
    return case


def reject(session: Session, *, case_id: int, actor: Principal, reason: str) -> GrantCase:
    case = ledger.lock_case(session, case_id)
    check_transition(case, "reject", actor)
    text = _need_reason(reason, "驳回", "a rejection")
    before = snapshot(case)
    case.rejection_reason = text
    apply_transition(session, case, "reject", actor, reason=text, before=before)
    return case


def appeal(session: Session, *, case_id: int, actor: Principal, reason: str) -> GrantCase:
    """The firm appeals a rejection, once."""
    case = ledger.lock_case(session, case_id)
    check_transition(case, "appeal", actor)
    if case.appeals >= 1:
        raise Conflict(
            "每个案件只能申诉一次",
            "a case may be appealed once",
            code="appeal_used",
            details={"case": case.id},
        )
    text = _need_reason(reason, "申诉", "an appeal")
    before = snapshot(case)
    case.appeals += 1
    case.submitted_on = date.today()
    case.due_on = decision_due(work_calendar(session), case.submitted_on)
    apply_transition(session, case, "appeal", actor, reason=text, before=before)
    return case


def reopen(session: Session, *, case_id: int, actor: Principal, reason: str) -> GrantCase:
    case = ledger.lock_case(session, case_id)
    check_transition(case, "reopen", actor)
    text = _need_reason(reason, "重审", "reopening")
    apply_transition(session, case, "reopen", actor, reason=text)
    return case


def withdraw(
    session: Session, *, case_id: int, actor: Principal, reason: str | None = None
) -> GrantCase:
    case = ledger.lock_case(session, case_id)
    check_transition(case, "withdraw", actor)
    apply_transition(session, case, "withdraw", actor, reason=reason)
    return case


def object_to(
    session: Session, *, case_id: int, actor: Principal, text: str, today: date | None = None
) -> Objection:
    """Anyone with an account may object to a case on public notice, until its last day."""
    case = session.get(GrantCase, case_id) if 1 <= case_id <= INT64_MAX else None
    if case is None or case.status != CaseStatus.public_notice:
        raise Conflict(
            f"案件 {case_id} 不在公示期",
            f"case {case_id} is not on public notice",
            code="not_on_notice",
            details={"case": case_id},
        )
    day = today or date.today()
    if case.notice_to is not None and day > case.notice_to:
        raise Conflict(
            f"公示期已于 {case.notice_to} 结束",
            f"the notice ended on {case.notice_to}",
            code="notice_over",
            details={"case": case_id, "notice_to": case.notice_to},
        )
    body = _need_reason(text, "异议", "an objection")
    objection = Objection(case_id=case.id, author=actor.username, text=body, status="open")
    session.add(objection)
    session.flush()  # the audit record names the objection's id
    audit.record(
        session,
        actor=actor.username,
        entity_type=ENTITY,
        entity_id=case.id,
        action="object",
        after={"objection": objection.id},
        reason=body,
    )
    return objection


def resolve_objection(
    session: Session, *, objection_id: int, actor: Principal, upheld: bool, reason: str
) -> Objection:
    """The policy office decides an objection; upheld, the case is rejected and its commitment
    goes back to the budget."""
    if actor.role != Role.policy_officer:
        raise Forbidden("只有政策办处理异议", "only the policy office decides objections")
    objection = (
        session.get(Objection, objection_id, with_for_update=True)
        if 1 <= objection_id <= INT64_MAX
        else None
    )
    if objection is None:
        raise NotFound(f"没有异议 {objection_id}", f"no objection {objection_id}")
    if objection.status != "open":
        raise Conflict(
            f"异议 {objection_id} 已处理",
            f"objection {objection_id} is decided",
            code="objection_decided",
        )
    text = _need_reason(reason, "处理异议", "deciding an objection")
    case = ledger.lock_case(session, objection.case_id)
    objection.status = "upheld" if upheld else "dismissed"
    objection.resolution, objection.resolved_by = text, actor.username
    if upheld:
        check_transition(case, "uphold_objection", actor)
        before = snapshot(case)
        ledger.release_commitment(session, case)
        case.rejection_reason = text
        apply_transition(
            session,
            case,
            "uphold_objection",
            actor,
            reason=text,
            before=before,
            after_extra={"objection": objection.id},
        )
    else:
        audit.record(
            session,
            actor=actor.username,
            entity_type=ENTITY,
            entity_id=case.id,
            action="dismiss_objection",
            after={"objection": objection.id},
            reason=text,
        )
    return objection


def _check_account(account: str | None, bank: str | None) -> tuple[str, str]:
    number = re.sub(r"[\s-]", "", account or "")
    if not _ACCOUNT.match(number):
        raise ValidationError(
            "银行账号须为 8 到 30 位数字",
            "the bank account must be 8 to 30 digits",
            details={"field": "bank_account", "value": account},
        )
    name = (bank or "").strip()
    if not 2 <= len(name) <= 100:
        raise ValidationError(
            "请填写开户银行",
            "the bank's name is required",
            details={"field": "bank_name", "value": bank},
        )
    return number, name
