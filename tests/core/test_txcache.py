"""Values kept for as long as the (sub)transaction that made them: a rolled-back savepoint or a
commit forgets them, and so does a rollback that expired a kept row."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from tests.factories.grants import make_case
from yuanqu.core import txcache
from yuanqu.grants import ledger


class TestKeep:
    def test_kept_until_the_commit(self, session) -> None:
        session.connection()  # a transaction is open
        txcache.put(session, ("k",), 41)
        assert txcache.get(session, ("k",)) == 41
        session.commit()
        assert txcache.get(session, ("k",)) is None

    def test_a_value_made_inside_a_rolled_back_savepoint_is_forgotten(self, session) -> None:
        session.connection()
        txcache.put(session, ("outer",), "o")
        with pytest.raises(RuntimeError), session.begin_nested():
            txcache.put(session, ("inner",), "i")
            assert txcache.get(session, ("inner",)) == "i"
            raise RuntimeError("rolled back")
        assert txcache.get(session, ("inner",)) is None
        assert txcache.get(session, ("outer",)) == "o"

    def test_forget(self, session) -> None:
        session.connection()
        txcache.put(session, ("k",), 1)
        txcache.forget(session, ("k",))
        assert txcache.get(session, ("k",)) is None


class TestLockOnce:
    def _selects(self, session):
        seen: list[str] = []

        def listener(conn, cursor, statement, *args) -> None:
            if statement.lstrip().upper().startswith("SELECT") and "grant_cases" in statement:
                seen.append(statement)

        return seen, listener

    def test_a_case_is_locked_once_per_unit_of_work(self, session) -> None:
        case = make_case(session)
        session.commit()  # a new unit of work: nothing held yet
        seen, listener = self._selects(session)
        engine = session.get_bind().engine
        event.listen(engine, "before_cursor_execute", listener)
        try:
            first = ledger.lock_case(session, case.id)
            again = ledger.lock_case(session, case.id)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert first is again and len(seen) == 1
        if session.get_bind().dialect.name == "postgresql":
            assert "FOR UPDATE" in seen[0]

    def test_a_savepoint_rollback_that_touched_the_case_locks_it_again(self, session) -> None:
        case = make_case(session)
        session.commit()
        ledger.lock_case(session, case.id)
        with pytest.raises(RuntimeError), session.begin_nested():
            ledger.lock_case(session, case.id).amount_fen = 1
            raise RuntimeError("refused")
        seen, listener = self._selects(session)
        engine = session.get_bind().engine
        event.listen(engine, "before_cursor_execute", listener)
        try:
            fresh = ledger.lock_case(session, case.id)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert len(seen) == 1 and fresh.amount_fen == 1_000_000
