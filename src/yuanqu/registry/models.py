"""The enterprise registry (企业库): firms and their dated labels."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yuanqu.core.db import Base, BigId


class Label(StrEnum):
    """Labels a firm holds for a period (high-tech certificates expire; listings start)."""

    high_tech = "high_tech"
    specialized = "specialized"
    little_giant = "little_giant"
    listed = "listed"
    fortune_global_500 = "fortune_global_500"
    unicorn = "unicorn"
    above_scale = "above_scale"
    strategic_emerging = "strategic_emerging"


LABEL_NAMES: dict[str, tuple[str, str]] = {
    Label.high_tech: ("国家高新技术企业", "National high-tech enterprise"),
    Label.specialized: ("专精特新中小企业", "Specialized and innovative SME"),
    Label.little_giant: ("专精特新“小巨人”", "Little giant"),
    Label.listed: ("上市企业", "Listed company"),
    Label.fortune_global_500: ("世界500强企业", "Fortune Global 500 subsidiary"),
    Label.unicorn: ("独角兽企业", "Unicorn"),
    Label.above_scale: ("规模以上工业企业", "Above-scale industrial firm"),
    Label.strategic_emerging: ("战略性新兴产业企业", "Strategic emerging industry firm"),
}

# Which attributes a label may carry, e.g. ``listed{exchange=SSE,ticker=688981}``.
LABEL_ATTRIBUTES: dict[str, frozenset[str]] = {
    Label.high_tech: frozenset({"certificate"}),
    Label.listed: frozenset({"exchange", "ticker"}),
}


class TaskForce(Base):
    """An industry task force (产业专班); the attraction domain adds members and leads."""

    __tablename__ = "task_forces"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    leading_industry: Mapped[bool] = mapped_column(
        default=True, comment="covers one of the zone's leading industries (主导产业)"
    )

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh


class Enterprise(Base):
    """One firm registered in the zone, keyed by its unified social credit code."""

    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True, comment="统一社会信用代码")
    name: Mapped[str] = mapped_column(String(200), index=True)
    industry_code: Mapped[str] = mapped_column(
        String(4), index=True, comment="GB/T 4754-2017 code, bare digits (division or finer)"
    )
    # Denormalised from industry_code on every write: sections are letters, not code prefixes.
    industry_section: Mapped[str] = mapped_column(String(1), index=True)
    established: Mapped[date | None] = mapped_column(Date)
    registered_capital_fen: Mapped[int | None] = mapped_column(
        BigInteger, comment="registered capital in fen (分)"
    )
    employees: Mapped[int | None] = mapped_column(Integer)
    address: Mapped[str | None] = mapped_column(String(300))
    sub_area: Mapped[str | None] = mapped_column(String(60), index=True, comment="片区")
    task_force: Mapped[str | None] = mapped_column(
        ForeignKey("task_forces.code", ondelete="RESTRICT"), index=True, comment="产业专班"
    )
    business_scope: Mapped[str | None] = mapped_column(Text, comment="经营范围")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    labels: Mapped[list[EnterpriseLabel]] = relationship(
        back_populates="enterprise",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="EnterpriseLabel.label",
    )

    __table_args__ = (
        CheckConstraint("registered_capital_fen >= 0", name="capital_not_negative"),
        CheckConstraint("employees >= 0", name="employees_not_negative"),
    )


class EnterpriseLabel(Base):
    """A label held from ``valid_from`` to ``valid_to`` inclusive; an open end is NULL."""

    __tablename__ = "enterprise_labels"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(32))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    certificate: Mapped[str | None] = mapped_column(String(40), comment="high-tech certificate no.")
    exchange: Mapped[str | None] = mapped_column(String(20))
    ticker: Mapped[str | None] = mapped_column(String(20))

    enterprise: Mapped[Enterprise] = relationship(back_populates="labels", lazy="raise")

    __table_args__ = (
        CheckConstraint(
            "valid_from IS NULL OR valid_to IS NULL OR valid_to >= valid_from",
            name="period_ordered",
        ),
        Index("ix_enterprise_labels_label_period", "label", "valid_from", "valid_to"),
    )
