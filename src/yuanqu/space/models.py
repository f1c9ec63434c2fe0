"""Land and space (用地与载体): parcels, parks, buildings, their units, occupancy and reservations.

Areas are whole square metres; 亩 is derived (m² × 15 / 10000), never stored beside them. Heights
are centimetres, floor loads kilograms per m² and rents fen per m² per day, so every figure is an
exact integer on both databases.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from yuanqu.core.db import Base, BigId
from yuanqu.core.land import MU_DENOMINATOR, MU_NUMERATOR

DATASET = "space"


def sqm_to_mu(area_sqm: int | float) -> float:
    """亩 of an area in m² (for display and ratios; the database keeps m² only)."""
    return area_sqm * MU_NUMERATOR / MU_DENOMINATOR


class LandUse(StrEnum):
    industrial = "industrial"
    rd = "rd"
    warehousing = "warehousing"
    commercial = "commercial"
    mixed = "mixed"


LAND_USE_NAMES: dict[str, tuple[str, str]] = {
    LandUse.industrial: ("工业用地", "industrial"),
    LandUse.rd: ("科研用地", "R&D"),
    LandUse.warehousing: ("仓储用地", "warehousing"),
    LandUse.commercial: ("商业用地", "commercial"),
    LandUse.mixed: ("混合用地", "mixed use"),
}


class BuildingKind(StrEnum):
    standard_factory = "standard_factory"
    rd_building = "rd_building"
    office = "office"
    incubator = "incubator"
    warehouse = "warehouse"


BUILDING_KIND_NAMES: dict[str, tuple[str, str]] = {
    BuildingKind.standard_factory: ("标准厂房", "standard factory"),
    BuildingKind.rd_building: ("研发楼", "R&D building"),
    BuildingKind.office: ("办公楼", "office"),
    BuildingKind.incubator: ("孵化器", "incubator"),
    BuildingKind.warehouse: ("仓库", "warehouse"),
}


class UnitUse(StrEnum):
    production = "production"
    rd = "rd"
    office = "office"
    storage = "storage"


UNIT_USE_NAMES: dict[str, tuple[str, str]] = {
    UnitUse.production: ("生产", "production"),
    UnitUse.rd: ("研发", "R&D"),
    UnitUse.office: ("办公", "office"),
    UnitUse.storage: ("仓储", "storage"),
}


class UnitStatus(StrEnum):
    vacant = "vacant"
    reserved = "reserved"
    let = "let"
    sold = "sold"
    self_used = "self_used"


UNIT_STATUS_NAMES: dict[str, tuple[str, str]] = {
    UnitStatus.vacant: ("空置", "vacant"),
    UnitStatus.reserved: ("已预留", "reserved"),
    UnitStatus.let: ("已出租", "let"),
    UnitStatus.sold: ("已出售", "sold"),
    UnitStatus.self_used: ("自用", "self-used"),
}


class ReservationStatus(StrEnum):
    held = "held"
    released = "released"
    taken = "taken"
    lapsed = "lapsed"


RESERVATION_STATUS_NAMES: dict[str, tuple[str, str]] = {
    ReservationStatus.held: ("预留中", "held"),
    ReservationStatus.released: ("已释放", "released"),
    ReservationStatus.taken: ("已签约入驻", "taken up"),
    ReservationStatus.lapsed: ("已过期", "lapsed"),
}


class Parcel(Base):
    """A land parcel (地块) granted to a firm, with the project built on it."""

    __tablename__ = "land_parcels"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True, comment="地块编号")
    sub_area: Mapped[str] = mapped_column(String(60), index=True, comment="片区")
    area_sqm: Mapped[int] = mapped_column(Integer, comment="用地面积 m² (亩 = m² × 15 / 10000)")
    land_use: Mapped[str] = mapped_column(String(20), comment="a LandUse")
    granted_on: Mapped[date | None] = mapped_column(Date, comment="出让日期")
    price_fen: Mapped[int | None] = mapped_column(BigInteger, comment="出让价款 in fen")
    enterprise_id: Mapped[int | None] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True, comment="土地使用权人"
    )
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), index=True, comment="the project on it"
    )

    __table_args__ = (
        CheckConstraint("area_sqm > 0", name="area_positive"),
        CheckConstraint("price_fen >= 0", name="price_not_negative"),
    )


class Park(Base):
    """A park (园区载体) of buildings under one owner, e.g. 经海产业园三期."""

    __tablename__ = "space_parks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(200), comment="运营主体")
    sub_area: Mapped[str] = mapped_column(String(60), index=True, comment="片区")
    quarter: Mapped[str | None] = mapped_column(String(100), comment="e.g. 空天街区")


class Building(Base):
    """A building of a park: its kind and when it was delivered (交付)."""

    __tablename__ = "space_buildings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    park_id: Mapped[int] = mapped_column(
        ForeignKey("space_parks.id", ondelete="RESTRICT"), index=True
    )
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24), index=True, comment="a BuildingKind")
    address: Mapped[str | None] = mapped_column(String(300))
    floors: Mapped[int] = mapped_column(Integer)
    delivered_on: Mapped[date | None] = mapped_column(Date, comment="交付日期")

    __table_args__ = (CheckConstraint("floors > 0", name="floors_positive"),)


class Unit(Base):
    """A lettable unit of a building; ``status`` is its state today, its history is occupancy,
    reservations and the audit log."""

    __tablename__ = "space_units"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    building_id: Mapped[int] = mapped_column(
        ForeignKey("space_buildings.id", ondelete="RESTRICT"), index=True
    )
    code: Mapped[str] = mapped_column(String(40), comment="unit number within the building")
    floor: Mapped[int] = mapped_column(Integer)
    area_sqm: Mapped[int] = mapped_column(Integer, comment="建筑面积 m²")
    height_cm: Mapped[int] = mapped_column(Integer, comment="层高 cm")
    load_kg_sqm: Mapped[int] = mapped_column(Integer, comment="楼面荷载 kg/m² (1 t/m² = 1000)")
    power_kva: Mapped[int | None] = mapped_column(Integer, comment="配电容量 kVA")
    use: Mapped[str] = mapped_column(String(20), index=True, comment="a UnitUse")
    rent_fen_sqm_day: Mapped[int | None] = mapped_column(Integer, comment="租金 fen/m²/day")
    sale_fen_sqm: Mapped[int | None] = mapped_column(BigInteger, comment="售价 fen/m²")
    status: Mapped[str] = mapped_column(String(16), index=True, comment="a UnitStatus")

    __table_args__ = (
        UniqueConstraint("building_id", "code"),
        CheckConstraint("area_sqm > 0", name="area_positive"),
        CheckConstraint("height_cm > 0 AND load_kg_sqm > 0", name="specs_positive"),
    )


class Occupancy(Base):
    """A firm in a unit from a date to a date (open end: still there), at a rent."""

    __tablename__ = "space_occupancies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("space_units.id", ondelete="RESTRICT"), index=True
    )
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), comment="let, sold or self_used")
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    rent_fen_sqm_day: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint("end_on IS NULL OR end_on >= start_on", name="period_ordered"),
        CheckConstraint("kind IN ('let', 'sold', 'self_used')", name="kind_known"),
        Index("ix_space_occupancies_period", "start_on", "end_on"),
    )


class Reservation(Base):
    """A unit held for a lead (or a project) until a date, then lapsed unless taken up."""

    __tablename__ = "space_reservations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(
        ForeignKey("space_units.id", ondelete="RESTRICT"), index=True
    )
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"))
    holder: Mapped[str] = mapped_column(String(200), comment="for whom, as the lead names it")
    reserved_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), index=True, comment="a ReservationStatus")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("expires_on >= reserved_on", name="period_ordered"),
        CheckConstraint("status IN ('held', 'released', 'taken', 'lapsed')", name="status_known"),
    )


class Requirement(Base):
    """What a lead or a project needs: area, height, load, use, sub-area and when."""

    __tablename__ = "space_requirements"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    min_area_sqm: Mapped[int] = mapped_column(Integer)
    max_area_sqm: Mapped[int] = mapped_column(Integer)
    min_height_cm: Mapped[int | None] = mapped_column(Integer)
    min_load_kg_sqm: Mapped[int | None] = mapped_column(Integer)
    use: Mapped[str] = mapped_column(String(20))
    sub_area: Mapped[str | None] = mapped_column(String(60))
    needed_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("max_area_sqm >= min_area_sqm AND min_area_sqm > 0", name="area_range"),
        CheckConstraint("lead_id IS NOT NULL OR project_id IS NOT NULL", name="has_owner"),
    )


class SupplyPlan(Base):
    """The m² of a building kind the zone plans to deliver in a year (the factory programme)."""

    __tablename__ = "space_supply_plans"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    planned_sqm: Mapped[int] = mapped_column(Integer)

    __table_args__ = (CheckConstraint("planned_sqm >= 0", name="planned_not_negative"),)
