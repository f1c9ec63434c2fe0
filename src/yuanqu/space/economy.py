"""Building economy (楼宇经济): the tax and output of the firms in each building, per m².

A firm in several buildings is shared out by the m² it occupies in each (its year's figures ×
its m² here / its m² everywhere); a unit counts if its occupancy overlaps the year. A building
whose firms paid 1亿元 of tax or more in the year is an 亿元楼.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuanqu.space.models import BUILDING_KIND_NAMES, Building, Occupancy, Park, Unit
from yuanqu.stats import firms as stats_firms

YI_FEN = 100_000_000 * 100


def building_economy(session: Session, *, year: int, lang: str = "zh") -> list[dict[str, Any]]:
    """Every building with firms in ``year``: occupied m², firms, tax and output (fen), and per m²
    (yuan), largest tax first."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    rows = session.execute(
        select(Occupancy.enterprise_id, Unit.building_id, Unit.area_sqm)
        .join(Unit, Unit.id == Occupancy.unit_id)
        .where(
            Occupancy.start_on <= end,
            (Occupancy.end_on.is_(None)) | (Occupancy.end_on >= start),
        )
    ).all()
    firm_area: dict[int, int] = {}
    share: dict[tuple[int, int], int] = {}
    for firm, building, area in rows:
        firm_area[firm] = firm_area.get(firm, 0) + area
        share[(building, firm)] = share.get((building, firm), 0) + area
    figures = stats_firms.annual_tax_output(session, firm_area, year)
    totals: dict[int, dict[str, Any]] = {}
    for (building, firm), area in share.items():
        t = totals.setdefault(
            building, {"area_sqm": 0, "firms": 0, "tax_fen": 0, "output_fen": 0, "reporting": 0}
        )
        t["area_sqm"] += area
        t["firms"] += 1
        tax, output = figures.get(firm, (None, None))
        if tax is not None or output is not None:
            t["reporting"] += 1
        part = area / firm_area[firm]
        t["tax_fen"] += round((tax or 0) * part)
        t["output_fen"] += round((output or 0) * part)
    names = {
        b.id: (b, p)
        for b, p in session.execute(
            select(Building, Park).join(Park, Park.id == Building.park_id)
        ).all()
    }
    out = []
    for building_id, t in totals.items():
        b, p = names[building_id]
        out.append(
            {
                "building": f"{p.name} {b.name}",
                "code": b.code,
                "sub_area": p.sub_area,
                "kind_name": BUILDING_KIND_NAMES[b.kind][lang == "en"],
                **t,
                "tax_yuan_sqm": round(t["tax_fen"] / 100 / t["area_sqm"], 1)
                if t["area_sqm"]
                else None,
                "output_yuan_sqm": round(t["output_fen"] / 100 / t["area_sqm"], 1)
                if t["area_sqm"]
                else None,
                "yi_yuan": t["tax_fen"] >= YI_FEN,
            }
        )
    return sorted(out, key=lambda r: (-r["tax_fen"], r["code"]))
