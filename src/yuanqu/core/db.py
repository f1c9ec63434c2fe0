"""The system of record: SQLAlchemy 2 engine, sessions, the declarative base and migrations."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Engine,
    Executable,
    Integer,
    MetaData,
    String,
    bindparam,
    case,
    create_engine,
    event,
    select,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import NullPool

from yuanqu.core.config import get_settings

# One naming convention from the first day, so constraints have stable names on both databases
# and Alembic can drop or alter them later.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; BigInteger ids must render as INTEGER there.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


_engines: dict[str, Engine] = {}
_side_engines: dict[str, Engine] = {}

#: Connection execution option read by the SQLite ``begin`` hook: ``"immediate"`` starts the
#: transaction with BEGIN IMMEDIATE (the single-writer discipline of money transactions).
SQLITE_BEGIN_OPTION = "yuanqu_sqlite_begin"
_lock = threading.Lock()


def _prepare_sqlite(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """A new engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    if url.startswith("sqlite"):
        _prepare_sqlite(url)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy own transactions: the driver's implicit BEGIN would defeat
            # BEGIN IMMEDIATE (the single-writer discipline).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            # 64 MiB page cache: bulk imports update several indexes per row.
            cur.execute("PRAGMA cache_size=-65536")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # A writer (see begin_writer) takes the write lock up front: a deferred transaction
            # that read first could not upgrade to a write once another writer committed.
            immediate = conn.get_execution_options().get(SQLITE_BEGIN_OPTION) == "immediate"
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def side_engine(engine: Engine) -> Engine:
    """An engine on ``engine``'s database that keeps no pool: for a short write a request makes
    beside its own unit of work (a session's touch). It never waits for the request pool, which
    twenty readers at once may hold whole, each asking for a second connection."""
    url = engine.url.render_as_string(hide_password=False)
    with _lock:
        side = _side_engines.get(url)
        if side is None:
            side = _side_engines[url] = make_engine(url, poolclass=NullPool)
        return side


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for a URL (default: the configured database).

    Its pool keeps ``YUANQU_DB_POOL_SIZE`` connections (20) and opens as many again at a peak:
    twenty readers at once each hold one. With SQLAlchemy's default of five, every request past
    the fifth opened a connection (and SQLite ran its four pragmas) and closed it again, which
    was a sixth of the server's work under twenty clients."""
    url = url or get_settings().resolved_database_url
    size = get_settings().db_pool_size
    pool: dict[str, Any] = {"pool_size": size, "max_overflow": size}
    if url.startswith("sqlite") and make_url(url).database in (None, "", ":memory:"):
        pool = {}  # a database in memory lives in one connection (SQLAlchemy's singleton pool)
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url, **pool)
        return engine


def dispose_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error. Services never commit."""
    session = session_factory(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def begin_writer(session: Session) -> None:
    """Start the session's unit of work as a writer, if it has not started yet.

    On SQLite the transaction begins with BEGIN IMMEDIATE, so this unit of work holds the
    database's single write lock from its first statement (others wait up to the busy timeout
    instead of failing half-way). PostgreSQL needs nothing here: money services lock their rows
    with SELECT ... FOR UPDATE. A session already in a transaction (or bound to a connection, as
    in tests) is left as it is.
    """
    if session.in_transaction() or not isinstance(session.get_bind(), Engine):
        return
    if is_sqlite(session):
        session.connection(execution_options={SQLITE_BEGIN_OPTION: "immediate"})


@contextmanager
def writer_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A unit of work that writes money: :func:`session_scope` begun by :func:`begin_writer`."""
    with session_scope(engine) as session:
        begin_writer(session)
        yield session


def is_sqlite(engine_or_session: Engine | Session) -> bool:
    bind = (
        engine_or_session.get_bind()
        if isinstance(engine_or_session, Session)
        else engine_or_session
    )
    return bind.dialect.name == "sqlite"


# --- data versions -------------------------------------------------------------------------------
# Every import bumps the version of what it changed, so columnar caches (analytics/) know when the
# data they hold is stale without comparing the data itself.


class DataVersion(Base):
    """A counter per dataset (``registry``, ``stats``...), bumped by every write to it."""

    __tablename__ = "data_versions"

    dataset: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def bump_data_version(session: Session, dataset: str) -> int:
    """Record that ``dataset`` changed in this unit of work; returns the new version.

    Versions are microseconds since the epoch, kept strictly increasing: a counter would start
    again at 1 after a restore, a rebuilt demo or a rolled-back transaction, and a cache keyed on
    it would then serve figures of other data.
    """
    row = session.get(DataVersion, dataset, with_for_update=True)
    now = datetime.now(UTC)
    clock = int(now.timestamp() * 1_000_000)
    if row is None:
        # A random offset too: a clock read twice within one tick (or frozen in a test) must not
        # repeat a version after the table is emptied. Under 2^53: exact in JSON and JavaScript.
        row = DataVersion(
            dataset=dataset, version=clock + secrets.randbelow(1_000_000), changed_at=now
        )
        session.add(row)
    else:
        row.version = max(row.version + 1, clock)
        row.changed_at = now
    # The commit's own bump is not needed, as long as this one is not undone by a savepoint's
    # rollback: the commit checks that the version is still the one set here.
    session.info.setdefault(_BUMPED, {})[dataset] = row.version
    return row.version


def read(session: Session, statement: Executable, params: dict[str, Any] | None = None) -> Any:
    """Run a small read that every request makes (the session's user, the data versions, a
    tab's firm) on the session's connection: the ORM's execution path and row loading cost more
    than the query. When something of this unit of work is pending, through the session, which
    flushes it first, so the read sees it."""
    if session.new or session.dirty or session.deleted:
        return session.execute(statement, params)
    return session.connection().execute(statement, params)


_VERSION = select(DataVersion.version).where(DataVersion.dataset == bindparam("dataset"))


def data_version(session: Session, dataset: str) -> int:
    return read(session, _VERSION, {"dataset": dataset}).scalar() or 0


_ALL_VERSIONS = select(DataVersion.dataset, DataVersion.version)  # read by every kept page


def all_data_versions(session: Session) -> tuple[tuple[str, int], ...]:
    """Every dataset's version, in order: a key that changes with any write to the data."""
    rows = read(session, _ALL_VERSIONS).all()
    return tuple(sorted((str(d), int(v)) for d, v in rows))


def database_key(session: Session) -> str:
    """Which database a session reads (cache keys must not mix two databases)."""
    bind = session.get_bind()
    return str(getattr(bind, "engine", bind).url)


def data_key(session: Session) -> tuple[str, tuple[tuple[str, int], ...]] | None:
    """All the zone's data as a cache key: the database and every dataset's version; None when
    nothing has a version yet (no write has been recorded: nothing to key a cache on)."""
    versions = all_data_versions(session)
    return (database_key(session), versions) if versions else None


# Every unit of work that writes a domain's tables through the ORM bumps that domain's dataset
# (the package that declares the table: ``grants``, ``service``, ``plans``...; ``core`` for the
# holiday notices) when it commits, so caches keyed by the versions (the pages, the warm-up) can
# never outlive a workflow's write, not only an import's. Bulk paths that write through a bare
# connection bump explicitly, as before. Writes that are not the zone's data stay out: accounts,
# sessions, login failures and tokens, the audit trail, and the versions themselves.
UNVERSIONED_TABLES = frozenset(
    {
        "users",
        "api_tokens",
        "user_sessions",
        "login_failures",
        "audit_records",
        "audit_chain_head",
        "data_versions",
    }
)
_PENDING = "yuanqu_datasets_written"
_BUMPED = "yuanqu_datasets_bumped"  # bumped explicitly in this unit of work (an import)
_table_datasets: dict[str, str | None] = {}


def _dataset_of_table(name: str) -> str | None:
    if not _table_datasets:
        for mapper in Base.registry.mappers:
            table = getattr(mapper, "local_table", None)
            if table is None:
                continue
            parts = mapper.class_.__module__.split(".")
            package = parts[1] if len(parts) > 2 and parts[0] == "yuanqu" else None
            unversioned = package is None or table.name in UNVERSIONED_TABLES
            _table_datasets[table.name] = None if unversioned else package
    return _table_datasets.get(name)


def _note_written(session: Session, tables: Iterator[str]) -> None:
    for name in tables:
        dataset = _dataset_of_table(name)
        if dataset is not None:
            session.info.setdefault(_PENDING, set()).add(dataset)


@event.listens_for(Session, "after_flush")
def _written_by_flush(session: Session, _context: Any) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    _note_written(
        session,
        (
            table.name
            for obj in changed
            if session.is_modified(obj, include_collections=False) or obj not in session.dirty
            for table in sa_inspect(obj).mapper.tables
        ),
    )


@event.listens_for(Session, "do_orm_execute")
def _written_by_statement(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        name = getattr(table, "name", None)
        if name:
            _note_written(state.session, iter((name,)))


@event.listens_for(Session, "before_commit")
def _bump_written(session: Session) -> None:
    # A savepoint's commit fires this too: bumping there would lock a version row in the middle
    # of the unit of work, before the locks it takes later (the audit chain's), and deadlock.
    if session.in_nested_transaction():
        return
    session.flush()  # what is still unflushed is noted by the flush (the commit flushes after)
    # A dataset this unit of work bumped itself has its new version already: a second bump would
    # break what that bump was keyed to (the insurance book's columnar parts chain on it).
    pending = session.info.pop(_PENDING, set())
    bumped = session.info.pop(_BUMPED, {})
    pending -= {d for d, v in bumped.items() if d in pending and v == _stored(session, d)}
    if not pending:
        return
    now = datetime.now(UTC)
    clock = int(now.timestamp() * 1_000_000)
    insert = sqlite_insert if is_sqlite(session) else postgresql_insert
    table = DataVersion.__table__
    for dataset in sorted(pending):  # one order: two writers never wait on each other
        # An upsert: two first writers of a dataset at once must not both insert its row.
        statement = insert(table).values(
            dataset=dataset, version=clock + secrets.randbelow(1_000_000), changed_at=now
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.dataset],
                set_={
                    "version": case(
                        (table.c.version + 1 > clock, table.c.version + 1), else_=clock
                    ),
                    "changed_at": now,
                },
            )
        )


def _stored(session: Session, dataset: str) -> int | None:
    """The version the database holds now, in this unit of work (not the identity map's)."""
    return session.execute(
        select(DataVersion.version).where(DataVersion.dataset == dataset)
    ).scalar_one_or_none()


@event.listens_for(Session, "after_transaction_end")
def _forget_written(session: Session, transaction: Any) -> None:
    # The whole unit of work rolled back (a savepoint's rollback keeps what was noted: an extra
    # bump costs a cache refill, a missing one would serve a stale page).
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_BUMPED, None)


# --- migrations ----------------------------------------------------------------------------------


def alembic_config(url: str) -> Any:
    """An Alembic config pointing at the migrations shipped inside the package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "yuanqu:migrations")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str | None = None, revision: str = "head") -> None:
    """Bring the database at ``url`` (default: the configured one) to ``revision``."""
    from alembic import command

    url = url or get_settings().resolved_database_url
    if url.startswith("sqlite"):
        _prepare_sqlite(url)
    command.upgrade(alembic_config(url), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def require_current(engine: Engine | None = None) -> None:
    """Refuse to work on a database that is missing or behind the code's migrations."""
    from yuanqu.core.errors import YuanquError

    engine = engine or get_engine()
    revision = current_revision(engine)
    if revision != head_revision():
        raise YuanquError(
            f"数据库未初始化或版本过旧（当前 {revision or '空'}），请先运行 `yuanqu init`",
            f"the database is not initialised or is behind (at {revision or 'nothing'}); "
            "run `yuanqu init` first",
            code="database_not_ready",
        )


@contextmanager
def cli_session() -> Iterator[Session]:
    """The unit of work of one CLI command, on a database known to be at head."""
    require_current()
    with session_scope() as session:
        yield session
