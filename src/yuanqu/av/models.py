"""The test zone's tables: vehicles, permits, monthly kilometres, disengagements, incidents, roads.

Words a person reads (stages, modes, initiators, road types, scenarios) are kept here beside
their keys, in Chinese and English, so no page or export ever shows a key.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from yuanqu.core.db import Base, BigId

#: The data version every write to the records bumps (the report's columnar cache reads it).
DATASET = "av"
#: The least insurance cover a vehicle on test needs: 5 million yuan, in fen.
MIN_COVER_FEN = 5_000_000_00
#: The longest a permit may run.
MAX_VALIDITY_MONTHS = 18


class PermitStage(StrEnum):
    """The stages a vehicle is licensed for, each on its own permit."""

    road_test = "road_test"
    passenger = "passenger"
    driverless_onboard = "driverless_onboard"
    driverless_remote = "driverless_remote"
    demonstration = "demonstration"
    commercial_pilot = "commercial_pilot"
    night = "night"
    highway = "highway"


STAGE_NAMES: dict[str, tuple[str, str]] = {
    PermitStage.road_test: ("道路测试", "road test"),
    PermitStage.passenger: ("载人测试", "tests with passengers"),
    PermitStage.driverless_onboard: (
        "无人化测试（车内安全员）",
        "driverless, safety officer aboard",
    ),
    PermitStage.driverless_remote: (
        "无人化测试（远程安全员）",
        "driverless, remote safety officer",
    ),
    PermitStage.demonstration: ("示范应用", "demonstration operation"),
    PermitStage.commercial_pilot: ("商业化试点", "commercial pilot"),
    PermitStage.night: ("夜间测试", "night tests"),
    PermitStage.highway: ("高速公路测试", "highway tests"),
}


class PermitStatus(StrEnum):
    """issued -> (renewed) -> suspended <-> active -> revoked. Expiry is a date, not a state."""

    active = "active"
    suspended = "suspended"
    revoked = "revoked"


PERMIT_STATUS_NAMES: dict[str, tuple[str, str]] = {
    PermitStatus.active: ("有效", "in force"),
    PermitStatus.suspended: ("暂停", "suspended"),
    PermitStatus.revoked: ("已撤销", "revoked"),
    "expired": ("已过期", "expired"),
}


class Mode(StrEnum):
    """How a month's kilometres were driven; each kilometre is counted under one mode."""

    safety_driver = "safety_driver"
    driverless = "driverless"
    passenger = "passenger"
    night = "night"


MODE_NAMES: dict[str, tuple[str, str]] = {
    Mode.safety_driver: ("有安全员", "with a safety driver"),
    Mode.driverless: ("无人化", "driverless"),
    Mode.passenger: ("载人", "with passengers"),
    Mode.night: ("夜间", "at night"),
}


class Initiator(StrEnum):
    """Who ended automated driving."""

    system = "system"
    driver = "driver"
    remote = "remote"
    passenger = "passenger"


INITIATOR_NAMES: dict[str, tuple[str, str]] = {
    Initiator.system: ("系统", "the system"),
    Initiator.driver: ("测试驾驶员", "the test driver"),
    Initiator.remote: ("远程操作员", "a remote operator"),
    Initiator.passenger: ("乘客", "a passenger"),
}


class RoadType(StrEnum):
    urban = "urban"
    expressway = "expressway"
    highway = "highway"
    rural = "rural"
    parking = "parking"


ROAD_TYPE_NAMES: dict[str, tuple[str, str]] = {
    RoadType.urban: ("城市道路", "urban road"),
    RoadType.expressway: ("快速路", "expressway"),
    RoadType.highway: ("高速公路", "highway"),
    RoadType.rural: ("乡村道路", "rural road"),
    RoadType.parking: ("停车场", "parking facility"),
}


class Scenario(StrEnum):
    passenger = "passenger"
    robotaxi = "robotaxi"
    bus = "bus"
    delivery = "delivery"
    patrol = "patrol"
    trunk_logistics = "trunk_logistics"
    sanitation = "sanitation"
    retail = "retail"


SCENARIO_NAMES: dict[str, tuple[str, str]] = {
    Scenario.passenger: ("乘用车", "passenger car"),
    Scenario.robotaxi: ("无人出租车", "robotaxi"),
    Scenario.bus: ("自动驾驶巴士", "bus"),
    Scenario.delivery: ("无人配送", "delivery"),
    Scenario.patrol: ("无人巡逻", "patrol"),
    Scenario.trunk_logistics: ("干线物流", "trunk logistics"),
    Scenario.sanitation: ("无人环卫", "sanitation"),
    Scenario.retail: ("无人零售", "retail"),
}


class Supervision(StrEnum):
    """Who can take over: a safety driver aboard, a remote operator, or either."""

    safety_driver = "safety_driver"
    remote_operator = "remote_operator"
    both = "both"


SUPERVISION_NAMES: dict[str, tuple[str, str]] = {
    Supervision.safety_driver: ("车内安全员", "safety driver aboard"),
    Supervision.remote_operator: ("远程安全员", "remote operator"),
    Supervision.both: ("车内及远程安全员", "safety driver and remote operator"),
}


class IncidentStatus(StrEnum):
    """reported -> investigating -> closed (with a finding)."""

    reported = "reported"
    investigating = "investigating"
    closed = "closed"


INCIDENT_STATUS_NAMES: dict[str, tuple[str, str]] = {
    IncidentStatus.reported: ("已报告", "reported"),
    IncidentStatus.investigating: ("调查中", "under investigation"),
    IncidentStatus.closed: ("已结案", "closed"),
}


def name_of(names: dict[str, tuple[str, str]], key: str | None, lang: str = "zh") -> str:
    """The word for a key in the reader's language (the key itself only if unknown)."""
    if key is None:
        return "—"
    pair = names.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]


class AvVehicle(Base):
    """A test vehicle of a test subject (a registry firm)."""

    __tablename__ = "av_vehicles"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True, comment="测试主体"
    )
    vin: Mapped[str] = mapped_column(String(17), unique=True, comment="车辆识别代号")
    plate: Mapped[str] = mapped_column(String(20), comment="号牌或临时号牌")
    temporary_plate: Mapped[bool] = mapped_column(Boolean, default=False)
    model: Mapped[str] = mapped_column(String(100), comment="车型")
    notice_no: Mapped[str | None] = mapped_column(String(40), comment="公告号")
    automation_level: Mapped[str] = mapped_column(String(4), comment="L3, L4 or L5")
    scenarios: Mapped[list[str]] = mapped_column(JSON, comment="Scenario keys it may run")
    supervision: Mapped[str] = mapped_column(String(20), comment="a Supervision")
    insurer: Mapped[str | None] = mapped_column(String(100))
    insurance_policy_no: Mapped[str | None] = mapped_column(String(60), comment="保单号")
    cover_fen: Mapped[int] = mapped_column(BigInteger, comment="保险金额 in fen")
    registered_on: Mapped[date] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint("cover_fen >= 0", name="cover_not_negative"),
        CheckConstraint("automation_level IN ('L3', 'L4', 'L5')", name="level_known"),
    )


class AvPermit(Base):
    """A permit for one stage, issued to one vehicle, valid at most 18 months."""

    __tablename__ = "av_permits"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    permit_no: Mapped[str] = mapped_column(String(40), unique=True, comment="牌照编号")
    vehicle_id: Mapped[int] = mapped_column(
        ForeignKey("av_vehicles.id", ondelete="RESTRICT"), index=True
    )
    stage: Mapped[str] = mapped_column(String(24), comment="a PermitStage")
    scenario: Mapped[str | None] = mapped_column(String(24), comment="the Scenario it licenses")
    status: Mapped[str] = mapped_column(String(12), comment="a PermitStatus")
    issued_on: Mapped[date] = mapped_column(Date)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date, index=True, comment="inclusive")
    renewals: Mapped[int] = mapped_column(default=0)
    ended_on: Mapped[date | None] = mapped_column(Date, comment="the day it was revoked")
    reason: Mapped[str | None] = mapped_column(Text, comment="the last suspension/revocation")

    __table_args__ = (
        CheckConstraint("valid_until >= valid_from", name="validity_ordered"),
        CheckConstraint("status IN ('active', 'suspended', 'revoked')", name="status_known"),
    )


class AvMileage(Base):
    """The kilometres one vehicle drove in one month in one mode."""

    __tablename__ = "av_mileage"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(
        ForeignKey("av_vehicles.id", ondelete="RESTRICT"), index=True
    )
    permit_id: Mapped[int | None] = mapped_column(ForeignKey("av_permits.id", ondelete="SET NULL"))
    month: Mapped[str] = mapped_column(String(7), comment="YYYY-MM")
    mode: Mapped[str] = mapped_column(String(16), comment="a Mode")
    km: Mapped[float] = mapped_column(Float, comment="公里")
    hours: Mapped[float | None] = mapped_column(Float, comment="测试时长（小时）")

    __table_args__ = (
        UniqueConstraint("vehicle_id", "month", "mode"),
        CheckConstraint("km >= 0", name="km_not_negative"),
        Index("ix_av_mileage_month", "month"),
    )


class AvDisengagement(Base):
    """One disengagement: automated driving ended by the system or a person."""

    __tablename__ = "av_disengagements"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(
        ForeignKey("av_vehicles.id", ondelete="RESTRICT"), index=True
    )
    permit_id: Mapped[int | None] = mapped_column(ForeignKey("av_permits.id", ondelete="SET NULL"))
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    initiated_by: Mapped[str] = mapped_column(String(12), comment="an Initiator")
    road_type: Mapped[str] = mapped_column(String(12), comment="a RoadType")
    description: Mapped[str] = mapped_column(Text, default="")


class AvIncident(Base):
    """An incident on test and its investigation; a responsible accident blocks later stages."""

    __tablename__ = "av_incidents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(
        ForeignKey("av_vehicles.id", ondelete="RESTRICT"), index=True
    )
    occurred_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), comment="an IncidentStatus")
    responsible: Mapped[bool | None] = mapped_column(
        Boolean, comment="the finding: the vehicle was responsible (None until closed)"
    )
    finding: Mapped[str | None] = mapped_column(Text)
    closed_on: Mapped[date | None] = mapped_column(Date)


class AvRoad(Base):
    """An open road segment of the zone and the scenarios allowed on it."""

    __tablename__ = "av_roads"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    road_type: Mapped[str] = mapped_column(String(12), comment="a RoadType")
    km: Mapped[float] = mapped_column(Float, comment="里程（公里）")
    opened_on: Mapped[date] = mapped_column(Date)
    scenarios: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (CheckConstraint("km > 0", name="km_positive"),)
