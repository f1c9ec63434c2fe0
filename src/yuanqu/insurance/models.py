"""Tech insurance (科技保险): the policies insurers write for the zone's firms, and their claims."""

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
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from yuanqu.core.db import Base, BigId

DATASET = "insurance"


class Product(StrEnum):
    """The tech-insurance product lines (险种) the zone's subsidy recognises."""

    rd_interruption = "rd_interruption"
    rd_expense_loss = "rd_expense_loss"
    ip_infringement = "ip_infringement"
    first_unit_equipment = "first_unit_equipment"
    first_batch_materials = "first_batch_materials"
    product_liability = "product_liability"
    key_rd_equipment = "key_rd_equipment"
    key_staff = "key_staff"
    clinical_trial = "clinical_trial"
    cyber_security = "cyber_security"


PRODUCT_NAMES: dict[str, tuple[str, str]] = {
    Product.rd_interruption: ("研发中断险", "R&D interruption"),
    Product.rd_expense_loss: ("研发费用损失险", "R&D expense loss"),
    Product.ip_infringement: ("知识产权侵权损失险", "IP infringement loss"),
    Product.first_unit_equipment: ("首台（套）重大技术装备保险", "First-unit major equipment"),
    Product.first_batch_materials: ("重点新材料首批次应用保险", "First-batch new materials"),
    Product.product_liability: ("高新技术产品责任险", "Product liability"),
    Product.key_rd_equipment: ("关键研发设备险", "Key R&D equipment"),
    Product.key_staff: ("关键研发人员团体健康意外险", "Key R&D staff"),
    Product.clinical_trial: ("临床试验责任险", "Clinical trial liability"),
    Product.cyber_security: ("网络安全保险", "Cyber security"),
}


class PolicyStatus(StrEnum):
    """A policy as the insurer reports it; ``in_force`` still depends on the dates asked about."""

    in_force = "in_force"
    expired = "expired"
    cancelled = "cancelled"


POLICY_STATUS_NAMES: dict[str, tuple[str, str]] = {
    PolicyStatus.in_force: ("有效", "in force"),
    PolicyStatus.expired: ("已到期", "expired"),
    PolicyStatus.cancelled: ("已退保", "cancelled"),
}


class ClaimStatus(StrEnum):
    """reported -> assessed -> settled or declined (a claim may be declined before assessment)."""

    reported = "reported"
    assessed = "assessed"
    settled = "settled"
    declined = "declined"


CLAIM_STATUS_NAMES: dict[str, tuple[str, str]] = {
    ClaimStatus.reported: ("已报案", "reported"),
    ClaimStatus.assessed: ("已定损", "assessed"),
    ClaimStatus.settled: ("已结案赔付", "settled"),
    ClaimStatus.declined: ("已拒赔", "declined"),
}


class InsurancePolicy(Base):
    """One policy (保单) written by an insurer for a registry firm, as the insurer's file says."""

    __tablename__ = "insurance_policies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    insurer: Mapped[str] = mapped_column(String(100), index=True, comment="保险公司")
    policy_no: Mapped[str] = mapped_column(String(60), comment="保单号, unique per insurer")
    product: Mapped[str] = mapped_column(String(32), index=True, comment="a Product key (险种)")
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True, comment="投保企业"
    )
    sum_insured_fen: Mapped[int] = mapped_column(BigInteger, comment="保险金额 in fen")
    premium_fen: Mapped[int] = mapped_column(BigInteger, comment="保费 in fen")
    start_date: Mapped[date] = mapped_column(Date, comment="保险起期")
    end_date: Mapped[date] = mapped_column(Date, comment="保险止期 (inclusive)")
    status: Mapped[str] = mapped_column(String(16), comment="a PolicyStatus")
    imported_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (
        UniqueConstraint("insurer", "policy_no"),
        CheckConstraint("sum_insured_fen > 0", name="sum_insured_positive"),
        CheckConstraint("premium_fen >= 0", name="premium_not_negative"),
        CheckConstraint("end_date >= start_date", name="period_ordered"),
        Index("ix_insurance_policies_start_date", "start_date"),
    )


class InsuranceClaim(Base):
    """One claim (理赔案件) on a policy: reported, assessed, then settled or declined."""

    __tablename__ = "insurance_claims"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    policy_id: Mapped[int] = mapped_column(
        ForeignKey("insurance_policies.id", ondelete="CASCADE"), index=True
    )
    claim_no: Mapped[str] = mapped_column(String(60), comment="赔案号, unique per policy")
    status: Mapped[str] = mapped_column(String(16), comment="a ClaimStatus")
    reported_on: Mapped[date] = mapped_column(Date, comment="报案日期")
    assessed_on: Mapped[date | None] = mapped_column(Date, comment="定损日期")
    closed_on: Mapped[date | None] = mapped_column(Date, comment="结案日期: settled or declined")
    claimed_fen: Mapped[int | None] = mapped_column(BigInteger, comment="报损金额 in fen")
    assessed_fen: Mapped[int | None] = mapped_column(BigInteger, comment="定损金额 in fen")
    paid_fen: Mapped[int | None] = mapped_column(BigInteger, comment="赔付金额 in fen")

    __table_args__ = (
        UniqueConstraint("policy_id", "claim_no"),
        CheckConstraint("assessed_on IS NULL OR assessed_on >= reported_on", name="assessed_after"),
        CheckConstraint("closed_on IS NULL OR closed_on >= reported_on", name="closed_after"),
        CheckConstraint(
            "claimed_fen >= 0 AND assessed_fen >= 0 AND paid_fen >= 0", name="amounts_not_negative"
        ),
    )
