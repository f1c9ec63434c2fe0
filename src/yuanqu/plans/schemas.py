"""Plans and their computed progress at the boundary (API, CLI JSON, pages)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class SeriesPoint(BaseModel):
    label: str = Field(description="the year, or the year to date (2024年1–6月)")
    value: int


class Milestone(BaseModel):
    year: int
    value: int
    actual: int | None
    met: bool | None


class TargetProgress(BaseModel):
    """One target and its progress, computed from the data, never typed."""

    key: str
    name: str
    indicator: str
    indicator_name: str
    scope: str
    scope_name: str = Field(default="", description="the scope as a person reads it")
    unit: str = Field(description="fen (money), firms, projects or sqm (m²)")
    target: int
    deadline: date
    actual: int | None
    actual_label: str | None = Field(description="what the actual covers: a date or a year")
    completion: float | None = Field(description="actual / target, a fraction")
    forecast: int | None = Field(description="the value forecast at the deadline")
    forecast_method: str
    needed_per_year: int | None = Field(description="what must be added each year from now")
    needed_growth: float | None = Field(description="yearly growth needed, a fraction")
    status: str = Field(description="on_track, at_risk, off_track, achieved, missed, no_data")
    status_name: str
    milestones: list[Milestone]
    series: list[SeriesPoint]


class PlanRead(BaseModel):
    key: str
    title: str
    issuer: str
    number: str | None
    period: str
    owner: str | None
    owner_name: str | None
    source_url: str | None
    source_text: str | None
    verified: bool
    as_of: date | None = Field(description="the day progress is measured on (latest data)")
    targets: list[TargetProgress]


class PlanSummary(BaseModel):
    key: str
    title: str
    period: str
    owner_name: str | None
    targets: int
    on_track: int
    at_risk: int
    off_track: int


class PlanPage(BaseModel):
    total: int
    items: list[PlanSummary]


class PlanText(BaseModel):
    source: str = Field(max_length=200_000, description="the plan as YAML")
