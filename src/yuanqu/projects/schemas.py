"""Typed, JSON-ready results of the project services (the API and pages return these)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field


class StageDateRead(BaseModel):
    stage: str
    name: str
    planned_on: date | None = None
    actual_on: date | None = None
    late_days: int | None = Field(
        default=None, description="actual minus planned, or today minus planned if not reached"
    )


class ProjectRead(BaseModel):
    id: int
    code: str
    name: str
    investor_name: str
    investor_uscc: str | None = None
    industry_code: str | None = None
    chain_segment: str | None = None
    task_force: str | None = None
    sub_area: str | None = None
    land_area_sqm: int | None = None
    space: str | None = None
    planned_investment_fen: int
    planned_investment: str
    below_fai_threshold: bool
    stage: str
    stage_name: str
    stage_since: date
    officer: str | None = None
    close_out_waiver: str | None = None
    lead_id: int | None = None


class ProjectDetail(ProjectRead):
    stages: list[StageDateRead]
    annual_plans: dict[int, int]
    monthly_investment: dict[str, int]
    actual_investment_fen: int
    open_items: int


class ProjectPage(BaseModel):
    total: int
    items: list[ProjectRead]


class ItemRead(BaseModel):
    id: int
    project_id: int
    project_name: str
    task_force: str | None
    kind: str
    category: str
    title: str
    owner: str
    opened_on: Day
    workdays: int
    due_on: date
    status: str
    resolution: str | None = None
    closed_on: date | None = None
    overdue_workdays: int = 0
    # Years the deadline or the overdue count spans that no holiday calendar knows (weekends only).
    unknown_years: list[int] = []


class BatchRow(BaseModel):
    """One batch (a stage reached) in the seven-batches report."""

    stage: str
    name: str
    projects: int
    investment_fen: int
    ytd_projects: int
    ytd_investment_fen: int
    target_projects: int | None = None
    target_investment_fen: int | None = None
    projects_rate: float | None = Field(default=None, description="ytd / target, 0..1+")
    investment_rate: float | None = None


class BatchReport(BaseModel):
    start: date
    end: date
    tracked_projects: int = Field(description="distinct projects in any batch of the period")
    tracked_investment_fen: int
    batches: list[BatchRow]
    below_fai_threshold: int


class StageCount(BaseModel):
    stage: str
    name: str
    projects: int
    investment_fen: int


class WeeklyRow(BaseModel):
    project_id: int
    code: str
    name: str
    task_force: str | None
    stage_name: str
    stage_moves: list[str]
    planned_investment_fen: int
    year_plan_fen: int
    year_actual_fen: int
    open_items: int
    overdue_items: int
    closed_this_week: int


class WeeklyReport(BaseModel):
    week_start: date
    week_end: date
    rows: list[WeeklyRow]
    overdue: list[ItemRead]
    calendar_warnings: list[str] = []


# --- requests (the JSON API's bodies) ------------------------------------------------------------

# A day a project office can mean: the working-day calendar knows nothing outside this range.
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)
Day = Annotated[date, Field(ge=EARLIEST, le=LATEST)]
MAX_FEN = 10**17  # 1 trillion yuan in fen, far above any project, well inside BIGINT


class StageMove(BaseModel):
    """Move a project to a stage on a date; going back needs a reason."""

    to: str = Field(min_length=1, max_length=40, description="stage key or name (zh/en)")
    on: Day
    reason: str | None = Field(default=None, max_length=500)
    waiver: str | None = Field(
        default=None, max_length=500, description="why full production with open items"
    )


class ItemCreate(BaseModel):
    kind: str = Field(description="task, problem or milestone")
    title: str = Field(min_length=1, max_length=200)
    owner: str = Field(min_length=1, max_length=100)
    opened_on: Day
    workdays: int = Field(ge=1, le=250, description="deadline in working days after opening")
    category: str = Field(default="other", max_length=40)


class ItemClose(BaseModel):
    """销号: the resolution and the date are both required."""

    resolution: str = Field(min_length=1, max_length=500)
    closed_on: Day
