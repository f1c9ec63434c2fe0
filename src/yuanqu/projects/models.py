"""Key projects (重点项目): the undertaking, its stage dates, investment plans and its lists."""

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
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yuanqu.core.db import Base, BigId

#: Fixed-asset investment statistics count projects of 5 million yuan or more (the official
#: threshold, 计划总投资500万元及以上); smaller ones are flagged.
FAI_THRESHOLD_FEN = 5_000_000 * 100


class ItemKind(StrEnum):
    """The three ledgers (台账) of 清单制: tasks, problems, monthly progress milestones."""

    task = "task"
    problem = "problem"
    milestone = "milestone"


class ItemStatus(StrEnum):
    open = "open"
    in_progress = "in_progress"
    closed = "closed"


ITEM_CATEGORIES: dict[str, tuple[str, str]] = {
    "land": ("土地", "land"),
    "permit": ("审批手续", "permits"),
    "power": ("水电气", "utilities and power"),
    "financing": ("融资", "financing"),
    "construction": ("施工", "construction"),
    "talent": ("人才", "talent"),
    "other": ("其他", "other"),
}


class PipelineSetting(Base):
    """The zone's active stage pipeline (YAML as loaded); absent means the shipped default."""

    __tablename__ = "project_pipeline"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    loaded_by: Mapped[str] = mapped_column(String(100))


class Project(Base):
    """A key project tracked by the committee, from planning to full production."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True, comment="项目编号, e.g. 2023-017")
    name: Mapped[str] = mapped_column(String(200), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True, comment="investor firm"
    )
    investor_name: Mapped[str] = mapped_column(String(200), comment="投资方, as signed")
    industry_code: Mapped[str | None] = mapped_column(String(4), comment="GB/T 4754-2017")
    chain_segment: Mapped[str | None] = mapped_column(
        String(80), comment="industry-chain segment key (the chains domain owns the keys)"
    )
    task_force: Mapped[str | None] = mapped_column(
        ForeignKey("task_forces.code", ondelete="RESTRICT"), index=True
    )
    sub_area: Mapped[str | None] = mapped_column(String(60), comment="片区")
    land_area_sqm: Mapped[int | None] = mapped_column(Integer, comment="用地面积, m²")
    space: Mapped[str | None] = mapped_column(String(200), comment="厂房/楼宇 space, as written")
    planned_investment_fen: Mapped[int] = mapped_column(BigInteger, comment="计划总投资, fen")
    stage: Mapped[str] = mapped_column(String(40), index=True)
    stage_since: Mapped[date] = mapped_column(Date)
    officer: Mapped[str | None] = mapped_column(String(100), comment="项目办 officer in charge")
    close_out_waiver: Mapped[str | None] = mapped_column(
        Text, comment="why it reached full production with open items, recorded by an officer"
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    stage_dates: Mapped[list[ProjectStageDate]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="ProjectStageDate.stage"
    )

    __table_args__ = (
        CheckConstraint("planned_investment_fen >= 0", name="investment_not_negative"),
        CheckConstraint("land_area_sqm >= 0", name="land_not_negative"),
    )

    @property
    def below_fai_threshold(self) -> bool:
        return self.planned_investment_fen < FAI_THRESHOLD_FEN


class ProjectStageDate(Base):
    """The planned and the actual date a project reaches a stage."""

    __tablename__ = "project_stage_dates"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    stage: Mapped[str] = mapped_column(String(40), primary_key=True)
    planned_on: Mapped[date | None] = mapped_column(Date)
    actual_on: Mapped[date | None] = mapped_column(Date, index=True)


class AnnualPlan(Base):
    """Investment planned for one calendar year (年度计划投资)."""

    __tablename__ = "project_annual_plans"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    planned_fen: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (CheckConstraint("planned_fen >= 0", name="plan_not_negative"),)


class MonthlyInvestment(Base):
    """Investment actually made in one month (月度完成投资)."""

    __tablename__ = "project_monthly_investment"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[str] = mapped_column(String(7), primary_key=True, comment="YYYY-MM")
    actual_fen: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (CheckConstraint("actual_fen >= 0", name="actual_not_negative"),)


class ProjectItem(Base):
    """One line of a project's ledgers: a task, a problem or a monthly milestone, until closed."""

    __tablename__ = "project_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str] = mapped_column(String(100), index=True, comment="责任人 or 责任单位")
    opened_on: Mapped[date] = mapped_column(Date)
    workdays: Mapped[int] = mapped_column(Integer, comment="time limit in working days")
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    resolution: Mapped[str | None] = mapped_column(Text, comment="销号: how it was resolved")
    closed_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint("workdays >= 0", name="workdays_not_negative"),
        CheckConstraint(
            "status <> 'closed' OR (resolution IS NOT NULL AND closed_on IS NOT NULL)",
            name="closed_with_resolution",
        ),
    )


class BatchTarget(Base):
    """The year's target for one stage batch: how many projects and how much investment."""

    __tablename__ = "project_batch_targets"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[str] = mapped_column(String(40), primary_key=True)
    projects: Mapped[int] = mapped_column(Integer)
    investment_fen: Mapped[int] = mapped_column(BigInteger)
