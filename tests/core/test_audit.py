from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.audit import AuditChainHead, AuditRecord


def _append(session: Session, n: int, entity: str = "project") -> list[AuditRecord]:
    return [
        audit.record(
            session,
            actor="officer",
            entity_type=entity,
            entity_id=i,
            action="advance_stage",
            before={"stage": "signed", "amount_fen": 10**12},
            after={"stage": "started", "on": datetime(2023, 6, 30, tzinfo=UTC).date()},
            reason=None if i % 2 else "重新核定",
        )
        for i in range(1, n + 1)
    ]


class TestChain:
    def test_records_link_to_the_one_before(self, session):
        rows = _append(session, 3)
        assert [r.seq for r in rows] == [1, 2, 3]
        assert rows[0].prev_hash == audit.GENESIS
        assert rows[1].prev_hash == rows[0].hash
        assert rows[2].prev_hash == rows[1].hash

    def test_intact_chain_verifies_after_reading_back(self, session):
        _append(session, 5)
        session.expire_all()
        report = audit.verify_chain(session)
        assert report.intact
        assert report.records == 5 and report.head_seq == 5

    def test_empty_chain_is_intact(self, session):
        assert audit.verify_chain(session).intact

    def test_history_reads_json_back(self, session):
        _append(session, 2)
        history = audit.entity_history(session, entities=[("project", 2)])
        assert len(history) == 1
        assert history[0].before == {"amount_fen": 10**12, "stage": "signed"}
        assert history[0].after == {"on": "2023-06-30", "stage": "started"}
        assert history[0].reason == "重新核定"


class TestAppending:
    """Many records under one lock and one flush: the same chain, fewer statements."""

    def test_a_block_reads_the_head_once_and_builds_the_same_chain(self, session):
        _append(session, 2)
        statements: list[str] = []

        def seen(conn, cursor, statement, *args) -> None:
            statements.append(statement)

        engine = session.get_bind().engine
        event.listen(engine, "before_cursor_execute", seen)
        try:
            with audit.appending(session):
                rows = _append(session, 50)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        head_reads = [s for s in selects if "FROM audit_chain_head" in s]
        locks = [s for s in selects if "pg_advisory_xact_lock" in s]
        assert len(head_reads) == 1 and len(locks) <= 1
        assert len(selects) == len(head_reads) + len(locks)
        assert [r.seq for r in rows] == list(range(3, 53))
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
        session.expire_all()
        report = audit.verify_chain(session)
        assert report.intact and report.records == 52 and report.head_seq == 52

    def test_a_rolled_back_savepoint_takes_its_records_with_it(self, session):
        with audit.appending(session):
            _append(session, 3)
            with pytest.raises(RuntimeError), session.begin_nested():
                _append(session, 4, entity="refused")
                raise RuntimeError("a refusal inside the block")
            later = _append(session, 2, entity="after")
        assert [r.seq for r in later] == [4, 5]
        session.expire_all()
        report = audit.verify_chain(session)
        assert report.intact and report.records == 5
        kinds = session.scalars(select(AuditRecord.entity_type).order_by(AuditRecord.seq))
        assert list(kinds) == ["project"] * 3 + ["after"] * 2

    def test_the_first_record_ever_rolled_back_with_its_savepoint(self, session):
        with audit.appending(session):
            with pytest.raises(RuntimeError), session.begin_nested():
                _append(session, 2)  # creates the chain head, then loses it
                raise RuntimeError("rolled back")
            rows = _append(session, 2)
        assert [r.seq for r in rows] == [1, 2] and rows[0].prev_hash == audit.GENESIS
        session.expire_all()
        assert audit.verify_chain(session).intact

    def test_a_commit_inside_the_block_locks_the_chain_again(self, session):
        with audit.appending(session):
            _append(session, 2)
            session.commit()
            session.execute(update(AuditChainHead).values(seq=AuditChainHead.seq))  # a new one
            rows = _append(session, 2)
        assert [r.seq for r in rows] == [3, 4]
        session.expire_all()
        assert audit.verify_chain(session).records == 4

    def test_nested_blocks_join_the_outer_one(self, session):
        with audit.appending(session):
            _append(session, 1)
            with audit.appending(session):
                _append(session, 1)
            assert audit._APPENDING in session.info
            _append(session, 1)
        assert audit._APPENDING not in session.info
        session.expire_all()
        assert audit.verify_chain(session).records == 3


class TestTampering:
    @pytest.mark.parametrize(
        ("column", "value"),
        [
            ("actor", "someone else"),
            ("after", '{"stage":"production"}'),
            ("before", None),
            ("reason", "改过的理由"),
            ("entity_id", "99"),
            ("action", "delete"),
        ],
    )
    def test_editing_any_field_names_that_record(self, session, column, value):
        _append(session, 5)
        session.execute(update(AuditRecord).where(AuditRecord.seq == 3).values({column: value}))
        report = audit.verify_chain(session)
        assert report.broken_seq == 3
        assert "altered" in (report.reason_en or "")

    def test_editing_the_timestamp_is_detected(self, session):
        _append(session, 3)
        session.execute(
            update(AuditRecord)
            .where(AuditRecord.seq == 2)
            .values(occurred_at=datetime(2020, 1, 1, tzinfo=UTC))
        )
        assert audit.verify_chain(session).broken_seq == 2

    def test_rehashing_an_edited_record_breaks_the_next_link(self, session):
        rows = _append(session, 4)
        forged = rows[1]
        session.execute(
            update(AuditRecord).where(AuditRecord.seq == 2).values(actor="forger", hash="f" * 64)
        )
        report = audit.verify_chain(session)
        # The forged record fails its own hash first; had the forger computed a valid hash,
        # record 3 would no longer follow it.
        assert report.broken_seq == 2
        assert forged.seq == 2

    def test_deleting_a_middle_record_is_detected(self, session):
        _append(session, 5)
        session.execute(delete(AuditRecord).where(AuditRecord.seq == 2))
        report = audit.verify_chain(session)
        assert report.broken_seq == 2
        assert "missing" in (report.reason_en or "")

    def test_deleting_the_first_record_is_detected(self, session):
        _append(session, 3)
        session.execute(delete(AuditRecord).where(AuditRecord.seq == 1))
        assert audit.verify_chain(session).broken_seq == 1

    def test_deleting_the_last_record_is_caught_by_the_head(self, session):
        _append(session, 4)
        session.execute(delete(AuditRecord).where(AuditRecord.seq == 4))
        report = audit.verify_chain(session)
        assert report.broken_seq == 4
        assert "head" in (report.reason_en or "")

    def test_renumbering_after_a_deletion_breaks_the_link(self, session):
        _append(session, 4)
        session.execute(delete(AuditRecord).where(AuditRecord.seq == 2))
        for seq in (3, 4):
            session.execute(update(AuditRecord).where(AuditRecord.seq == seq).values(seq=seq - 1))
        session.execute(update(AuditChainHead).values(seq=3))
        assert audit.verify_chain(session).broken_seq == 2


class TestCli:
    def test_verify_prints_the_head_and_names_the_broken_record(self, committed_db, cli):
        from yuanqu.core.db import session_scope

        with session_scope() as session:
            _append(session, 3)
        ok = cli("audit", "verify")
        assert ok.exit_code == 0, ok.stderr
        assert "3" in ok.stdout
        with session_scope() as session:
            session.execute(update(AuditRecord).where(AuditRecord.seq == 2).values(actor="x"))
        bad = cli("--lang", "en", "audit", "verify")
        assert bad.exit_code == 1
        assert "record 2" in bad.stderr

    def test_log_lists_one_entity(self, committed_db, cli):
        from yuanqu.core.db import session_scope

        with session_scope() as session:
            _append(session, 3)
        result = cli("audit", "log", "project:3", "--format", "json")
        assert result.exit_code == 0, result.stderr
        assert '"seq": 3' in result.stdout


class TestConcurrentAppends:
    def test_parallel_writers_never_fork_the_chain(self, database):
        if database.backend != "postgresql":
            pytest.skip("the advisory lock is PostgreSQL's; SQLite has one writer at a time")
        errors: list[BaseException] = []
        start = threading.Barrier(3)

        def writer(name: str) -> None:
            try:
                start.wait()
                for i in range(15):
                    with Session(database.engine) as session, session.begin():
                        audit.record(
                            session, actor=name, entity_type="t", entity_id=i, action="tick"
                        )
                # and a bulk writer among the single ones
                with Session(database.engine) as session, session.begin(), audit.appending(session):
                    for i in range(15):
                        audit.record(
                            session, actor=name, entity_type="bulk", entity_id=i, action="tick"
                        )
            except BaseException as exc:  # reported below, a thread cannot raise into pytest
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(f"w{n}",)) for n in range(3)]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert not errors
            with Session(database.engine) as session:
                report = audit.verify_chain(session)
                seqs = list(session.scalars(select(AuditRecord.seq).order_by(AuditRecord.seq)))
            assert report.intact, report.reason_en
            assert seqs == list(range(1, 91))
        finally:
            with database.engine.begin() as conn:
                conn.execute(delete(AuditRecord))
                conn.execute(delete(AuditChainHead))
