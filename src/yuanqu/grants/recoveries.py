"""Recoveries (追回): an award paid and then clawed back is a receivable with its own workflow.

A clawback never deletes or edits a payment: the payment stays as it was made, and a recovery row
records what is owed back and how the claim proceeds: opened → notice sent to the firm (告知) →
the firm may object (异议/陈述申辩) → decision (决定, possibly a lower amount, or none) → recovered
(追回到账). Every transition writes an audit record. Money recovered returns to the policy-year's
budget (available to award again) only when the policy says ``recovered_funds: return_to_budget``;
otherwise it goes back to the treasury and the budget is untouched.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from yuanqu.core import audit
from yuanqu.core.auth import Principal, Role
from yuanqu.core.db import Base, BigId
from yuanqu.core.errors import Conflict, Forbidden, NotFound, ValidationError
from yuanqu.grants import ledger
from yuanqu.grants.models import GrantCase, Payment


class RecoveryStatus(StrEnum):
    opened = "opened"
    notified = "notified"
    objected = "objected"
    decided = "decided"
    recovered = "recovered"
    waived = "waived"


RECOVERY_STATUS_NAMES: dict[str, tuple[str, str]] = {
    RecoveryStatus.opened: ("已立案", "opened"),
    RecoveryStatus.notified: ("已告知企业", "firm notified"),
    RecoveryStatus.objected: ("企业提出异议", "firm objected"),
    RecoveryStatus.decided: ("已决定追回", "recovery decided"),
    RecoveryStatus.recovered: ("已追回", "recovered"),
    RecoveryStatus.waived: ("决定不予追回", "waived"),
}

#: Which states each transition leaves from.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "notify": (RecoveryStatus.opened,),
    "object": (RecoveryStatus.notified,),
    "decide": (RecoveryStatus.notified, RecoveryStatus.objected),
    "receive": (RecoveryStatus.decided,),
}
OFFICERS = frozenset({Role.admin, Role.policy_officer})


class Recovery(Base):
    """A receivable: money paid on a case that the firm owes back."""

    __tablename__ = "grant_recoveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("grant_cases.id"), unique=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("grant_payments.id"), unique=True)
    policy_id: Mapped[str] = mapped_column(String(60))
    year: Mapped[int] = mapped_column(Integer)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    source: Mapped[str] = mapped_column(String(200), comment="why: e.g. agreement XY-2021-003 C2")
    reason: Mapped[str] = mapped_column(Text)
    claimed_fen: Mapped[int] = mapped_column(BigInteger, comment="amount the recovery opens with")
    status: Mapped[str] = mapped_column(String(16), index=True)
    opened_on: Mapped[date] = mapped_column(Date)
    notified_on: Mapped[date | None] = mapped_column(Date)
    objection: Mapped[str | None] = mapped_column(Text)
    objected_on: Mapped[date | None] = mapped_column(Date)
    decision: Mapped[str | None] = mapped_column(Text)
    decided_fen: Mapped[int | None] = mapped_column(BigInteger)
    decided_on: Mapped[date | None] = mapped_column(Date)
    recovered_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    recovered_on: Mapped[date | None] = mapped_column(Date)
    returned_fen: Mapped[int] = mapped_column(
        BigInteger, default=0, comment="of the recovered money, what went back to the budget"
    )
    opened_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("claimed_fen > 0", name="claimed_positive"),
        CheckConstraint(
            "decided_fen IS NULL OR (decided_fen >= 0 AND decided_fen <= claimed_fen)",
            name="decided_within_claim",
        ),
        CheckConstraint(
            "recovered_fen >= 0 AND (decided_fen IS NULL AND recovered_fen = 0 "
            "OR recovered_fen <= decided_fen)",
            name="recovered_within_decision",
        ),
        CheckConstraint("returned_fen >= 0 AND returned_fen <= recovered_fen", name="returned"),
        {"comment": "receivables: awards clawed back (追回)"},
    )


def recovery_dict(row: Recovery, lang: str = "zh") -> dict[str, Any]:
    return {
        "id": row.id,
        "case": row.case_id,
        "payment": row.payment_id,
        "policy": row.policy_id,
        "year": row.year,
        "uscc": row.uscc,
        "source": row.source,
        "reason": row.reason,
        "claimed_fen": row.claimed_fen,
        "status": row.status,
        "status_name": RECOVERY_STATUS_NAMES[row.status][lang == "en"],
        "opened_on": row.opened_on,
        "notified_on": row.notified_on,
        "objection": row.objection,
        "objected_on": row.objected_on,
        "decision": row.decision,
        "decided_fen": row.decided_fen,
        "decided_on": row.decided_on,
        "recovered_fen": row.recovered_fen,
        "recovered_on": row.recovered_on,
        "returned_fen": row.returned_fen,
    }


def _officer(actor: Principal) -> None:
    if actor.role not in OFFICERS:
        raise Forbidden(
            "只有政策办或管理员可以办理追回", "only the policy office handles recoveries"
        )


def _record(session: Session, row: Recovery, action: str, actor: Principal, before: Any) -> None:
    audit.record(
        session,
        actor=actor.username,
        entity_type="grant_recovery",
        entity_id=row.id,
        action=action,
        before=before,
        after=recovery_dict(row),
    )


def get_recovery(session: Session, *, recovery_id: int) -> Recovery:
    row = session.get(Recovery, recovery_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFound(f"没有编号为 {recovery_id} 的追回案件", f"no recovery {recovery_id}")
    return row


def _step(row: Recovery, action: str) -> None:
    if row.status not in TRANSITIONS[action]:
        raise Conflict(
            f"追回案件 {row.id} 当前为“{RECOVERY_STATUS_NAMES[row.status][0]}”，不能执行此操作",
            f"recovery {row.id} is {row.status}; '{action}' is not possible now",
            code="recovery_transition",
            details={"status": row.status, "action": action},
        )


def open_recovery(
    session: Session,
    *,
    case_id: int,
    amount_fen: int | None,
    source: str,
    reason: str,
    actor: Principal,
    today: date,
) -> Recovery:
    """Open the recovery of a paid award (all of it unless ``amount_fen`` says less)."""
    _officer(actor)
    case = ledger.lock_case(session, case_id)
    payment = session.scalars(
        select(Payment).where(Payment.case_id == case.id, Payment.status == "paid")
    ).one_or_none()
    if payment is None:
        raise Conflict(
            f"案件 {case.id} 尚未支付，无需追回（未付款的奖励应撤销，而不是追回）",
            f"case {case.id} has not been paid; there is nothing to recover",
            code="not_paid",
        )
    amount = payment.amount_fen if amount_fen is None else amount_fen
    if not 0 < amount <= payment.amount_fen:
        raise ValidationError(
            f"追回金额应在 0 到已付金额 {payment.amount_fen} 分之间",
            f"the amount must be between 0 and the {payment.amount_fen} fen paid",
            details={"field": "amount_fen", "value": amount},
        )
    if not reason.strip():
        raise ValidationError(
            "请写明追回理由", "a recovery needs a reason", details={"field": "reason"}
        )
    existing = session.scalars(select(Recovery).where(Recovery.case_id == case.id)).one_or_none()
    if existing is not None:
        raise Conflict(
            f"案件 {case.id} 已有追回案件 {existing.id}",
            f"case {case.id} already has recovery {existing.id}",
            code="recovery_exists",
            details={"recovery": existing.id},
        )
    row = Recovery(
        case_id=case.id,
        payment_id=payment.id,
        policy_id=case.policy_id,
        year=case.year,
        uscc=case.uscc,
        source=source[:200],
        reason=reason,
        claimed_fen=amount,
        status=RecoveryStatus.opened,
        opened_on=today,
        recovered_fen=0,
        returned_fen=0,
        opened_by=actor.username,
    )
    session.add(row)
    session.flush()  # the audit record names the recovery's id
    _record(session, row, "open", actor, None)
    return row


def notify(session: Session, *, recovery_id: int, actor: Principal, on: date) -> Recovery:
    """The notice of the intended recovery has been sent to the firm (告知)."""
    _officer(actor)
    row = get_recovery(session, recovery_id=recovery_id)
    _step(row, "notify")
    before = recovery_dict(row)
    row.status, row.notified_on = RecoveryStatus.notified, on
    _record(session, row, "notify", actor, before)
    return row


def object_to(
    session: Session, *, recovery_id: int, text: str, actor: Principal, on: date
) -> Recovery:
    """The firm's objection (陈述申辩): by the firm itself, or recorded by an officer."""
    row = get_recovery(session, recovery_id=recovery_id)
    if actor.role == Role.enterprise:
        if actor.uscc != row.uscc:
            raise Forbidden("只能对本企业的追回提出异议", "you may only object for your own firm")
    else:
        _officer(actor)
    _step(row, "object")
    if not text.strip():
        raise ValidationError(
            "异议内容不能为空", "the objection is empty", details={"field": "text"}
        )
    before = recovery_dict(row)
    row.status, row.objection, row.objected_on = RecoveryStatus.objected, text, on
    _record(session, row, "object", actor, before)
    return row


def decide(
    session: Session,
    *,
    recovery_id: int,
    amount_fen: int,
    text: str,
    actor: Principal,
    on: date,
) -> Recovery:
    """The decision: recover ``amount_fen`` (at most the claim); zero waives the recovery."""
    _officer(actor)
    row = get_recovery(session, recovery_id=recovery_id)
    _step(row, "decide")
    if not 0 <= amount_fen <= row.claimed_fen:
        raise ValidationError(
            f"决定追回金额应在 0 到 {row.claimed_fen} 分之间",
            f"the decided amount must be between 0 and {row.claimed_fen} fen",
            details={"field": "amount_fen", "value": amount_fen},
        )
    if not text.strip():
        raise ValidationError(
            "请写明决定理由", "a decision needs its grounds", details={"field": "text"}
        )
    before = recovery_dict(row)
    row.decided_fen, row.decision, row.decided_on = amount_fen, text, on
    row.status = RecoveryStatus.decided if amount_fen else RecoveryStatus.waived
    _record(session, row, "decide", actor, before)
    return row


def receive(
    session: Session, *, recovery_id: int, amount_fen: int, actor: Principal, on: date
) -> Recovery:
    """Money received back (may come in parts); recovered when the decided amount is in."""
    _officer(actor)
    row = get_recovery(session, recovery_id=recovery_id)
    _step(row, "receive")
    assert row.decided_fen is not None
    if not 0 < amount_fen <= row.decided_fen - row.recovered_fen:
        raise ValidationError(
            f"到账金额应在 0 到尚欠 {row.decided_fen - row.recovered_fen} 分之间",
            f"the amount must be between 0 and the {row.decided_fen - row.recovered_fen} fen owed",
            details={"field": "amount_fen", "value": amount_fen},
        )
    before = recovery_dict(row)
    row.recovered_fen += amount_fen
    row.recovered_on = on
    if row.recovered_fen == row.decided_fen:
        row.status = RecoveryStatus.recovered
    if _returns_to_budget(row.policy_id):
        budget = ledger.lock_budget(session, row.policy_id, row.year)
        budget_before = ledger.budget_dict(budget)
        budget.budget_fen += amount_fen
        row.returned_fen += amount_fen
        audit.record(
            session,
            actor=actor.username,
            entity_type="grant_budget",
            entity_id=budget.id,
            action="recovery_returned",
            before=budget_before,
            after=ledger.budget_dict(budget) | {"recovery": row.id},
            reason=f"recovery {row.id}",
        )
    _record(session, row, "receive", actor, before)
    return row


def _returns_to_budget(policy_id: str) -> bool:
    """Whether the policy says recovered money returns to its budget (an unknown policy: no)."""
    from yuanqu.policies.service import get_policy

    try:
        return get_policy(policy_id).recovered_to_budget
    except NotFound:
        return False


def list_recoveries(
    session: Session, *, uscc: str | None = None, lang: str = "zh"
) -> list[dict[str, Any]]:
    stmt = select(Recovery).order_by(Recovery.id)
    if uscc is not None:
        stmt = stmt.where(Recovery.uscc == uscc)
    return [recovery_dict(r, lang) for r in session.scalars(stmt)]


def paid_cases_of(session: Session, *, uscc: str) -> list[GrantCase]:
    """The firm's paid cases (the awards a clawback can reach), oldest first."""
    return list(
        session.scalars(
            select(GrantCase)
            .join(Payment, Payment.case_id == GrantCase.id)
            .where(GrantCase.uscc == uscc, Payment.status == "paid")
            .order_by(GrantCase.year, GrantCase.id)
        )
    )
