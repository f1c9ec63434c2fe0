"""Data versions: what every columnar cache keys on."""

from __future__ import annotations

from sqlalchemy import delete

from yuanqu.core.db import DataVersion, bump_data_version, data_version


def test_versions_increase_and_never_repeat_after_the_table_is_emptied(session):
    first = bump_data_version(session, "registry")
    second = bump_data_version(session, "registry")
    assert second > first
    assert data_version(session, "registry") == second
    session.execute(delete(DataVersion))
    assert bump_data_version(session, "registry") not in (first, second)


def test_unknown_dataset_is_version_zero(session):
    assert data_version(session, "never-written") == 0
