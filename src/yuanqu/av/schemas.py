"""The test zone's shapes at the boundary: permit moves asked for, permits and pages read."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from yuanqu.av.models import PermitStage, RoadType, Scenario, Supervision


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


class VehicleCreate(BaseModel):
    """Register a test subject's vehicle."""

    uscc: str = Field(max_length=40)
    vin: str = Field(min_length=17, max_length=17)
    plate: str = Field(min_length=1, max_length=20)
    temporary_plate: bool = False
    model: str = Field(min_length=1, max_length=100)
    notice_no: str | None = Field(None, max_length=40)
    automation_level: str = Field(pattern="^L[345]$")
    scenarios: list[Scenario] = Field(min_length=1)
    supervision: Supervision
    insurer: str | None = Field(None, max_length=100)
    insurance_policy_no: str | None = Field(None, max_length=60)
    cover_fen: int = Field(ge=0, le=10**15, description="insurance cover in fen")
    on: date | None = None


class IncidentCreate(BaseModel):
    vin: str = Field(min_length=17, max_length=17)
    occurred_on: date
    description: str = Field(min_length=1, max_length=4000)


class IncidentClose(BaseModel):
    responsible: bool
    finding: str = Field(min_length=1, max_length=4000)
    on: date | None = None


class IncidentRead(BaseModel):
    id: int
    vin: str
    occurred_on: date
    description: str
    status: str
    status_name: str
    responsible: bool | None
    finding: str | None


class RoadCreate(BaseModel):
    code: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=100)
    road_type: RoadType
    km: float = Field(gt=0, le=1000)
    opened_on: date
    scenarios: list[Scenario] = Field(min_length=1)


class RoadRead(BaseModel):
    code: str
    name: str
    road_type: str
    road_type_name: str
    km: float
    opened_on: date
    scenarios: list[str]
    scenario_names: list[str]
