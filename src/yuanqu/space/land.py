"""The land a firm holds in a year, as the 亩均效益评价 counts it: its parcels, and the space it
rents or bought converted at the building's plot ratio (容积率) where the zone configured one. The
mu domain reads it through the reader wired at start-up (:func:`yuanqu.wiring.wire`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuanqu.core.land import LandHeld
from yuanqu.space.models import Building, Occupancy, Parcel, Unit
from yuanqu.space.zone import ZoneSpaceSettings, zone_settings


def land_by_firm(
    session: Session, year: int, *, settings: ZoneSpaceSettings | None = None
) -> dict[int, LandHeld]:
    """firm id -> the land it holds in ``year`` for the 亩均效益评价: the parcels granted to it by
    the end of the year, and the space it rents or bought (let and sold units) in a building whose
    plot ratio the zone configured (``data/space/zone.yaml``), counted as floor area / plot ratio
    and weighted by the share of the year's days it occupied the unit. A self-used unit is its
    owner's building on its owner's parcel: not counted again. Exact decimals, in m²."""
    settings = settings or zone_settings()
    first, last = date(year, 1, 1), date(year, 12, 31)
    parcels = session.execute(
        select(Parcel.enterprise_id, func.sum(Parcel.area_sqm))
        .where(
            Parcel.enterprise_id.is_not(None),
            (Parcel.granted_on.is_(None)) | (Parcel.granted_on <= last),
        )
        .group_by(Parcel.enterprise_id)
    ).all()
    held = {int(firm): Decimal(int(area)) for firm, area in parcels if area}
    space: dict[int, Decimal] = {}
    if settings.plot_ratio_kinds or settings.plot_ratio_buildings:
        days_in_year = Decimal((last - first).days + 1)
        rows = session.execute(
            select(
                Occupancy.enterprise_id,
                Occupancy.start_on,
                Occupancy.end_on,
                Unit.area_sqm,
                Building.code,
                Building.kind,
            )
            .join(Unit, Unit.id == Occupancy.unit_id)
            .join(Building, Building.id == Unit.building_id)
            .where(
                Occupancy.kind.in_(("let", "sold")),
                Occupancy.start_on <= last,
                (Occupancy.end_on.is_(None)) | (Occupancy.end_on >= first),
            )
        )
        for firm, start_on, end_on, area, code, kind in rows:
            ratio = settings.plot_ratio(building_code=code, kind=kind)
            if ratio is None:
                continue
            days = (min(end_on or last, last) - max(start_on, first)).days + 1
            share = Decimal(area) * days / (days_in_year * ratio)
            space[int(firm)] = space.get(int(firm), Decimal(0)) + share
    return {
        firm: LandHeld(held.get(firm, Decimal(0)), space.get(firm, Decimal(0)))
        for firm in sorted(held.keys() | space.keys())
    }
