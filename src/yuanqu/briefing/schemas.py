"""The monthly briefing (经济运行分析) as data: what the document, the page and the JSON show."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Headline(BaseModel):
    indicator: str
    name: str
    unit: str = Field(description="fen or persons")
    month: float | None
    cumulative: float | None
    cumulative_yoy_pct: float | None
    target: int | None = Field(description="the year's target from a plan, when one exists")
    completion: float | None = Field(description="cumulative / target, a fraction")
    target_source: str | None


class GroupRow(BaseModel):
    group: str
    name: str
    cumulative: float | None
    cumulative_yoy_pct: float | None
    share_pct: float | None


class Contributor(BaseModel):
    uscc: str
    name: str
    cumulative: int
    change: int = Field(description="this year to date minus the same months last year, fen")
    points: float | None = Field(description="percentage points of the zone's growth")


class WatchChange(BaseModel):
    uscc: str
    name: str
    signals: list[str]
    score: int


class Batch(BaseModel):
    stage: str
    name: str
    projects: int
    investment_fen: int


class GrantRow(BaseModel):
    name: str
    firms: int
    amount_fen: int


class TargetLine(BaseModel):
    plan: str
    target: str
    status_name: str
    completion: float | None


class Briefing(BaseModel):
    period: str
    title: str
    cumulative_label: str
    firms_reporting: int
    headlines: list[Headline]
    leading_industries: list[GroupRow]
    task_forces: list[GroupRow]
    growth: list[Contributor]
    decline: list[Contributor]
    zone_change_pct: float | None
    watch_total: int
    watch_previous: int
    watch_new: list[WatchChange]
    watch_cleared: list[WatchChange]
    batches: list[Batch]
    grants_year: int
    grants_total_fen: int
    grants: list[GrantRow]
    targets: list[TargetLine]
    monthly: dict[str, list[float | None]] = Field(
        description="gross output per month in 亿元: this year and last year"
    )
