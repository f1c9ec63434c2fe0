"""Tables of the grants domain: cases, evidence, objections, budgets, payment batches, payments.

The money invariants live in the database, not only in Python:

* ``grant_budgets``: one row per policy and year with running totals, updated under a row lock by
  every money transaction; ``CHECK (0 <= paid <= scheduled <= committed <= budget)``;
* ``grant_payments``: ``UNIQUE (case_id)`` (a case is paid at most once) and
  ``UNIQUE (idempotency_key)`` (a retried request finds its first result);
* ``grant_cases``: ``CHECK (0 <= amount <= engine_amount)`` (an officer may lower an award, never
  raise it above what the engine computed) and ``UNIQUE (policy_id, year, uscc)``.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from yuanqu.core.db import Base, BigId


class CaseStatus(StrEnum):
    """Where a case stands in the workflow (see ``workflow.TRANSITIONS``)."""

    awaiting_confirmation = "awaiting_confirmation"  # 免申即享: the firm confirms its account
    submitted = "submitted"  # waits for the task force's preliminary review (初审)
    policy_review = "policy_review"  # waits for the policy office (复审)
    committee_review = "committee_review"  # waits for the committee (审定)
    public_notice = "public_notice"  # approved and committed; 公示, objections open
    payment_scheduled = "payment_scheduled"  # in a payment batch
    paid = "paid"
    rejected = "rejected"
    appealed = "appealed"  # a rejected firm asked for a second look (申诉)
    withdrawn = "withdrawn"


class CaseOrigin(StrEnum):
    application = "application"
    auto = "auto"  # 免申即享


class GrantCase(Base):
    """One firm's claim under one policy for one award year."""

    __tablename__ = "grant_cases"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    policy_id: Mapped[str] = mapped_column(String(60), index=True)
    policy_version: Mapped[str] = mapped_column(String(64), comment="SHA-256 of the policy file")
    year: Mapped[int] = mapped_column(Integer, comment="award year")
    uscc: Mapped[str] = mapped_column(
        String(18), ForeignKey("enterprises.uscc", ondelete="RESTRICT"), index=True
    )
    firm_name: Mapped[str] = mapped_column(String(200))
    industry_section: Mapped[str] = mapped_column(String(1))
    task_force: Mapped[str | None] = mapped_column(String(40), index=True)
    origin: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(30), index=True)
    engine_amount_fen: Mapped[int] = mapped_column(BigInteger, comment="what the engine computed")
    amount_fen: Mapped[int] = mapped_column(BigInteger, comment="the award; <= engine_amount_fen")
    amount_reason: Mapped[str | None] = mapped_column(Text, comment="why it was lowered")
    engine_inputs: Mapped[str] = mapped_column(Text, comment="canonical JSON of the variables")
    engine_result: Mapped[str] = mapped_column(Text, comment="canonical JSON of the decision")
    bank_account: Mapped[str | None] = mapped_column(String(40))
    bank_name: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(100))
    submitted_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date, comment="decision deadline (working days)")
    office_reviewer: Mapped[str | None] = mapped_column(String(100))
    notice_from: Mapped[date | None] = mapped_column(Date)
    notice_to: Mapped[date | None] = mapped_column(Date, comment="last working day of 公示")
    committed_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    appeals: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        UniqueConstraint("policy_id", "year", "uscc"),
        CheckConstraint(
            "amount_fen >= 0 AND amount_fen <= engine_amount_fen", name="amount_capped"
        ),
        CheckConstraint("committed_fen IN (0, amount_fen)", name="committed_is_amount"),
        CheckConstraint("appeals BETWEEN 0 AND 1", name="one_appeal"),
        {"comment": "award cases (兑现案件)"},
    )


class Evidence(Base):
    """A file attached to an application, stored under the data directory by its SHA-256."""

    __tablename__ = "grant_evidence"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("grant_cases.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(100), comment="which evidence the policy asks for")
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (CheckConstraint("size > 0", name="not_empty"),)


class Objection(Base):
    """An objection raised during the public notice (异议)."""

    __tablename__ = "grant_objections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("grant_cases.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open", comment="open/upheld/dismissed")
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("status IN ('open', 'upheld', 'dismissed')", name="status_known"),
    )


class Budget(Base):
    """A policy's budget for one year with its running totals (fen), locked by every money move."""

    __tablename__ = "grant_budgets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    policy_id: Mapped[str] = mapped_column(String(60))
    year: Mapped[int] = mapped_column(Integer)
    budget_fen: Mapped[int] = mapped_column(BigInteger)
    committed_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    scheduled_fen: Mapped[int] = mapped_column(BigInteger, default=0, comment="payments requested")
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0, comment="payments confirmed")

    __table_args__ = (
        UniqueConstraint("policy_id", "year"),
        CheckConstraint(
            "paid_fen >= 0 AND paid_fen <= scheduled_fen AND scheduled_fen <= committed_fen "
            "AND committed_fen <= budget_fen",
            name="within_budget",
        ),
        {"comment": "budget per policy-year: paid <= scheduled <= committed <= budget"},
    )


class PaymentBatch(Base):
    """Payments sent together to the finance bureau (exported as xlsx, confirmed when paid)."""

    __tablename__ = "grant_batches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True, comment="idempotency key of the run")
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    confirmed_by: Mapped[str | None] = mapped_column(String(100))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (CheckConstraint("status IN ('open', 'paid')", name="status_known"),)


class Payment(Base):
    """One case's payment: at most one per case, found again by its idempotency key."""

    __tablename__ = "grant_payments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("grant_cases.id"), unique=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("grant_batches.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    policy_id: Mapped[str] = mapped_column(String(60))
    year: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    bank_account: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    requested_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="positive"),
        CheckConstraint("status IN ('scheduled', 'paid')", name="status_known"),
    )
