"""The shapes of 亩均效益评价 at its boundary: request bodies and what the API returns."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class IndicatorResult(BaseModel):
    value: float | None = Field(description="the indicator in its base unit (yuan, mu, tce...)")
    score: float | None
    missing: str | None = Field(description="the missing input(s), or 'nonpositive'")


class FirmResult(BaseModel):
    uscc: str
    name: str
    group: str | None
    group_name: str | None
    score: float | None = Field(description="the total score (rounded to 6 decimals)")
    rank: int | None
    of: int | None = Field(description="firms graded in the group")
    grade: str | None = Field(description="A, B, C or D; null when not graded")
    exempt_reason: str | None
    indicators: dict[str, IndicatorResult]
    land_mu: float | None = Field(
        default=None, description="the land graded by (mu): parcels and space at its plot ratio"
    )
    land_space_mu: float | None = Field(
        default=None,
        description="of which came from space the firm occupies (floor area / plot ratio, in mu)",
    )


class ResultPage(BaseModel):
    year: int
    total: int
    page: int
    page_size: int
    items: list[FirmResult]


class BenchmarkRead(BaseModel):
    group: str
    group_name: str
    indicator: str
    name: str
    weight: float
    benchmark: float | None = Field(description="in the display unit")
    unit: str


class GradeCount(BaseModel):
    group: str
    group_name: str
    grade: str
    firms: int


class EvaluationRead(BaseModel):
    id: int
    year: int
    method: str
    method_title: str
    status: str
    status_name: str
    graded: int
    exempt: int
    notice_from: date | None
    notice_to: date | None
    benchmarks: list[BenchmarkRead]
    grades: list[GradeCount]


class Outlook(BaseModel):
    better_grade: str | None
    points_needed: float | None
    weakest: str | None
    weakest_name: str | None
    weakest_score: float | None
    weakest_weight: float | None


class FirmView(BaseModel):
    year: int
    status_name: str
    result: FirmResult
    outlook: Outlook


class NoticeBody(BaseModel):
    start: date | None = None
    days: int = Field(default=5, ge=1, le=30, description="working days of the public notice")


class ObjectionBody(BaseModel):
    uscc: str = Field(max_length=40)
    text: str = Field(min_length=1, max_length=2000)


class DecisionBody(BaseModel):
    upheld: bool
    decision: str = Field(min_length=1, max_length=2000)


class ObjectionRead(BaseModel):
    id: int
    uscc: str
    text: str
    status: str
    status_name: str
    decision: str | None
