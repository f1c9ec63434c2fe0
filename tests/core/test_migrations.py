"""Migrations run from empty to head and back on both databases, and match the models."""

from __future__ import annotations

import os

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from tests.conftest import PG_ENV, _create_pg_database, _drop_pg_database
from yuanqu.core.db import Base, alembic_config, head_revision, make_engine, migrate
from yuanqu.models import import_all_models


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set")
    url = _create_pg_database(base)
    yield url
    _drop_pg_database(url)


def test_upgrade_downgrade_upgrade(empty_url):
    migrate(empty_url)
    engine = make_engine(empty_url)
    try:
        assert "enterprises" in inspect(engine).get_table_names()
        command.downgrade(alembic_config(empty_url), "base")
        assert "enterprises" not in inspect(engine).get_table_names()
        migrate(empty_url)
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == head_revision()
    finally:
        engine.dispose()


def test_models_and_migrations_agree(empty_url):
    """Autogenerate finds nothing to do: every model change came with its migration."""
    migrate(empty_url)
    import_all_models()
    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
