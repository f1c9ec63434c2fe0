"""The fund register at the boundary."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class InvestmentRead(BaseModel):
    id: int
    fund: str
    investee_name: str
    uscc: str | None = Field(description="None: a firm outside the zone")
    in_zone: bool
    invested_on: date
    amount_fen: int
    round: str
    stake_pct: float
    exited_on: date | None
    exit_amount_fen: int | None


class FundRead(BaseModel):
    id: int
    name: str
    parent: str | None
    size_fen: int
    zone_share_fen: int
    manager: str
    period: str
    track: str | None
    invested_fen: int = Field(description="every investment, exited or not")
    in_zone_fen: int = Field(description="invested in registry firms")
    in_zone_share: float | None = Field(description="in_zone / invested, a fraction")
    reinvestment_ratio: float | None = Field(
        description="返投比例: in_zone / the zone's commitment, a fraction"
    )
    exits: int
    investments: list[InvestmentRead]


class TrackShare(BaseModel):
    track: str | None
    invested_fen: int
    in_zone_fen: int


class Register(BaseModel):
    total: int
    funds: list[FundRead]
    invested_fen: int
    in_zone_fen: int
    in_zone_share: float | None
    tracks: list[TrackShare]


class FundCreate(BaseModel):
    name: str = Field(min_length=2, max_length=200)
    parent: str | None = Field(default=None, max_length=200)
    size_wan: int = Field(gt=0, le=10**10, description="万元")
    zone_share_wan: int = Field(ge=0, le=10**10, description="万元")
    manager: str = Field(min_length=2, max_length=200)
    start_year: int = Field(ge=2000, le=2100)
    end_year: int = Field(ge=2000, le=2100)
    track: str | None = Field(default=None, max_length=60)


class InvestmentCreate(BaseModel):
    uscc: str | None = Field(default=None, max_length=40, description="a registry firm")
    investee_name: str | None = Field(default=None, max_length=200, description="else its name")
    invested_on: date
    amount_wan: int = Field(gt=0, le=10**10, description="万元")
    round: str = Field(min_length=1, max_length=40)
    stake_pct: float = Field(gt=0, le=100)


class ExitCreate(BaseModel):
    exited_on: date
    exit_amount_wan: int = Field(ge=0, le=10**10)
