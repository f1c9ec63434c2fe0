"""Agreements (投资协议、标准地履约监管协议): what a firm promised for land or money, in versions.

An amendment never overwrites: it adds an ``agreement_versions`` row and, for each commitment it
changes, a new ``commitment_terms`` row under that version. The terms of version 1 stay beside
those of version 2, so a lowered target is visible forever (and every change is also in the
hash-chained audit log).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
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

DATASET = "agreements"


class AgreementKind(StrEnum):
    investment = "investment"
    standard_land = "standard_land"


AGREEMENT_KIND_NAMES: dict[str, tuple[str, str]] = {
    AgreementKind.investment: ("投资协议", "investment agreement"),
    AgreementKind.standard_land: ("标准地履约监管协议", "standard-land performance agreement"),
}


class AgreementStatus(StrEnum):
    in_force = "in_force"
    terminated = "terminated"


AGREEMENT_STATUS_NAMES: dict[str, tuple[str, str]] = {
    AgreementStatus.in_force: ("履约中", "in force"),
    AgreementStatus.terminated: ("已解除", "terminated"),
}


class RemedyKind(StrEnum):
    penalty = "penalty"
    clawback = "clawback"
    deposit_forfeit = "deposit_forfeit"
    land_takeback = "land_takeback"


REMEDY_KIND_NAMES: dict[str, tuple[str, str]] = {
    RemedyKind.penalty: ("违约金", "penalty"),
    RemedyKind.clawback: ("追回奖补资金", "award clawback"),
    RemedyKind.deposit_forfeit: ("没收履约保证金", "deposit forfeit"),
    RemedyKind.land_takeback: ("收回土地", "land taken back"),
}


class Agreement(Base):
    """An agreement between the zone and a firm (and optionally one of its projects)."""

    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True, comment="协议编号")
    kind: Mapped[str] = mapped_column(String(20), comment="an AgreementKind")
    title: Mapped[str] = mapped_column(String(300))
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), index=True
    )
    signed_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), comment="an AgreementStatus")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AgreementVersion(Base):
    """Version 1 is the agreement as signed; each amendment (补充协议) is the next number."""

    __tablename__ = "agreement_versions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    made_on: Mapped[date] = mapped_column(Date, comment="signed (version 1) or amended on")
    reason: Mapped[str | None] = mapped_column(Text, comment="why it was amended")
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_sha256: Mapped[str | None] = mapped_column(
        String(64), comment="SHA-256 of the signed file"
    )
    made_by: Mapped[str] = mapped_column(String(100))

    __table_args__ = (
        UniqueConstraint("agreement_id", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("version = 1 OR reason IS NOT NULL", name="amendment_has_reason"),
    )


class Commitment(Base):
    """One promise of an agreement; its terms live in ``commitment_terms`` by version."""

    __tablename__ = "agreement_commitments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(40), comment="stable within the agreement, e.g. C1")

    __table_args__ = (UniqueConstraint("agreement_id", "key"),)


class CommitmentTerm(Base):
    """A commitment's terms from one version on: indicator, target, test date (never updated)."""

    __tablename__ = "commitment_terms"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("agreement_commitments.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    indicator: Mapped[str] = mapped_column(String(40), comment="an indicator key")
    target_value: Mapped[int | None] = mapped_column(
        BigInteger, comment="in the indicator's base unit (fen, fen/亩, persons, basis points)"
    )
    target_date: Mapped[date | None] = mapped_column(Date, comment="for date indicators")
    test_on: Mapped[date] = mapped_column(Date, comment="考核日期")
    period_year: Mapped[int | None] = mapped_column(Integer, comment="the year a flow covers")
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False, comment="dropped by amendment")

    __table_args__ = (
        UniqueConstraint("commitment_id", "version"),
        CheckConstraint(
            "withdrawn OR target_value IS NOT NULL OR target_date IS NOT NULL", name="has_target"
        ),
    )


class Remedy(Base):
    """What the agreement says happens when a commitment is not met (违约责任)."""

    __tablename__ = "agreement_remedies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20), comment="a RemedyKind")
    text: Mapped[str] = mapped_column(Text)
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    policy_id: Mapped[str | None] = mapped_column(String(60), comment="awards clawed back")

    __table_args__ = (CheckConstraint("amount_fen >= 0", name="amount_not_negative"),)
