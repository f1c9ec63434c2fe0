"""Land measures: 1 亩 (mu) = 10000/15 m², exactly, as the land administration counts it."""

from __future__ import annotations

from decimal import Decimal

#: m² x MU_NUMERATOR / MU_DENOMINATOR = 亩 (kept as integers so a conversion stays exact).
MU_NUMERATOR, MU_DENOMINATOR = 15, 10_000


def mu_of(area_sqm: Decimal | int) -> Decimal:
    """The 亩 of an area in m², exact."""
    return Decimal(area_sqm) * MU_NUMERATOR / MU_DENOMINATOR
