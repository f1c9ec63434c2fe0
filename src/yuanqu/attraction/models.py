"""Investment attraction (招商): task-force members, the industries they cover, and leads.

The registry owns the ``task_forces`` table (code and names); this domain extends it with its own
tables keyed by the task force's code, rather than altering the registry's.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Date, DateTime, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from yuanqu.core.db import Base, BigId


class LeadStage(StrEnum):
    contacted = "contacted"
    negotiating = "negotiating"
    intent = "intent"
    signed = "signed"
    lost = "lost"


LEAD_STAGE_NAMES: dict[str, tuple[str, str]] = {
    LeadStage.contacted: ("已接触", "contacted"),
    LeadStage.negotiating: ("洽谈中", "negotiating"),
    LeadStage.intent: ("意向", "intent"),
    LeadStage.signed: ("已签约", "signed"),
    LeadStage.lost: ("已流失", "lost"),
}

LEAD_SOURCES: dict[str, tuple[str, str]] = {
    "exhibition": ("展会", "exhibition"),
    "referral": ("以商招商", "referral by a firm"),
    "chain": ("链主企业引荐", "chain leader"),
    "agency": ("中介机构", "agency"),
    "visit": ("登门拜访", "visit"),
    "inbound": ("企业来访", "inbound inquiry"),
    "fund": ("基金招商", "investment fund"),
    "other": ("其他", "other"),
}


class TaskForceMember(Base):
    """A member of a task force (产业专班成员); ``user`` is the login the web app knows."""

    __tablename__ = "task_force_members"

    task_force: Mapped[str] = mapped_column(
        ForeignKey("task_forces.code", ondelete="CASCADE"), primary_key=True
    )
    user: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    leader: Mapped[bool] = mapped_column(default=False, comment="专班负责人")


class TaskForceIndustry(Base):
    """An industry (GB/T 4754 code at any level) a task force covers."""

    __tablename__ = "task_force_industries"

    task_force: Mapped[str] = mapped_column(
        ForeignKey("task_forces.code", ondelete="CASCADE"), primary_key=True
    )
    industry_code: Mapped[str] = mapped_column(String(5), primary_key=True)


class Lead(Base):
    """A prospect a task force is working on, until it signs (and becomes a project) or is lost.

    ``project_id`` links the lead to its key project: set when the lead signs, or earlier when the
    project office already lists the undertaking in a pre-signing stage. Either way the two are
    one undertaking: the lead's transitions move the project's stage, and the project's history
    starts with the lead's.
    """

    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    task_force: Mapped[str] = mapped_column(
        ForeignKey("task_forces.code", ondelete="RESTRICT"), index=True
    )
    owner: Mapped[str] = mapped_column(String(100), comment="the member following it")
    prospect_name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str | None] = mapped_column(String(18), comment="when the prospect has one")
    source: Mapped[str] = mapped_column(String(20))
    industry_code: Mapped[str | None] = mapped_column(String(4))
    chain_gap: Mapped[str | None] = mapped_column(String(80), comment="the chain segment it fills")
    expected_investment_fen: Mapped[int] = mapped_column(BigInteger)
    stage: Mapped[str] = mapped_column(String(20), index=True)
    contacted_on: Mapped[date] = mapped_column(Date)
    negotiating_on: Mapped[date | None] = mapped_column(Date)
    intent_on: Mapped[date | None] = mapped_column(Date)
    signed_on: Mapped[date | None] = mapped_column(Date)
    lost_on: Mapped[date | None] = mapped_column(Date)
    lost_reason: Mapped[str | None] = mapped_column(Text)
    next_action: Mapped[str | None] = mapped_column(String(300))
    next_action_on: Mapped[date | None] = mapped_column(Date)
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("expected_investment_fen >= 0", name="investment_not_negative"),
        CheckConstraint("stage <> 'lost' OR lost_reason IS NOT NULL", name="lost_with_reason"),
    )
