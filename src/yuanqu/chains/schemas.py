"""Typed, JSON-ready results of the chains domain (CLI JSON, API, pages, chart builders)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Grade = Literal["strong", "medium", "weak", "absent"]
GapAction = Literal["fill", "extend", "strengthen"]

GRADE_NAMES: dict[str, tuple[str, str]] = {
    "strong": ("强", "strong"),
    "medium": ("中", "medium"),
    "weak": ("弱", "weak"),
    "absent": ("缺失", "absent"),
}
ACTION_NAMES: dict[str, tuple[str, str]] = {
    "fill": ("补链", "fill"),
    "extend": ("延链", "extend"),
    "strengthen": ("强链", "strengthen"),
}


class SegmentCount(BaseModel):
    """How many firms sit on a segment after placement."""

    chain: str
    segment: str
    name: str
    position: str
    firms: int
    by_rule: int
    by_override: int


class PlacementSummary(BaseModel):
    firms_read: int
    placements: int
    firms_placed: int
    seconds: float
    segments: list[SegmentCount]
    unplaced: dict[str, int] = Field(description="chain -> firms of its industries on no segment")


class FirmOnSegment(BaseModel):
    """A firm as listed on a segment, or on the review list."""

    uscc: str
    name: str
    industry_code: str
    employees: int | None = None
    source: str | None = Field(None, description="rule or override")
    matched: str | None = Field(None, description="why the rule placed it")


class FirmSegment(BaseModel):
    """Where a firm sits, and whom it supplies (the chain tab of the enterprise profile)."""

    chain: str
    chain_name: str
    segment: str
    segment_name: str
    position: str
    source: str
    matched: str
    supplies: list[str] = Field(description="names of the segments this one supplies")
    supplied_by: list[str] = Field(description="names of the segments that supply this one")


class OverrideRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    uscc: str
    name: str
    chain_key: str
    segment_key: str
    action: str
    reason: str
    decided_by: str
    decided_at: datetime


class TopFirm(BaseModel):
    uscc: str
    name: str
    employees: int
    share: float = Field(description="share of the segment's size measure")
    high_tech: bool


class SegmentCoverage(BaseModel):
    """Coverage and strength of one segment as of a date."""

    chain: str
    segment: str
    name: str
    position: str
    firms: int
    high_tech: int
    high_tech_share: float
    anchors: int = Field(description="listed, Global 500, little-giant, unicorn or above-scale")
    size_measure: str = Field("employees", description="what shares and concentration use")
    size_total: int
    hhi: float = Field(description="Herfindahl-Hirschman index, 0-10,000")
    top3_share: float
    top_firms: list[TopFirm]
    score: float = Field(description="strength score 0-100, see strength_score()")
    grade: Grade
    # Monthly statistics of the firms on the segment (stats.service.group_figures), cumulative
    # to ``ChainCoverage.period``; growth is the bulletin's same-scope year-on-year, in percent.
    output_fen: int | None = Field(None, description="gross industrial output, year to date")
    value_added_fen: int | None = Field(None, description="industrial value added, year to date")
    output_growth: float | None = Field(None, description="output growth yoy, percent")
    value_added_growth: float | None = Field(None, description="value added growth yoy, percent")


class ChainCoverage(BaseModel):
    chain: str
    name: str
    as_of: date
    period: str | None = Field(None, description="the statistics' month (cumulative 1-N)")
    segments: list[SegmentCoverage]


class TargetRead(BaseModel):
    name: str
    uscc: str | None = None
    region: str | None = None
    industry_code: str | None = None
    contact: str | None = None
    matched: str


class Gap(BaseModel):
    """A segment with no or weak presence, ranked by what depends on it."""

    rank: int
    chain: str
    segment: str
    segment_key: str
    name: str
    position: str
    grade: Grade
    score: float
    firms: int
    action: GapAction
    strong_dependents: list[str] = Field(description="strong segments this one supplies")
    priority: float
    targets: list[TargetRead] = []
    links: list[dict] = Field(
        default_factory=list, description="open leads and projects for this segment (projects)"
    )


class TargetImportResult(BaseModel):
    rows: int
    placed: int
    segments: int
