"""The test zone's shapes at the boundary: permit moves asked for, permits and pages read."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from yuanqu.av.models import PermitStage, Scenario


class PermitIssue(BaseModel):
    """Grant a stage to a vehicle (prerequisites are checked by the service)."""

    vin: str = Field(min_length=17, max_length=17)
    stage: PermitStage
    scenario: Scenario | None = None
    on: date | None = Field(None, description="the day of the decision (default today)")
    valid_from: date | None = None
    valid_until: date | None = Field(None, description="default: 18 months, the longest")
    permit_no: str | None = Field(None, max_length=40)


class PermitRenew(BaseModel):
    on: date | None = None
    valid_until: date | None = Field(None, description="default: 18 months, the longest")


class PermitMove(BaseModel):
    """Suspend, reinstate or revoke: the reason is required."""

    reason: str = Field(min_length=1, max_length=2000)
    on: date | None = None


class PermitRead(BaseModel):
    permit_no: str
    vin: str
    plate: str
    uscc: str
    firm: str
    stage: str
    stage_name: str
    scenario: str | None
    scenario_name: str | None
    status: str
    status_name: str
    valid_from: date
    valid_until: date
    days_left: int


class PermitPage(BaseModel):
    total: int
    page: int
    page_size: int
    items: list[PermitRead]


class VehicleRead(BaseModel):
    vin: str
    uscc: str
    plate: str
    model: str
    automation_level: str
    scenarios: list[str]
    supervision: str
    cover_fen: int


class VehiclePage(BaseModel):
    total: int
    page: int
    page_size: int
    items: list[VehicleRead]


class ImportResult(BaseModel):
    kind: str
    layout: str
    rows: int
    created: int
    replaced: int
    source: str
