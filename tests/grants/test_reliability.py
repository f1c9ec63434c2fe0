"""The point of the grants issue: money stays right under races, retries, crashes and tampering."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from tests.factories.grants import NOTICE_OVER, OFFICER, make_budget, make_case
from tests.grants import race
from yuanqu.core import audit
from yuanqu.core.db import session_scope, writer_scope
from yuanqu.core.errors import Conflict
from yuanqu.grants import ledger, payments
from yuanqu.grants.flows import run_batch
from yuanqu.grants.models import Budget, CaseStatus, GrantCase, Payment

AMOUNT = 1_000_000
CASES = 20
AFFORDABLE = 12  # the budget covers 12 of the 20 cases
WORKERS = 8
ATTEMPTS = 100
EXPECTED_REFUSALS = {
    "invalid_transition",
    "budget_exceeded",
    "already_paid",
    "notice_not_over",
    "idempotency_key_reused",
    "batch_closed",
    "batch_empty",
}
ROOT = Path(__file__).resolve().parents[2]


def _setup_race(engine) -> list[int]:
    with session_scope(engine) as session:
        make_budget(session, AMOUNT * AFFORDABLE)
        return [make_case(session, status=CaseStatus.committee_review).id for _ in range(CASES)]


def _check_ledger(engine, results: list[dict]) -> dict[str, int]:
    unexpected = [u for r in results for u in r["unexpected"]]
    assert unexpected == [], unexpected[0]
    outcomes: dict[str, int] = {}
    for r in results:
        for k, v in r["outcomes"].items():
            outcomes[k] = outcomes.get(k, 0) + v
    refusals = {k.split(":")[-1] for k in outcomes if not k.endswith(":ok")}
    assert refusals <= EXPECTED_REFUSALS, refusals
    with session_scope(engine) as session:
        assert ledger.ledger_problems(session) == []
        budget = session.scalars(select(Budget)).one()
        assert budget.committed_fen == AMOUNT * AFFORDABLE  # every affordable case approved
        assert budget.paid_fen <= budget.scheduled_fen <= budget.committed_fen <= budget.budget_fen
        twice = session.execute(
            select(Payment.case_id).group_by(Payment.case_id).having(func.count() > 1)
        ).all()
        assert twice == []
        approved = session.scalar(select(func.count()).where(GrantCase.committed_fen > 0))
        assert approved == AFFORDABLE
        unpaid_payments = session.scalar(
            select(func.count())
            .select_from(Payment)
            .join(GrantCase, GrantCase.id == Payment.case_id)
            .where(GrantCase.committed_fen == 0)
        )
        assert unpaid_payments == 0  # only committed cases are ever paid
        assert audit.verify_chain(session).intact
    assert sum(outcomes.values()) == WORKERS * ATTEMPTS
    return outcomes


class TestRaces:
    def test_processes_race_on_postgresql(self, committed_db) -> None:
        if committed_db.backend != "postgresql":
            pytest.skip("processes race on PostgreSQL; SQLite races with threads below")
        case_ids = _setup_race(committed_db.engine)
        context = multiprocessing.get_context("spawn")
        with context.Pool(WORKERS) as pool:
            results = pool.starmap(
                race.attempts,
                [(committed_db.url, w, case_ids, ATTEMPTS) for w in range(WORKERS)],
            )
        outcomes = _check_ledger(committed_db.engine, results)
        assert outcomes.get("approve:budget_exceeded", 0) > 0

    def test_threads_race_on_sqlite(self, committed_db) -> None:
        if committed_db.backend != "sqlite":
            pytest.skip("threads race on SQLite; PostgreSQL races with processes above")
        case_ids = _setup_race(committed_db.engine)
        with ThreadPoolExecutor(WORKERS) as pool:
            futures = [
                pool.submit(
                    race.attempts, committed_db.url, w, case_ids, ATTEMPTS, committed_db.engine
                )
                for w in range(WORKERS)
            ]
            results = [f.result() for f in futures]
        outcomes = _check_ledger(committed_db.engine, results)
        assert outcomes.get("approve:budget_exceeded", 0) > 0


class TestIdempotency:
    def test_retry_after_a_timeout_produces_one_payment(self, committed_db) -> None:
        engine = committed_db.engine
        with session_scope(engine) as session:
            make_budget(session, 10 * AMOUNT)
            case_id = make_case(session, status=CaseStatus.public_notice).id
        # The first request commits, but its response is lost (the client timed out).
        with writer_scope(engine) as session:
            first, _ = payments.request_payment(
                session,
                case_id=case_id,
                idempotency_key="timeout-key-1",
                actor=OFFICER,
                today=NOTICE_OVER,
            )
            first_id = first.id
        with writer_scope(engine) as session:
            again, replayed = payments.request_payment(
                session,
                case_id=case_id,
                idempotency_key="timeout-key-1",
                actor=OFFICER,
                today=NOTICE_OVER,
            )
            assert replayed and again.id == first_id
        with session_scope(engine) as session:
            assert session.scalar(select(func.count()).select_from(Payment)) == 1
            assert session.scalars(select(Budget)).one().scheduled_fen == AMOUNT

    def test_retry_after_a_timeout_before_commit_pays_once(self, committed_db) -> None:
        engine = committed_db.engine
        with session_scope(engine) as session:
            make_budget(session, 10 * AMOUNT)
            case_id = make_case(session, status=CaseStatus.public_notice).id
        # The first request times out inside the database: its transaction rolls back.
        with pytest.raises(TimeoutError), writer_scope(engine) as session:
            payments.request_payment(
                session,
                case_id=case_id,
                idempotency_key="timeout-key-2",
                actor=OFFICER,
                today=NOTICE_OVER,
            )
            raise TimeoutError
        with writer_scope(engine) as session:
            _, replayed = payments.request_payment(
                session,
                case_id=case_id,
                idempotency_key="timeout-key-2",
                actor=OFFICER,
                today=NOTICE_OVER,
            )
            assert not replayed
        with session_scope(engine) as session:
            assert session.scalar(select(func.count()).select_from(Payment)) == 1
            assert ledger.ledger_problems(session) == []


class TestCrash:
    def test_sigkill_mid_batch_then_rerun_pays_each_case_once(self, committed_db, tmp_path) -> None:
        engine = committed_db.engine
        with session_scope(engine) as session:
            make_budget(session, 100 * AMOUNT)
            ids = [make_case(session, status=CaseStatus.public_notice).id for _ in range(8)]
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.grants.batch_child",
                committed_db.url,
                "crash-batch-1",
                str(tmp_path),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            env=os.environ | {"PYTHONPATH": str(ROOT)},
        )
        assert child.stdout is not None
        seen = [child.stdout.readline() for _ in range(3)]
        assert all("/8" in line for line in seen), seen
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
        assert child.returncode == -signal.SIGKILL
        with session_scope(engine) as session:
            assert ledger.ledger_problems(session) == []
            done = session.scalar(select(func.count()).select_from(Payment))
            assert 3 <= done < 8
            assert audit.verify_chain(session).intact
        result = run_batch(engine, key="crash-batch-1", actor=OFFICER, today=NOTICE_OVER)
        assert result["payments"] == 8 and result["scheduled_now"] == 8 - done
        again = run_batch(engine, key="crash-batch-1", actor=OFFICER, today=NOTICE_OVER)
        assert again["scheduled_now"] == 0
        with session_scope(engine) as session:
            payments = session.scalars(select(Payment)).all()
            assert sorted(p.case_id for p in payments) == sorted(ids)
            assert ledger.ledger_problems(session) == []
            assert session.scalars(select(Budget)).one().scheduled_fen == 8 * AMOUNT


class TestTampering:
    @pytest.fixture
    def history(self, committed_db):
        with session_scope(committed_db.engine) as session:
            make_budget(session, 10 * AMOUNT)
            make_case(session, status=CaseStatus.payment_scheduled)
        return committed_db.engine

    def _verify(self, engine) -> audit.ChainReport:
        with session_scope(engine) as session:
            return audit.verify_chain(session)

    def test_intact_chain(self, history) -> None:
        assert self._verify(history).intact

    def test_editing_an_amount_in_a_record_is_detected(self, history) -> None:
        with history.begin() as conn:
            seq = conn.scalar(text("SELECT min(seq) FROM audit_records WHERE action = 'schedule'"))
            conn.execute(
                text(
                    "UPDATE audit_records SET after = replace(after, '1000000', '9000000') "
                    "WHERE seq = :seq"
                ),
                {"seq": seq},
            )
        report = self._verify(history)
        assert not report.intact and report.broken_seq == seq

    def test_deleting_a_record_is_detected(self, history) -> None:
        with history.begin() as conn:
            conn.execute(text("DELETE FROM audit_records WHERE seq = 2"))
        report = self._verify(history)
        assert not report.intact and report.broken_seq == 2

    def test_deleting_the_last_record_is_detected(self, history) -> None:
        with history.begin() as conn:
            conn.execute(
                text("DELETE FROM audit_records WHERE seq = (SELECT max(seq) FROM audit_records)")
            )
        assert not self._verify(history).intact

    def test_cli_names_the_broken_record(self, history, cli) -> None:
        with history.begin() as conn:
            conn.execute(text("UPDATE audit_records SET actor = 'someone-else' WHERE seq = 3"))
        result = cli("audit", "verify")
        assert result.exit_code == 1
        assert "3" in result.stderr + result.stdout


def test_refusal_is_a_conflict_not_a_crash(committed_db) -> None:
    with session_scope(committed_db.engine) as session:
        case_id = make_case(session, status=CaseStatus.committee_review).id
    with pytest.raises(Conflict) as error, writer_scope(committed_db.engine) as session:
        from tests.factories.grants import COMMITTEE
        from yuanqu.grants import transitions

        transitions.approve(session, case_id=case_id, actor=COMMITTEE)
    assert error.value.code == "no_budget"
    _ = time
