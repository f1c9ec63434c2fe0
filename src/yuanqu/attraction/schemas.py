"""The shapes of investment attraction at its boundary: a lead as read, a lead's signing, the
funnel of a span and the pipeline page's data."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from yuanqu.projects.schemas import MAX_FEN, Day


class LeadRead(BaseModel):
    id: int
    task_force: str
    owner: str
    prospect_name: str
    uscc: str | None
    source: str
    industry_code: str | None
    chain_gap: str | None
    expected_investment_fen: int
    stage: str
    contacted_on: date
    signed_on: date | None
    lost_reason: str | None
    next_action: str | None
    next_action_on: date | None
    project_id: int | None


class FunnelRow(BaseModel):
    task_force: str
    contacted: int
    negotiating: int
    intent: int
    signed: int
    lost: int
    signed_investment_fen: int
    conversion: float | None  # signed / contacted


class LeadSign(BaseModel):
    """A lead signs: it becomes a key project in one step."""

    signed_on: Day
    planned_investment_fen: int | None = Field(default=None, ge=0, le=MAX_FEN)
    project_name: str | None = Field(default=None, max_length=200)
    sub_area: str | None = Field(default=None, max_length=100)


class LeadPipeline(BaseModel):
    start: date
    end: date
    task_force: str | None
    leads: list[LeadRead]
    funnel: list[FunnelRow]
