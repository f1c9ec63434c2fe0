"""The racing worker of the reliability tests: runs in a thread or in a spawned process.

Each attempt is one unit of work on its own connection: approve a random case (committing its
amount against a budget that cannot cover every case), or request its payment (with a fresh
idempotency key, or one reused from an earlier attempt of this worker, as a retry would), or
confirm this worker's batch. Refusals must be domain errors; anything else is reported.
"""

from __future__ import annotations

import random
import traceback
from collections import Counter
from datetime import date
from typing import Any

from yuanqu.core.auth import Principal, Role
from yuanqu.core.db import make_engine, writer_scope
from yuanqu.core.errors import YuanquError
from yuanqu.grants import batches, payments, transitions
from yuanqu.wiring import wire

NOTICE_OVER = date(2024, 6, 3)
APPROVED_ON = date(2024, 5, 6)


def attempts(url: str, worker: int, case_ids: list[int], n: int, engine: Any = None) -> dict:
    wire()  # a child process is a program using yuanqu as a library
    own_engine = engine is None
    engine = engine or make_engine(url)
    rng = random.Random(worker)
    committee = Principal(user_id=0, username=f"committee-{worker}", role=Role.admin)
    officer = Principal(user_id=0, username=f"officer-{worker}", role=Role.policy_officer)
    outcomes: Counter[str] = Counter()
    unexpected: list[str] = []
    keys: list[tuple[int, str]] = []
    batch_id = None
    try:
        for i in range(n):
            case_id = rng.choice(case_ids)
            action = rng.choice(("approve", "approve", "pay", "pay", "retry", "confirm"))
            try:
                if action in ("pay", "retry") and batch_id is None:
                    batch_id = _open_batch(engine, f"race-{worker}-{i}", officer)
                with writer_scope(engine) as session:
                    if action == "approve":
                        transitions.approve(
                            session, case_id=case_id, actor=committee, today=APPROVED_ON
                        )
                    elif action in ("pay", "retry"):
                        if action == "retry" and keys:
                            case_id, key = rng.choice(keys)
                        else:
                            key = f"w{worker}-a{i}-c{case_id}"
                        _, replayed = payments.request_payment(
                            session,
                            case_id=case_id,
                            idempotency_key=key,
                            actor=officer,
                            today=NOTICE_OVER,
                            batch_id=batch_id,
                        )
                        keys.append((case_id, key))
                        action += ":replayed" if replayed else ""
                    elif batch_id is not None:
                        batches.confirm_batch(session, batch_id=batch_id, actor=officer)
                        batch_id = None  # a confirmed batch is closed: open the next one
                outcomes[f"{action}:ok"] += 1
            except YuanquError as error:
                outcomes[f"{action}:{error.code}"] += 1
                if error.code == "batch_closed":
                    batch_id = None
            except Exception:  # reported to the test, which fails on it
                unexpected.append(traceback.format_exc())
    finally:
        if own_engine:
            engine.dispose()
    return {"outcomes": dict(outcomes), "unexpected": unexpected}


def _open_batch(engine: Any, key: str, officer: Principal) -> int:
    # Its own unit of work: a refused payment must not roll the batch back with it.
    with writer_scope(engine) as session:
        return batches.open_batch(session, key=key, actor=officer).id
