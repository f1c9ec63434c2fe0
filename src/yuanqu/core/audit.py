"""The audit log: append-only, hash-chained records of every state change that matters.

Every transition of a project, a lead, an application, an award or a payment calls :func:`record`
in the same unit of work as the change itself, so the change and its record commit or roll back
together. A record says who did what to which entity, when, with the entity's state before and
after (JSON) and, where a rule asks for one, the reason.

The chain: records are numbered 1, 2, 3... (``seq``) and each holds the SHA-256 of its own
canonical content plus the hash of the record before it (``prev_hash``; the first record holds
:data:`GENESIS`). Editing any field of a record breaks its own hash; deleting a record breaks the
link of the one after it (and leaves a gap in ``seq``); deleting the last records is caught by the
chain head (``audit_chain_head``), a one-row table updated with every append. Rewriting a record
*and* every hash after it, head included, is only caught by comparing the head with a copy kept
elsewhere: `yuanqu audit verify` prints the head so it can be noted in the minutes or a bulletin.

Concurrency: appends are serialised so the chain never forks. PostgreSQL takes a transaction-level
advisory lock before reading the head; SQLite has one writer at a time anyway. Unique constraints
on ``seq`` and ``prev_hash`` make a fork impossible even if a caller bypassed this module.

Bulk work: a unit of work that records many changes (a payment batch confirmed, the year's
auto-entitlements matched, the demo's awards) wraps them in :func:`appending`. The chain is then
locked and its head read once, at the first record; later records follow the last one appended in
memory and are written with the unit of work's next flush, instead of a locked read and a flush
each. The lock is the same transaction-level lock either way: it is held to the commit from the
first record on. A savepoint rolled back inside the block takes its records with it, and the next
record follows the last one that survived.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, String, Text, inspect, select, text
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from yuanqu.core.db import Base, BigId, is_sqlite

__all__ = [
    "GENESIS",
    "AuditRecord",
    "AuditRecordRead",
    "ChainReport",
    "StateProblem",
    "appending",
    "canonical_json",
    "entity_history",
    "latest_states",
    "on_verify",
    "record",
    "recorded_at",
    "verify_chain",
    "verify_state",
]

#: The ``prev_hash`` of the first record.
GENESIS = "0" * 64

# An arbitrary constant naming the advisory lock of the audit chain (pg_advisory_xact_lock).
_PG_LOCK_KEY = 7_320_110_302


class AuditRecord(Base):
    """One change, chained to the one before. Never updated, never deleted."""

    __tablename__ = "audit_records"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True, comment="1, 2, 3... no gaps")
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(100), comment="who: a user name or system:<job>")
    entity_type: Mapped[str] = mapped_column(String(40), comment="project, lead, award...")
    entity_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(60), comment="create, advance_stage, close_item...")
    before: Mapped[str | None] = mapped_column(Text, comment="canonical JSON of the state before")
    after: Mapped[str | None] = mapped_column(Text, comment="canonical JSON of the state after")
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = ({"comment": "append-only, hash-chained audit log"},)


class AuditChainHead(Base):
    """The last record's number and hash: catches deleting records from the end."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return _timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not JSON serialisable in an audit record: {type(value).__name__}")


def canonical_json(value: Any) -> str | None:
    """One spelling per value: sorted keys, no spaces, UTF-8 text. None stays None."""
    if value is None:
        return None
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default
    )


def _timestamp(moment: datetime) -> str:
    # SQLite hands back naive datetimes: everything written here is UTC, so naive means UTC.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _digest(
    *,
    seq: int,
    occurred_at: datetime,
    actor: str,
    entity_type: str,
    entity_id: str,
    action: str,
    before: str | None,
    after: str | None,
    reason: str | None,
    prev_hash: str,
) -> str:
    content = canonical_json(
        {
            "seq": seq,
            "occurred_at": _timestamp(occurred_at),
            "actor": actor,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "action": action,
            "before": before,
            "after": after,
            "reason": reason,
            "prev_hash": prev_hash,
        }
    )
    assert content is not None
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _lock_chain(session: Session) -> AuditChainHead | None:
    if not is_sqlite(session):
        # Serialises appends even before the head row exists (a row lock needs a row).
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    return session.get(AuditChainHead, 1, with_for_update=True, populate_existing=True)


# The key of the session.info entry an `appending` block keeps its tail in.
_APPENDING = "yuanqu.audit.appending"


@dataclass
class _Tail:
    """The chain as an `appending` block has extended it since it locked the head."""

    transaction: SessionTransaction  # the (sub)transaction the lock was taken in
    head: AuditChainHead | None
    base: tuple[int, str]  # the head's (seq, hash) as read under the lock
    rows: list[AuditRecord] = field(default_factory=list)


@contextmanager
def appending(session: Session) -> Iterator[None]:
    """Append the block's audit records under one lock of the chain, flushed with the unit of
    work instead of one at a time (see the module's docstring). Nested blocks join the outer."""
    if _APPENDING in session.info:
        yield
        return
    session.info[_APPENDING] = None
    try:
        # The chain is locked at the block's first record, not here: a writer locks the case,
        # then the budget, then the chain, and taking the chain first would deadlock with one.
        yield
        session.flush()  # the block's records and the head are written before it ends
    finally:
        session.info.pop(_APPENDING, None)


def _tail(session: Session) -> _Tail:
    """The appending block's tail: read under the lock the first time, and again whenever the
    transaction that took the lock has ended or the head left the session."""
    tail: _Tail | None = session.info.get(_APPENDING)
    if tail is not None and (
        not tail.transaction.is_active or (tail.head is not None and tail.head not in session)
    ):
        tail = None
    if tail is None:
        head = _lock_chain(session)
        transaction = session.get_nested_transaction() or session.get_transaction()
        assert transaction is not None  # _lock_chain ran a statement: a transaction is open
        tail = _Tail(transaction, head, (head.seq, head.hash) if head else (0, GENESIS))
        session.info[_APPENDING] = tail
    # Records a rolled-back savepoint added are transient again: the chain goes on from the
    # last record that is still part of the unit of work.
    while tail.rows and inspect(tail.rows[-1]).transient:
        tail.rows.pop()
    return tail


# The moment records are written at when history is replayed (the demo builds 2023 as it happened).
_CLOCK: ContextVar[datetime | None] = ContextVar("audit_clock", default=None)


@contextmanager
def recorded_at(moment: date | datetime) -> Iterator[None]:
    """Audit records written inside carry ``moment`` (a day means 09:00 Beijing time, 01:00 UTC)
    instead of the wall clock: for the demo, which replays 2023's cases and projects, so their
    history does not read as if it all happened on the day the demo was built."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(1, 0), tzinfo=UTC)
    token = _CLOCK.set(moment)
    try:
        yield
    finally:
        _CLOCK.reset(token)


def record(
    session: Session,
    *,
    actor: str,
    entity_type: str,
    entity_id: str | int,
    action: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str | None = None,
    occurred_at: datetime | None = None,
) -> AuditRecord:
    """Append one record to the chain, in the caller's unit of work (which commits)."""
    appending_tail = _tail(session) if _APPENDING in session.info else None
    if appending_tail is not None:
        head = appending_tail.head
        last = appending_tail.rows[-1] if appending_tail.rows else None
        seq, prev_hash = (last.seq, last.hash) if last else appending_tail.base
        seq += 1
    else:
        head = _lock_chain(session)
        seq = (head.seq if head else 0) + 1
        prev_hash = head.hash if head else GENESIS
    moment = (occurred_at or _CLOCK.get() or datetime.now(UTC)).astimezone(UTC)
    fields = {
        "seq": seq,
        "occurred_at": moment,
        "actor": actor,
        "entity_type": entity_type,
        "entity_id": str(entity_id),
        "action": action,
        "before": canonical_json(dict(before)) if before is not None else None,
        "after": canonical_json(dict(after)) if after is not None else None,
        "reason": reason,
        "prev_hash": prev_hash,
    }
    row = AuditRecord(**fields, hash=_digest(**fields))
    session.add(row)
    if head is None:
        head = AuditChainHead(id=1, seq=seq, hash=row.hash)
        session.add(head)
    else:
        head.seq, head.hash = seq, row.hash
    if appending_tail is not None:
        appending_tail.head = head
        appending_tail.rows.append(row)
    else:
        # Flushed now so the next append in this unit of work reads the new head.
        session.flush()
    return row


@dataclass(frozen=True)
class AuditRecordRead:
    """A record as the pages, the API and the CLI show it."""

    seq: int
    occurred_at: datetime
    actor: str
    entity_type: str
    entity_id: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    hash: str

    @classmethod
    def of(cls, row: AuditRecord) -> AuditRecordRead:
        return cls(
            seq=row.seq,
            occurred_at=row.occurred_at,
            actor=row.actor,
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            action=row.action,
            before=json.loads(row.before) if row.before else None,
            after=json.loads(row.after) if row.after else None,
            reason=row.reason,
            hash=row.hash,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "occurred_at": _timestamp(self.occurred_at),
            "actor": self.actor,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "action": self.action,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
        }


def entity_history(
    session: Session, *, entities: list[tuple[str, str | int]]
) -> list[AuditRecordRead]:
    """Every record about any of these (entity_type, entity_id) pairs, oldest first."""
    from sqlalchemy import and_, or_

    if not entities:
        return []
    condition = or_(
        *(
            and_(AuditRecord.entity_type == kind, AuditRecord.entity_id == str(ident))
            for kind, ident in entities
        )
    )
    rows = session.scalars(select(AuditRecord).where(condition).order_by(AuditRecord.seq))
    return [AuditRecordRead.of(r) for r in rows]


@dataclass(frozen=True)
class ChainReport:
    """The verdict of :func:`verify_chain`: intact, or the first broken record and why."""

    records: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    reason_zh: str | None = None
    reason_en: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_seq is None

    def reason(self, lang: str = "zh") -> str | None:
        return self.reason_en if lang == "en" else self.reason_zh

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "intact": self.intact,
            "records": self.records,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "broken_seq": self.broken_seq,
            "reason": self.reason(lang),
        }


def _iter_records(session: Session, batch: int = 5000) -> Iterator[AuditRecord]:
    last = 0
    while True:
        rows = list(
            session.scalars(
                select(AuditRecord)
                .where(AuditRecord.seq > last)
                .order_by(AuditRecord.seq)
                .limit(batch)
                .execution_options(populate_existing=True)
            )
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify_chain(session: Session) -> ChainReport:
    """Recompute every hash and link from the first record; name the first one that fails."""
    head = session.get(AuditChainHead, 1, populate_existing=True)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    expected_seq, prev_hash, count = 1, GENESIS, 0

    def broken(seq: int, zh: str, en: str) -> ChainReport:
        return ChainReport(count, head_seq, head_hash, seq, zh, en)

    for row in _iter_records(session):
        if row.seq != expected_seq:
            return broken(
                expected_seq,
                f"第 {expected_seq} 条记录缺失（下一条是第 {row.seq} 条）",
                f"record {expected_seq} is missing (the next one is {row.seq})",
            )
        if row.prev_hash != prev_hash:
            return broken(
                row.seq,
                f"第 {row.seq} 条记录与前一条不衔接（前一条被改动或删除）",
                f"record {row.seq} does not follow the record before it "
                "(that one was changed or deleted)",
            )
        actual = _digest(
            seq=row.seq,
            occurred_at=row.occurred_at,
            actor=row.actor,
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            action=row.action,
            before=row.before,
            after=row.after,
            reason=row.reason,
            prev_hash=row.prev_hash,
        )
        if actual != row.hash:
            return broken(
                row.seq,
                f"第 {row.seq} 条记录的内容已被改动（哈希不符）",
                f"record {row.seq} was altered (its hash does not match its content)",
            )
        count += 1
        prev_hash = row.hash
        expected_seq += 1
    if count != head_seq or prev_hash != head_hash:
        return broken(
            count + 1 if count < head_seq else head_seq,
            f"链头记录为第 {head_seq} 条，实有 {count} 条：末尾的记录被删除或链头被改动",
            f"the chain head says {head_seq} records, {count} found: records were deleted "
            "from the end or the head was altered",
        )
    return ChainReport(count, head_seq, head_hash)


# --- the audited state of the tables that matter -------------------------------------------------

# An intact chain proves the records were not changed; it says nothing of a row changed behind the
# audit's back (an UPDATE on grant_payments.amount_fen). Domains whose rows carry money register a
# check here that compares each row with its latest audited state (core cannot import them).


@dataclass(frozen=True)
class StateProblem:
    """A row that disagrees with its audited state, or a ledger invariant that does not hold."""

    table: str
    row: str
    field: str
    recorded: Any  # what the audit trail (or the invariant) says
    actual: Any  # what the row holds
    zh: str
    en: str

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "table": self.table,
            "row": self.row,
            "field": self.field,
            "audited": self.recorded,
            "actual": self.actual,
            "message": self.message(lang),
        }


_STATE_CHECKS: dict[str, Any] = {}


def on_verify(name: str, check: Any) -> None:
    """Have ``check(session) -> list[StateProblem]`` run by :func:`verify_state` (one per name)."""
    _STATE_CHECKS[name] = check


def verify_state(session: Session) -> list[StateProblem]:
    """Every problem every registered check finds (an empty list: the rows match the trail)."""
    problems: list[StateProblem] = []
    for name in sorted(_STATE_CHECKS):
        problems.extend(_STATE_CHECKS[name](session))
    return problems


def latest_states(session: Session, entity_type: str, *, having: str) -> dict[str, dict[str, Any]]:
    """The ``after`` state of the latest record of each entity of ``entity_type`` whose state
    holds the key ``having`` (records that say something else of the entity are skipped)."""
    states: dict[str, dict[str, Any]] = {}
    rows = session.execute(
        select(AuditRecord.entity_id, AuditRecord.after)
        .where(AuditRecord.entity_type == entity_type, AuditRecord.after.is_not(None))
        .order_by(AuditRecord.seq)
    )
    for entity_id, after in rows:
        state = json.loads(after)
        if isinstance(state, dict) and having in state:
            states[entity_id] = state
    return states
