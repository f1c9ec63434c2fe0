"""The demo's 亩均效益评价: the resource use of every manufacturer holding land (drug makers and
chip fabs differ: energy per unit of value added, emissions, electricity), and the 2023 grading
put on notice in March 2024 and published after it, as the zone's economic bureau would."""

from __future__ import annotations

from datetime import date

import numpy as np
from sqlalchemy.orm import Session

from yuanqu.core import audit
from yuanqu.core.auth import Principal, Role
from yuanqu.mu import inputs, service
from yuanqu.registry import firms
from yuanqu.space import land as space_land
from yuanqu.stats.firms import yearly_figures

YEAR = 2023
#: Value added per tonne of standard coal (yuan) and emissions per tce (t), by GB/T 4754 division:
#: what separates a chip fab (power-hungry) from a drug maker or an instrument maker.
INTENSITY = {
    "39": (14_000, 0.004),
    "27": (26_000, 0.012),
    "26": (9_000, 0.030),
    "36": (20_000, 0.008),
}
DEFAULT = (22_000, 0.010)


def build_mu(session: Session, *, seed: int) -> dict[str, int]:
    """Resources for the year's land holders, then the year graded, noticed and published."""
    held = space_land.land_by_firm(session, YEAR)
    if not held:
        return {}
    rng = np.random.default_rng(seed + 17)
    figures = {r["firm_id"]: r for r in yearly_figures(session, year=YEAR).to_pylist()}
    codes = firms.codes_for_ids(session, set(held))
    industries = {
        f.id: f.industry_code for f in firms.firms_by_code(session, codes.values()).values()
    }
    rows = []
    for firm_id in sorted(held):
        value_added = (figures.get(firm_id) or {}).get("value_added") or 0
        if value_added <= 0 or rng.random() < 0.04:  # a few never reported their energy
            continue
        per_tce, emitted = INTENSITY.get((industries.get(firm_id) or "")[:2], DEFAULT)
        energy_t = value_added / 100 / (per_tce * rng.lognormal(0, 0.35))
        rows.append(
            {
                "enterprise_id": firm_id,
                "year": YEAR,
                "energy_kgce": int(energy_t * 1000),
                "emissions_kg": int(energy_t * emitted * rng.lognormal(0, 0.4) * 1000),
                "electricity_kwh": int(energy_t * 8130 * rng.lognormal(0, 0.15)),
            }
        )
    inputs.write_resources(session, rows)
    bureau = Principal(0, "demo:economic-bureau", Role.analyst)
    with audit.recorded_at(date(2024, 3, 1)):
        ev = service.evaluate(session, year=YEAR, actor=bureau)
        service.start_notice(session, evaluation_id=ev.id, actor=bureau, start=date(2024, 3, 1))
    with audit.recorded_at(date(2024, 3, 11)):
        service.publish(session, evaluation_id=ev.id, actor=bureau, today=date(2024, 3, 11))
    return {"graded": ev.graded, "exempt": ev.exempt, "resources": len(rows)}
