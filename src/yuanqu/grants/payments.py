"""Paying a grant case: one payment per approved case whose public notice is over, exactly once.

Above the workflow (:mod:`yuanqu.grants.transitions`: scheduling a payment is a transition) and the
ledger (:mod:`yuanqu.grants.ledger`: locks, budgets, running totals); below payment batches.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.auth import Principal
from yuanqu.core.errors import Conflict
from yuanqu.grants.ledger import check_key, lock_budget, lock_case, open_objections, payment_dict
from yuanqu.grants.models import CaseStatus, Payment, PaymentBatch
from yuanqu.grants.transitions import apply_transition, check_transition


def payment_key(batch_key: str, case_id: int) -> str:
    """The idempotency key of a case's payment within the batch ``batch_key``."""
    return f"batch:{batch_key}:case:{case_id}"


def request_payment(
    session: Session,
    *,
    case_id: int,
    idempotency_key: str,
    actor: Principal,
    today: date,
    batch_id: int | None = None,
) -> tuple[Payment, bool]:
    """Schedule the payment of an approved case whose public notice is over.

    Returns ``(payment, replayed)``: a retry with the same key returns the first payment and
    ``True``, whatever happened to the first request's response.
    """
    key = check_key(idempotency_key)
    case = lock_case(session, case_id)
    # Looked up after the case lock: a concurrent first attempt has committed or rolled back.
    first = session.scalars(
        select(Payment)
        .where(Payment.idempotency_key == key)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if first is not None:
        if first.case_id != case_id:
            raise Conflict(
                f"幂等键 {key} 已用于案件 {first.case_id}",
                f"idempotency key {key} was used for case {first.case_id}",
                code="idempotency_key_reused",
                details={"key": key, "case": first.case_id},
            )
        return first, True
    if case.status in (CaseStatus.payment_scheduled, CaseStatus.paid):
        raise Conflict(
            f"案件 {case.id} 已排付款，不能重复付款",
            f"case {case.id} already has a payment; it is never paid twice",
            code="already_paid",
            details={"case": case.id, "status": case.status},
        )
    check_transition(case, "schedule", actor)
    if case.notice_to is None or today <= case.notice_to:
        raise Conflict(
            f"案件 {case.id} 的公示期到 {case.notice_to} 结束，结束后才能付款",
            f"case {case.id} is on public notice until {case.notice_to}; pay after it ends",
            code="notice_not_over",
            details={"case": case.id, "notice_to": case.notice_to},
        )
    if open_objections(session, case.id):
        raise Conflict(
            f"案件 {case.id} 有未处理的异议",
            f"case {case.id} has open objections",
            code="open_objection",
            details={"case": case.id},
        )
    if not case.bank_account:
        raise Conflict(
            f"案件 {case.id} 没有收款账户",
            f"case {case.id} has no bank account",
            code="no_bank_account",
            details={"case": case.id},
        )
    if batch_id is not None:
        batch = session.get(PaymentBatch, batch_id, with_for_update=True, populate_existing=True)
        if batch is None or batch.status != "open":
            raise Conflict(
                f"付款批次 {batch_id} 不存在或已确认支付",
                f"payment batch {batch_id} does not exist or is already confirmed",
                code="batch_closed",
                details={"batch": batch_id},
            )
    budget = lock_budget(session, case.policy_id, case.year)
    budget.scheduled_fen += case.committed_fen
    payment = Payment(
        case_id=case.id,
        batch_id=batch_id,
        idempotency_key=key,
        policy_id=case.policy_id,
        year=case.year,
        amount_fen=case.committed_fen,
        bank_account=case.bank_account,
        status="scheduled",
        requested_by=actor.username,
    )
    try:
        with session.begin_nested():
            session.add(payment)
            session.flush()
    except IntegrityError:
        # Only reachable by bypassing the case lock; the database still refuses a second payment.
        raise Conflict(
            f"案件 {case.id} 已有付款或幂等键重复",
            f"case {case.id} already has a payment",
            code="already_paid",
            details={"case": case.id},
        ) from None
    apply_transition(
        session, case, "schedule", actor, after_extra={"payment": payment.id, "key": key}
    )
    audit.record(
        session,
        actor=actor.username,
        entity_type="grant_payment",
        entity_id=payment.id,
        action="schedule",
        after=payment_dict(payment),
    )
    return payment, False
