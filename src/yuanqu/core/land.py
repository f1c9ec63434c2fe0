"""Land measures: 1 亩 (mu) = 10000/15 m², exactly, as the land administration counts it."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

#: m² x MU_NUMERATOR / MU_DENOMINATOR = 亩 (kept as integers so a conversion stays exact).
MU_NUMERATOR, MU_DENOMINATOR = 15, 10_000


def mu_of(area_sqm: Decimal | int) -> Decimal:
    """The 亩 of an area in m², exact."""
    return Decimal(area_sqm) * MU_NUMERATOR / MU_DENOMINATOR


class LandHeld(NamedTuple):
    """The land a firm holds in a year, in m²: its parcels, and the land equivalent of the space it
    occupies (floor area / the building's plot ratio, weighted by the days it occupied it)."""

    parcels_sqm: Decimal
    space_sqm: Decimal

    @property
    def total_sqm(self) -> Decimal:
        return self.parcels_sqm + self.space_sqm
