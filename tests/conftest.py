"""One real database per test session: SQLite always, PostgreSQL when YUANQU_TEST_DATABASE_URL is
set.

Every test that takes ``session`` runs inside a transaction that is rolled back at the end. Tests of
commands that commit (the CLI) take ``committed_db`` instead, which empties the tables afterwards.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from yuanqu.core.config import configure, get_settings, reset_settings, restore_settings
from yuanqu.core.db import Base, dispose_engines, make_engine, migrate
from yuanqu.wiring import wire

PG_ENV = "YUANQU_TEST_DATABASE_URL"
BACKENDS = ["sqlite", "postgresql"]


@dataclass(frozen=True)
class TestDatabase:
    backend: str
    url: str
    engine: Engine


def _create_pg_database(base_url: str) -> str:
    """A fresh database on the server of ``base_url``, so sessions never share state."""
    url = make_url(base_url)
    name = f"yuanqu_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(db_url: str) -> None:
    url = make_url(db_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def wired() -> None:
    """The domains connected as the app and the CLI connect them at start-up."""
    wire()


@pytest.fixture(scope="session", autouse=True)
def isolated_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test writes caches or uploads into the working directory's ``.yuanqu/``."""
    saved = get_settings()
    configure(data_dir=tmp_path_factory.mktemp("data-dir"))
    yield
    restore_settings(saved)


@contextmanager
def fresh_database(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestDatabase]:
    """A new, migrated database of ``backend`` (PostgreSQL skips the test when
    YUANQU_TEST_DATABASE_URL is not set), dropped afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'yuanqu.db'}"
    else:
        base = os.environ.get(PG_ENV)
        if not base:
            pytest.skip(f"{PG_ENV} is not set")
        url = _create_pg_database(base)
    migrate(url)
    engine = make_engine(url)
    try:
        yield TestDatabase(backend, url, engine)
    finally:
        engine.dispose()
        dispose_engines()
        if backend == "postgresql":
            _drop_pg_database(url)


@pytest.fixture(scope="session", params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestDatabase]:
    """The session's database, built by running the migrations from empty to head."""
    with fresh_database(request.param, tmp_path_factory) as db:
        yield db


@pytest.fixture
def session(database: TestDatabase) -> Iterator[Session]:
    """A session whose every change is rolled back after the test (savepoints inside)."""
    connection = database.engine.connect()
    transaction = connection.begin()
    db_session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield db_session
    finally:
        db_session.close()
        transaction.rollback()
        connection.close()


def empty_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def committed_db(database: TestDatabase, tmp_path) -> Iterator[TestDatabase]:
    """For code that commits (CLI commands): the settings point at the test database, and every
    table is emptied afterwards."""
    configure(database_url=database.url, data_dir=tmp_path / "data", lang="zh")
    try:
        yield database
    finally:
        dispose_engines()
        empty_tables(database.engine)
        reset_settings()


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run `yuanqu ARGS...` in-process through its real entry point, capturing what it prints."""
    from yuanqu.cli import main

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["yuanqu", *map(str, args)])
        code = 0
        saved = get_settings()
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            # The root options (--db, --lang) configure the process; later tests must not see them.
            restore_settings(saved)
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run
