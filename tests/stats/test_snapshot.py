"""The statistics snapshot is filed under the data versions of the rows it holds, whatever the
unit of work that asks for it has written or read before, and whenever an import commits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pyarrow as pa
import pytest
from sqlalchemy.orm import Session

from tests.factories.stats import add_reference
from tests.stats.test_bulletin import CASES, build_golden
from yuanqu.analytics import engine
from yuanqu.analytics.engine import CACHE
from yuanqu.core.db import session_scope
from yuanqu.stats import service
from yuanqu.stats.frames import TABLES, VERSIONS_SQL, database_url, session_versions, snapshot

if TYPE_CHECKING:
    from tests.conftest import TestDatabase

PERIOD = "2023-03"


def share_of_reference(session: Session) -> float | None:
    total = next(r for r in service.bulletin(session, period=PERIOD, by=[]).rows)
    return total.share_of_reference_pct


def import_reference(db: TestDatabase) -> None:
    """Another unit of work imports the city's total, which makes the zone 10% of it."""
    with session_scope(db.engine) as writer:
        add_reference(writer, "gross_output", PERIOD, 5300)


@pytest.fixture
def zone(committed_db: TestDatabase) -> TestDatabase:
    with session_scope(committed_db.engine) as session:
        build_golden(session, CASES["march_entry_and_exit"])
    CACHE.clear()
    return committed_db


def test_a_unit_of_work_reading_before_its_commit_leaves_no_stale_snapshot(zone) -> None:
    with session_scope(zone.engine) as session:
        add_reference(session, "gross_output", PERIOD, 5300)  # bumps the stats version
        # Read before the commit: the snapshot holds the committed rows, without the reference
        # (filed under the session's own new version, it was served after the commit too).
        assert share_of_reference(session) is None
    with session_scope(zone.engine) as session:
        assert share_of_reference(session) == pytest.approx(10.0)


def test_a_unit_of_work_that_read_before_an_import_files_its_snapshot_under_it(zone) -> None:
    with session_scope(zone.engine) as reader:
        if zone.backend == "postgresql":  # SQLite's read transaction is one snapshot already
            reader.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        before = session_versions(reader)  # the reader's view of the data starts here
        import_reference(zone)
        assert session_versions(reader) == before
        assert share_of_reference(reader) == pytest.approx(10.0)  # the committed rows
    with session_scope(zone.engine) as session:
        _data, warm = CACHE.get(
            database_url(session), TABLES, VERSIONS_SQL, seen=session_versions(session)
        )
        assert warm  # filed under the import's versions: nothing is read again


def racing_reads(monkeypatch: pytest.MonkeyPatch, db: TestDatabase, *, before: str) -> list[str]:
    """Make an import commit in the middle of the next snapshot read: just ``before`` the read of
    a group of queries holding a table named so (as when it lands between the reads of two
    child processes, or between two statements on PostgreSQL). The database and the commit are
    real; only the moment is chosen."""
    real = engine.read_arrow
    done: list[str] = []

    def read_arrow(
        url: str, queries: Mapping[str, str], *, parallel: Sequence[Mapping[str, str]] = ()
    ) -> dict[str, pa.Table]:
        tables: dict[str, pa.Table] = {}
        for group in (queries, *parallel):
            if not done and any(name.startswith(before) for name in group):
                import_reference(db)
                done.append(before)
            tables.update(real(url, group))
        return tables

    monkeypatch.setattr(engine, "read_arrow", read_arrow)
    return done


def test_an_import_committed_between_the_reads_of_a_load_is_read_again(
    zone, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bulletin reads two years: the tables with 2022, then 2023 by another read.
    done = racing_reads(monkeypatch, zone, before="reports#1")
    with session_scope(zone.engine) as session:
        share = share_of_reference(session)
        committed = engine.read_versions(database_url(session), VERSIONS_SQL)
    assert done and share == pytest.approx(10.0)
    data, warm = CACHE.get(zone.url, TABLES, VERSIONS_SQL, seen=committed)
    assert warm and data.versions == committed


def test_an_import_committed_before_a_year_is_added_reloads_the_snapshot(
    zone, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(zone.engine) as session:
        assert share_of_reference(session) is None  # 2022 and 2023 loaded, no reference
        done = racing_reads(monkeypatch, zone, before="reports#0")
        # The cached snapshot is at the versions before the import; the year 2021 is read after
        # it: its rows are not added to the old snapshot, which is read again.
        data = snapshot(session, years=(2021,))
    assert done
    assert data.query("SELECT count(*) AS n FROM reference").column("n").to_pylist() == [1]
    assert data.versions == engine.read_versions(zone.url, VERSIONS_SQL)
