"""Grant cases: creation (application or auto-entitlement), the workflow's transitions, reads.

One service function per transition; each checks who acts and from which state, does every side
effect (money moves through :mod:`yuanqu.grants.ledger`) and records the audit event in the same
unit of work. Services never commit.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.audit import canonical_json
from yuanqu.core.auth import Principal, Role
from yuanqu.core.errors import Conflict, Forbidden, NotFound, ValidationError
from yuanqu.core.money import INT64_MAX
from yuanqu.core.workdays import WorkCalendar
from yuanqu.grants import evidence as files
from yuanqu.grants import ledger
from yuanqu.grants.models import CaseOrigin, CaseStatus, Evidence, GrantCase, Objection
from yuanqu.grants.workflow import (
    PENDING,
    TRANSITIONS,
    decision_due,
    notice_end,
    status_name,
)
from yuanqu.registry.models import Enterprise

ENTITY = "grant_case"
_ACCOUNT = re.compile(r"^[0-9]{8,30}$")
REVIEW_TRANSITIONS = {"pass_preliminary", "pass_office", "approve", "reject", "reopen", "schedule"}


def policy_version(policy: Any) -> str:
    """SHA-256 of the policy file the engine read (the version a case was decided under)."""
    path = Path(policy.source) if policy.source else None
    if path is not None and path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    return hashlib.sha256(policy.id.encode()).hexdigest()


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
    case.due_on = decision_due(WorkCalendar(), case.submitted_on)
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
    case.notice_to = notice_end(WorkCalendar(), start, notice_days or NOTICE_WORKDAYS)
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
    case.due_on = decision_due(WorkCalendar(), case.submitted_on)
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


# --- creation ------------------------------------------------------------------------------------


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


def _firm(session: Session, uscc: str) -> Enterprise:
    firm = session.scalars(select(Enterprise).where(Enterprise.uscc == uscc)).one_or_none()
    if firm is None:
        raise NotFound(f"企业库中没有 {uscc}", f"no enterprise {uscc} in the registry")
    return firm


def apply(
    session: Session,
    *,
    actor: Principal,
    policy_id: str,
    year: int,
    bank_account: str,
    bank_name: str,
    uploads: list[files.Upload],
    uscc: str | None = None,
) -> GrantCase:
    """An enterprise's application, with the evidence its policy asks for.

    The engine decides eligibility and the amount from the zone's data; the case records both,
    with the policy's version and the inputs it used.
    """
    from yuanqu.policies import service as policies

    if actor.role == Role.enterprise:
        uscc = actor.uscc
    elif actor.role != Role.policy_officer:
        raise Forbidden(
            "只有企业或政策办可以提交申请", "only a firm or the policy office may apply"
        )
    if not uscc:
        raise ValidationError(
            "请指定企业信用代码", "name the firm (uscc)", details={"field": "uscc"}
        )
    policy = policies.get_policy(policy_id)
    if not 2000 <= year <= 2100 or not policy.in_effect(year):
        raise ValidationError(
            f"政策 {policy_id} 在 {year} 年不在有效期内",
            f"policy {policy_id} is not in effect in {year}",
            details={"field": "year", "value": year},
        )
    account, bank = _check_account(bank_account, bank_name)
    if len(uploads) > files.MAX_FILES:
        raise ValidationError(
            f"最多 {files.MAX_FILES} 个文件",
            f"at most {files.MAX_FILES} files",
            details={"field": "files", "value": len(uploads)},
        )
    checked = [files.check_upload(u, i) for i, u in enumerate(uploads)]
    missing = [kind for kind in policy.evidence if kind not in {c.kind for c in checked}]
    if missing:
        raise ValidationError(
            f"缺少证明材料：{'、'.join(missing)}",
            f"evidence missing: {', '.join(missing)}",
            details={"field": "files", "missing": missing},
        )
    unknown = [c.kind for c in checked if c.kind not in policy.evidence]
    if unknown:
        raise ValidationError(
            f"本政策不要求这些材料：{'、'.join(unknown)}",
            f"this policy does not ask for: {', '.join(unknown)}",
            details={"field": "files", "unknown": unknown},
        )
    firm = _firm(session, uscc)
    decision = policies.explain_firm(session, uscc=uscc, policy_id=policy_id, year=year)
    amount = decision.get("allocated_fen") or decision.get("capped_fen") or 0
    if decision["status"] != "eligible" or amount <= 0:
        raise ValidationError(
            f"按现有数据，{firm.name} 不符合 {policy_id} 的条件",
            f"on the zone's data, {firm.name} is not entitled under {policy_id}",
            code="not_entitled",
            details={"status": decision["status"], "steps": decision.get("steps", [])},
        )
    result = policies.run(session, year=year, policies=[policy])
    variables = policies.firm_variables(result, policy, uscc)
    case = _new_case(
        session,
        policy=policy,
        year=year,
        firm=firm,
        origin=CaseOrigin.application,
        status=CaseStatus.submitted,
        amount_fen=int(amount),
        inputs=variables,
        result=decision,
        actor=actor,
    )
    case.bank_account, case.bank_name = account, bank
    case.submitted_on = date.today()
    case.due_on = decision_due(WorkCalendar(), case.submitted_on)
    for item in checked:
        files.store(item)
        session.add(
            Evidence(
                case_id=case.id,
                kind=item.kind,
                filename=item.filename,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
                uploaded_by=actor.username,
            )
        )
    audit.record(
        session,
        actor=actor.username,
        entity_type=ENTITY,
        entity_id=case.id,
        action="apply",
        after=snapshot(case) | {"evidence": [[c.kind, c.sha256] for c in checked]},
    )
    return case


def _new_case(
    session: Session,
    *,
    policy: Any,
    year: int,
    firm: Enterprise,
    origin: str,
    status: str,
    amount_fen: int,
    inputs: dict[str, Any],
    result: dict[str, Any],
    actor: Principal,
) -> GrantCase:
    exists = session.scalar(
        select(GrantCase.id).where(
            GrantCase.policy_id == policy.id, GrantCase.year == year, GrantCase.uscc == firm.uscc
        )
    )
    if exists is not None:
        raise Conflict(
            f"{firm.name} 在 {policy.id} {year} 年已有案件 {exists}",
            f"{firm.uscc} already has case {exists} under {policy.id} for {year}",
            code="duplicate_case",
            details={"case": exists},
        )
    case = GrantCase(
        policy_id=policy.id,
        policy_version=policy_version(policy),
        year=year,
        uscc=firm.uscc,
        firm_name=firm.name,
        industry_section=firm.industry_section,
        task_force=firm.task_force,
        origin=origin,
        status=status,
        engine_amount_fen=amount_fen,
        amount_fen=amount_fen,
        engine_inputs=canonical_json(inputs) or "{}",
        engine_result=canonical_json(result) or "{}",
        created_by=actor.username,
        committed_fen=0,
        appeals=0,
    )
    session.add(case)
    session.flush()  # the evidence and the audit record need the case's id
    return case


def match(
    session: Session, *, year: int, actor: Principal, policy_ids: list[str] | None = None
) -> dict[str, Any]:
    """免申即享: a case, awaiting the firm's confirmation, for every auto-entitlement award the
    engine computes for ``year`` (existing cases are left alone, so matching again is safe)."""
    from yuanqu.policies import service as policies
    from yuanqu.policies.engine import STATUSES

    if actor.role not in (Role.policy_officer, Role.admin):
        raise Forbidden("只有政策办可以匹配免申即享", "only the policy office matches awards")
    chosen = [
        p for p in policies.select_policies(policy_ids) if p.auto_entitlement and p.in_effect(year)
    ]
    if not chosen:
        return {"year": year, "created": 0, "existing": 0, "policies": []}
    result = policies.run(session, year=year, policies=chosen)
    created = existing = 0
    for index, compiled in enumerate(result.compiled):
        policy = compiled.policy
        data_year = policy.data_year(year)
        cursor = result.con.execute(
            f"""SELECT i.*, r.status AS _status, r.amount_fen AS _amount, r.capped_fen AS _capped,
                       r.allocated_fen AS _allocated
                FROM policy_results r JOIN inputs_{data_year} i USING (firm_id)
                WHERE r.policy_idx = ? AND r.status = 0 AND r.allocated_fen > 0
                ORDER BY r.uscc""",
            [index],
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        have = set(
            session.scalars(
                select(GrantCase.uscc).where(
                    GrantCase.policy_id == policy.id, GrantCase.year == year
                )
            )
        )
        firms = (
            {
                f.uscc: f
                for f in session.scalars(
                    select(Enterprise).where(Enterprise.uscc.in_([r["uscc"] for r in rows]))
                )
            }
            if rows
            else {}
        )
        for row in rows:
            if row["uscc"] in have or row["uscc"] not in firms:
                existing += 1
                continue
            decision = {
                "status": STATUSES[row.pop("_status")],
                "amount_fen": row.pop("_amount"),
                "capped_fen": row.pop("_capped"),
                "allocated_fen": row.pop("_allocated"),
                "parameters": {
                    n: str(r.value) for n, r in compiled.parameters.items() if not r.bands
                },
            }
            case = _new_case(
                session,
                policy=policy,
                year=year,
                firm=firms[row["uscc"]],
                origin=CaseOrigin.auto,
                status=CaseStatus.awaiting_confirmation,
                amount_fen=int(decision["allocated_fen"]),
                inputs=row,
                result=decision,
                actor=actor,
            )
            audit.record(
                session,
                actor=actor.username,
                entity_type=ENTITY,
                entity_id=case.id,
                action="match",
                after=snapshot(case),
            )
            created += 1
    return {
        "year": year,
        "created": created,
        "existing": existing,
        "policies": [c.policy.id for c in result.compiled],
    }


# --- reads ---------------------------------------------------------------------------------------


def case_dict(case: GrantCase, lang: str = "zh", *, full: bool = False) -> dict[str, Any]:
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


def list_cases(
    session: Session,
    *,
    principal: Principal,
    status: str | None = None,
    policy_id: str | None = None,
    year: int | None = None,
    q: str | None = None,
    overdue: bool = False,
    today: date | None = None,
    limit: int = 200,
) -> list[GrantCase]:
    """The cases the principal may see, filtered; newest first."""
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
    return list(
        session.scalars(query.order_by(GrantCase.id.desc()).limit(max(1, min(limit, 2000))))
    )


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
    session: Session, *, case_id: int, principal: Principal
) -> list[audit.AuditRecordRead]:
    """The case's audit trail, its payment's included."""
    from yuanqu.grants.models import Payment

    get_case(session, case_id=case_id, principal=principal)
    entities: list[tuple[str, str | int]] = [(ENTITY, case_id)]
    payment = session.scalar(select(Payment.id).where(Payment.case_id == case_id))
    if payment is not None:
        entities.append(("grant_payment", payment))
    return audit.entity_history(session, entities=entities)


def public_notice(
    session: Session, *, principal: Principal, today: date | None = None
) -> list[dict[str, Any]]:
    """Cases on public notice. A firm's user sees other firms masked (名称、代码脱敏)."""
    rows = session.scalars(
        select(GrantCase)
        .where(GrantCase.status == CaseStatus.public_notice)
        .order_by(GrantCase.notice_to, GrantCase.id)
    )
    out = []
    for case in rows:
        own = principal.role != Role.enterprise or case.uscc == principal.uscc
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
