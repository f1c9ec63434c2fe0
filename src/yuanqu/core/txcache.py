"""Values a unit of work may keep while the transaction that made them lasts: a row it locked, a
table it read once.

A row locked with ``SELECT ... FOR UPDATE`` stays locked until the transaction ends (PostgreSQL),
and on SQLite the unit of work holds the database's only write lock: no other writer can change
the row meanwhile, so locking and reading it again in the same unit of work only costs a query and
a flush. A value is kept with the innermost (sub)transaction open when it was made, and is
forgotten as soon as that one is no longer active: a rolled-back savepoint releases the locks taken
inside it (and SQLAlchemy expires what it changed), a commit ends everything.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session, SessionTransaction

_KEY = "yuanqu.txcache"


def _current(session: Session) -> SessionTransaction | None:
    return session.get_nested_transaction() or session.get_transaction()


def get(session: Session, key: tuple[Any, ...]) -> Any | None:
    """The value kept under ``key``, or None if its transaction ended (or a row kept there left
    the session or was expired by a rollback)."""
    entry = session.info.get(_KEY, {}).get(key)
    if entry is None:
        return None
    transaction, value = entry
    if not transaction.is_active:
        return None
    if hasattr(value, "_sa_instance_state"):
        state = inspect(value)
        if state.session is not session or state.expired_attributes:
            return None
    return value


def put(session: Session, key: tuple[Any, ...], value: Any) -> Any:
    """Keep ``value`` under ``key`` for as long as the current (sub)transaction is active."""
    transaction = _current(session)
    if transaction is None:  # no transaction, nothing to keep it with
        return value
    kept = session.info.setdefault(_KEY, {})
    root = session.get_transaction()
    if kept.get(("root",)) is not root:  # a new unit of work: forget the last one's values
        kept.clear()
        kept[("root",)] = root
    kept[key] = (transaction, value)
    return value


def forget(session: Session, key: tuple[Any, ...]) -> None:
    session.info.get(_KEY, {}).pop(key, None)
