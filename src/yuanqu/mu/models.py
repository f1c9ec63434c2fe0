"""The tables of 亩均效益评价: the yearly resource inputs the statistics lack (energy, emissions,
electricity), each year's evaluation with its publication state, its result per firm, and the
objections raised while it is on public notice."""

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


class EvaluationStatus(StrEnum):
    """草稿 -> 公示 -> 正式发布; a draft may be computed again, a published result never changes."""

    draft = "draft"
    notice = "notice"
    final = "final"


STATUS_NAMES: dict[str, tuple[str, str]] = {
    EvaluationStatus.draft: ("草稿", "draft"),
    EvaluationStatus.notice: ("公示中", "on public notice"),
    EvaluationStatus.final: ("已发布", "published"),
}


class ObjectionStatus(StrEnum):
    open = "open"
    upheld = "upheld"
    dismissed = "dismissed"


OBJECTION_NAMES: dict[str, tuple[str, str]] = {
    ObjectionStatus.open: ("待处理", "open"),
    ObjectionStatus.upheld: ("异议成立", "upheld"),
    ObjectionStatus.dismissed: ("异议不成立", "dismissed"),
}


class MuResource(Base):
    """A firm's yearly resource use, as the energy and environment bureaus report it. Stored as
    whole kilograms and kWh so nothing is a float: 1 tce = 1000 kgce."""

    __tablename__ = "mu_resources"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(Integer)
    energy_kgce: Mapped[int | None] = mapped_column(
        BigInteger, comment="综合能耗, kg of standard coal (equivalent value)"
    )
    emissions_kg: Mapped[int | None] = mapped_column(BigInteger, comment="主要污染物排放 (kg)")
    electricity_kwh: Mapped[int | None] = mapped_column(BigInteger, comment="用电量 (kWh)")

    __table_args__ = (UniqueConstraint("enterprise_id", "year", name="firm_year"),)


class MuEvaluation(Base):
    """One year's grading under one method, with its publication state."""

    __tablename__ = "mu_evaluations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    method_id: Mapped[str] = mapped_column(String(40))
    method_from: Mapped[int] = mapped_column(Integer, comment="effective_from of the method used")
    status: Mapped[str] = mapped_column(String(10), default=EvaluationStatus.draft)
    graded: Mapped[int] = mapped_column(Integer, default=0, comment="firms given a grade")
    exempt: Mapped[int] = mapped_column(Integer, default=0, comment="firms not graded")
    benchmarks: Mapped[str] = mapped_column(
        Text, default="{}", comment="canonical JSON: group -> indicator -> benchmark (base unit)"
    )
    computed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    computed_by: Mapped[str] = mapped_column(String(100))
    notice_from: Mapped[date | None] = mapped_column(Date)
    notice_to: Mapped[date | None] = mapped_column(Date, comment="last working day of the notice")
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        UniqueConstraint("year", "method_id", name="year_method"),
        CheckConstraint("status IN ('draft', 'notice', 'final')", name="status_known"),
    )


class MuResult(Base):
    """A firm's result in an evaluation: its group, indicators and scores (JSON), total, rank and
    grade, or the reason it was not graded."""

    __tablename__ = "mu_results"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("mu_evaluations.id", ondelete="CASCADE"), index=True
    )
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    group_id: Mapped[str | None] = mapped_column(String(40))
    total_micro: Mapped[int | None] = mapped_column(
        BigInteger, comment="total score x 10^6, rounded half up (ties are judged on it)"
    )
    rank: Mapped[int | None] = mapped_column(Integer)
    of: Mapped[int | None] = mapped_column(Integer, comment="firms graded in the group")
    grade: Mapped[str | None] = mapped_column(String(2))
    exempt_reason: Mapped[str | None] = mapped_column(String(200))
    indicators: Mapped[str] = mapped_column(Text, comment="canonical JSON: id -> value, score")
    inputs: Mapped[str] = mapped_column(Text, comment="canonical JSON of the inputs read")

    __table_args__ = (UniqueConstraint("evaluation_id", "enterprise_id", name="one_per_firm"),)


class MuObjection(Base):
    """An objection a firm raises to its result while the evaluation is on public notice."""

    __tablename__ = "mu_objections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        ForeignKey("mu_evaluations.id", ondelete="CASCADE"), index=True
    )
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    filed_by: Mapped[str] = mapped_column(String(100))
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    status: Mapped[str] = mapped_column(String(10), default=ObjectionStatus.open)
    decision: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("status IN ('open', 'upheld', 'dismissed')", name="status_known"),
    )
