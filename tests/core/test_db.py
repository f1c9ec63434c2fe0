"""Data versions: what every columnar cache keys on."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, update
from sqlalchemy.pool import SingletonThreadPool

from yuanqu.accounts.models import UserSession
from yuanqu.core.config import get_settings, reset_settings, restore_settings
from yuanqu.core.db import (
    DataVersion,
    _engines,
    all_data_versions,
    bump_data_version,
    data_version,
    get_engine,
    session_scope,
)
from yuanqu.core.holidays import HolidayNoticeDay


def test_versions_increase_and_never_repeat_after_the_table_is_emptied(session):
    first = bump_data_version(session, "registry")
    second = bump_data_version(session, "registry")
    assert second > first
    assert data_version(session, "registry") == second
    session.execute(delete(DataVersion))
    assert bump_data_version(session, "registry") not in (first, second)


def test_unknown_dataset_is_version_zero(session):
    assert data_version(session, "never-written") == 0


# --- every write bumps its domain's version --------------------------------------------------


def _versions(engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return dict(all_data_versions(session))


def _holiday(day: int) -> HolidayNoticeDay:
    return HolidayNoticeDay(
        year=2031,
        day=date(2031, 1, day),
        kind="holiday",
        source="测试通知",
        loaded_by="test",
        loaded_at=datetime.now(UTC),
    )


def test_a_unit_of_work_that_writes_bumps_its_packages_version(committed_db):
    engine = committed_db.engine
    before = _versions(engine)
    with session_scope(engine) as session:
        session.add(_holiday(2))
        # before the commit nothing is bumped: no other reader sees a version of unwritten data
        assert dict(all_data_versions(session)).get("core") == before.get("core")
    after = _versions(engine)
    assert after["core"] > before.get("core", 0)
    assert {k: v for k, v in after.items() if k != "core"} == {
        k: v for k, v in before.items() if k != "core"
    }


def test_a_rolled_back_unit_of_work_bumps_nothing(committed_db):
    engine = committed_db.engine
    before = _versions(engine)
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        session.add(_holiday(3))
        session.flush()
        raise RuntimeError("the unit of work fails")
    assert _versions(engine) == before


def test_a_savepoint_bumps_with_its_outer_commit_not_before(committed_db):
    engine = committed_db.engine
    before = _versions(engine)
    with session_scope(engine) as session:
        with session.begin_nested():
            session.add(_holiday(4))
        assert _versions(engine) == before  # the savepoint's commit took no version row lock
        with pytest.raises(RuntimeError), session.begin_nested():
            session.add(_holiday(5))
            session.flush()
            raise RuntimeError("only this savepoint rolls back")
    assert _versions(engine)["core"] > before.get("core", 0)


def test_an_explicit_bump_undone_by_a_savepoint_does_not_stop_the_commits(committed_db):
    """A dataset bumped by hand is not bumped again at commit, unless a savepoint's rollback
    took that bump back while the unit of work still wrote the dataset's tables."""
    engine = committed_db.engine
    before = _versions(engine)
    with session_scope(engine) as session:
        session.add(_holiday(7))
        with pytest.raises(RuntimeError), session.begin_nested():
            bump_data_version(session, "core")
            session.flush()
            raise RuntimeError("the bump is rolled back with its savepoint")
    assert _versions(engine)["core"] > before.get("core", 0)
    kept = _versions(engine)
    with session_scope(engine) as session:
        session.add(_holiday(8))
        explicit = bump_data_version(session, "core")
    assert _versions(engine)["core"] == explicit > kept["core"]  # bumped once, not twice


def test_a_statement_write_bumps_too_and_accounts_do_not(committed_db):
    engine = committed_db.engine
    with session_scope(engine) as session:
        session.add(_holiday(6))
    before = _versions(engine)
    with session_scope(engine) as session:
        session.execute(delete(HolidayNoticeDay).where(HolidayNoticeDay.day == date(2031, 1, 6)))
    middle = _versions(engine)
    assert middle["core"] > before["core"]
    with session_scope(engine) as session:
        session.execute(update(UserSession).values(client="x"))  # a session's touch
    assert _versions(engine) == middle


def test_the_process_engine_keeps_as_many_connections_as_the_setting(tmp_path, monkeypatch):
    """Twenty readers at once must not open and close a connection each (the pool's default
    of five did): the server's engine keeps ``YUANQU_DB_POOL_SIZE`` and lets as many more open
    at a peak; a database in memory keeps its single connection."""
    saved = get_settings()
    monkeypatch.setenv("YUANQU_DB_POOL_SIZE", "7")
    reset_settings()
    url = f"sqlite:///{tmp_path / 'pool.db'}"
    try:
        engine = get_engine(url)
        assert engine.pool.size() == 7
        held = [engine.connect() for _ in range(14)]  # all at once, none waits for another
        for connection in held:
            connection.close()
        assert engine.pool.checkedin() == 7  # the seven kept; the peak's seven closed
        assert isinstance(get_engine("sqlite://").pool, SingletonThreadPool)
    finally:
        for key in (url, "sqlite://"):
            _engines.pop(key).dispose()
        restore_settings(saved)


def test_a_version_read_sees_a_bump_this_unit_of_work_has_not_flushed(session):
    """Versions are read on the connection (cheaper than the ORM's path) only when nothing is
    pending: a bump made earlier in the same unit of work is seen, before and after a flush."""
    first = bump_data_version(session, "registry")
    session.flush()
    assert data_version(session, "registry") == first
    second = bump_data_version(session, "registry")  # pending: the row is dirty, not flushed
    assert second > first
    assert data_version(session, "registry") == second
    assert dict(all_data_versions(session))["registry"] == second
