"""Payment batches: opened by key, filled with the payable cases, exported for the finance bureau
and confirmed paid, each payment under the locks of :mod:`yuanqu.grants.ledger` (case, then budget,
then the audit chain)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.auth import Principal, Role
from yuanqu.core.errors import Conflict, Forbidden, NotFound, YuanquError
from yuanqu.grants.ledger import check_key, lock_budget, lock_case, payment_dict
from yuanqu.grants.models import CaseStatus, GrantCase, Objection, Payment, PaymentBatch
from yuanqu.grants.payments import payment_key, request_payment
from yuanqu.grants.transitions import apply_transition


def batch_dict(session: Session, batch: PaymentBatch) -> dict[str, Any]:
    count, total = session.execute(
        select(func.count(Payment.id), func.coalesce(func.sum(Payment.amount_fen), 0)).where(
            Payment.batch_id == batch.id
        )
    ).one()
    return {
        "id": batch.id,
        "key": batch.key,
        "status": batch.status,
        "created_by": batch.created_by,
        "created_at": batch.created_at,
        "confirmed_by": batch.confirmed_by,
        "confirmed_at": batch.confirmed_at,
        "payments": int(count),
        "amount_fen": int(total),
    }


def open_batch(session: Session, *, key: str, actor: Principal) -> PaymentBatch:
    """The batch of this key, created on first use (a re-run finds the same batch)."""
    if actor.role != Role.policy_officer:
        raise Forbidden(
            "只有政策办可以编制付款批次", "only the policy office makes payment batches"
        )
    key = check_key(key)
    batch = session.scalars(select(PaymentBatch).where(PaymentBatch.key == key)).one_or_none()
    if batch is not None:
        if batch.status != "open":
            raise Conflict(
                f"付款批次 {key} 已确认支付，不能再加入案件",
                f"payment batch {key} is already confirmed paid",
                code="batch_closed",
                details={"batch": batch.id},
            )
        return batch
    batch = PaymentBatch(key=key, status="open", created_by=actor.username)
    session.add(batch)
    session.flush()  # the audit record names the batch's id
    audit.record(
        session,
        actor=actor.username,
        entity_type="grant_batch",
        entity_id=batch.id,
        action="open",
        after={"key": key},
    )
    return batch


def batch_candidates(
    session: Session, *, today: date, policy_id: str | None = None, year: int | None = None
) -> list[int]:
    """Approved cases whose notice is over, with no open objection and no payment yet."""
    query = select(GrantCase.id).where(
        GrantCase.status == CaseStatus.public_notice,
        GrantCase.notice_to < today,
        GrantCase.bank_account.is_not(None),
        ~select(Objection.id)
        .where(Objection.case_id == GrantCase.id, Objection.status == "open")
        .exists(),
    )
    if policy_id:
        query = query.where(GrantCase.policy_id == policy_id)
    if year:
        query = query.where(GrantCase.year == year)
    return list(session.scalars(query.order_by(GrantCase.id)))


def confirm_batch(
    session: Session, *, batch_id: int, actor: Principal
) -> tuple[PaymentBatch, bool]:
    """The finance bureau confirmed the transfer: every payment of the batch becomes paid.

    Confirming twice changes nothing the second time (returns ``replayed=True``).
    """
    if actor.role != Role.policy_officer:
        raise Forbidden("只有政策办可以确认支付", "only the policy office confirms payments")
    batch = session.get(PaymentBatch, batch_id, with_for_update=True, populate_existing=True)
    if batch is None:
        raise NotFound(f"没有付款批次 {batch_id}", f"no payment batch {batch_id}")
    if batch.status == "paid":
        return batch, True
    ids = list(
        session.scalars(
            select(Payment.case_id).where(Payment.batch_id == batch.id).order_by(Payment.case_id)
        )
    )
    if not ids:
        raise Conflict(
            f"付款批次 {batch.key} 是空的",
            f"payment batch {batch.key} is empty",
            code="batch_empty",
            details={"batch": batch.id},
        )
    now = datetime.now(UTC)
    # Every row lock before the audit chain's: the cases (by id), their payments, then the
    # budgets of the policy-years still to pay (sorted). A writer takes a case, a budget, then
    # the chain; locking the second policy-year's budget while holding the chain would close a
    # cycle with a writer holding that budget and waiting for the chain.
    unpaid = []
    for case_id in ids:
        case = lock_case(session, case_id)
        payment = session.scalars(
            select(Payment).where(Payment.case_id == case_id).with_for_update()
        ).one()
        if payment.status != "paid":
            unpaid.append((case, payment))
    budgets = {
        key: lock_budget(session, *key)
        for key in sorted({(case.policy_id, case.year) for case, _ in unpaid})
    }
    with audit.appending(session):  # many records: one lock of the chain, one flush
        for case, payment in unpaid:
            budgets[case.policy_id, case.year].paid_fen += payment.amount_fen
            payment.status, payment.paid_at = "paid", now
            apply_transition(session, case, "mark_paid", actor, after_extra={"batch": batch.id})
            audit.record(
                session,
                actor=actor.username,
                entity_type="grant_payment",
                entity_id=payment.id,
                action="mark_paid",
                after=payment_dict(payment),
            )
    batch.status, batch.confirmed_by, batch.confirmed_at = "paid", actor.username, now
    audit.record(
        session,
        actor=actor.username,
        entity_type="grant_batch",
        entity_id=batch.id,
        action="confirm_paid",
        after={"key": batch.key, "payments": len(ids)},
    )
    return batch, False


def schedule_batch(
    session: Session,
    *,
    key: str,
    actor: Principal,
    today: date,
    policy_id: str | None = None,
    year: int | None = None,
) -> dict[str, Any]:
    """The batch ``key`` with every payable case, in the caller's one unit of work (the web's
    path; the CLI's :func:`yuanqu.grants.flows.run_batch` commits case by case)."""
    batch = open_batch(session, key=key, actor=actor)
    scheduled, refused = 0, []
    with audit.appending(session):  # many records: one lock of the chain, one flush
        for case_id in batch_candidates(session, today=today, policy_id=policy_id, year=year):
            try:
                with session.begin_nested():
                    _, replayed = request_payment(
                        session,
                        case_id=case_id,
                        idempotency_key=payment_key(key, case_id),
                        actor=actor,
                        today=today,
                        batch_id=batch.id,
                    )
                    scheduled += not replayed
            except YuanquError as error:
                refused.append({"case": case_id, "code": error.code, "message": error.zh})
    return batch_dict(session, batch) | {"scheduled_now": scheduled, "refused": refused}


def list_batches(session: Session) -> list[dict[str, Any]]:
    return [
        batch_dict(session, b)
        for b in session.scalars(select(PaymentBatch).order_by(PaymentBatch.id.desc()))
    ]
