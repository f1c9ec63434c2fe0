"""Work that spans several units of work: running a payment batch, one case per transaction.

A batch of thousands of payments must not hold the budget lock for minutes, and a crash half-way
must leave nothing half-done: each case's payment (the payment row, the budget's running total,
the case's state and the audit records) commits on its own. Re-running the same batch key finds
the same batch, skips the cases already in it, and pays the rest; nothing is paid twice because
each case's idempotency key is derived from the batch key and the case.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Engine

from yuanqu.core.auth import Principal
from yuanqu.core.db import writer_scope
from yuanqu.core.errors import YuanquError
from yuanqu.grants import batches, payments
from yuanqu.grants.payments import payment_key


def run_batch(
    engine: Engine | None,
    *,
    key: str,
    actor: Principal,
    today: date,
    policy_id: str | None = None,
    year: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Schedule every payable case into the batch ``key``; safe to run again after a crash."""
    with writer_scope(engine) as session:
        batch = batches.open_batch(session, key=key, actor=actor)
        batch_id = batch.id
        cases = batches.batch_candidates(session, today=today, policy_id=policy_id, year=year)
    scheduled, refused = 0, []
    for done, case_id in enumerate(cases, start=1):
        try:
            with writer_scope(engine) as session:
                _, replayed = payments.request_payment(
                    session,
                    case_id=case_id,
                    idempotency_key=payment_key(key, case_id),
                    actor=actor,
                    today=today,
                    batch_id=batch_id,
                )
                scheduled += not replayed
        except YuanquError as error:
            refused.append({"case": case_id, "code": error.code, "message": error.zh})
        if progress is not None:
            progress(done, len(cases))
    with writer_scope(engine) as session:
        summary = batches.batch_dict(session, session.get(batches.PaymentBatch, batch_id))
    return summary | {"scheduled_now": scheduled, "refused": refused}
