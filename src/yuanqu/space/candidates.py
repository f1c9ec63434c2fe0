"""Who could take a unit: the stored requirements (of leads and projects) the unit fits, each with
the firm behind it and that firm's grade in the latest published 亩均效益评价 before this year.

Ranked by how close the unit's area is to the middle of the requirement's range, then by the
requirement's number; where the zone says so (``matching.mu_grade_first`` in
``data/space/zone.yaml``), class A firms come first, then class B, then the others, each ranked
as before. The grade is shown either way.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
from sqlalchemy.orm import Session

from yuanqu.attraction import service as attraction
from yuanqu.core.auth import Principal
from yuanqu.projects import service as projects
from yuanqu.projects.access import READERS as CANDIDATE_READERS
from yuanqu.projects.access import scope_of
from yuanqu.registry import firms
from yuanqu.space import grades
from yuanqu.space.matching import FITS, requirements_table, stored_requirements, units_table
from yuanqu.space.models import UNIT_USE_NAMES
from yuanqu.space.service import _unit
from yuanqu.space.zone import ZoneSpaceSettings, zone_settings

__all__ = ["CANDIDATE_READERS", "candidates", "holders"]

CANDIDATES_SQL = f"""
SELECT r.requirement_id, abs(2 * u.area_sqm - r.min_area_sqm - r.max_area_sqm) AS distance
FROM requirements r JOIN units u ON {FITS}
WHERE u.unit_id = $unit
"""


def holders(
    session: Session, requirements: list[dict[str, Any]], *, today: date
) -> tuple[int | None, dict[int, dict[str, Any]]]:
    """(the year graded, requirement id -> its holder: ``holder`` (the lead's prospect or the
    project's name), ``firm`` and ``uscc`` (the registered firm behind it, if any), ``grade``
    and ``task_force``)."""
    leads = attraction.lead_holders(session, [r["lead"] for r in requirements if r.get("lead")])
    plans = projects.project_holders(
        session, [r["project"] for r in requirements if r.get("project")]
    )
    ids = firms.ids_for_codes(session, sorted({v["uscc"] for v in leads.values() if v["uscc"]}))
    investors = {v["enterprise_id"] for v in plans.values() if v["enterprise_id"]}
    firm_ids = set(ids.values()) | investors
    codes = firms.codes_for_ids(session, firm_ids)
    names = {f.id: f.name for f in firms.firms_by_code(session, codes.values()).values()}
    year, graded = grades.previous_grades(session, today=today)
    out: dict[int, dict[str, Any]] = {}
    for r in requirements:
        if r.get("project") in plans:
            p = plans[r["project"]]
            holder, firm_id, task_force = p["name"], p["enterprise_id"], p["task_force"]
        elif r.get("lead") in leads:
            lead = leads[r["lead"]]
            holder, task_force = lead["name"], lead["task_force"]
            firm_id = ids.get(lead["uscc"]) if lead["uscc"] else None
        else:
            continue
        out[r["requirement_id"]] = {
            "holder": holder,
            "firm": names.get(firm_id) if firm_id else None,
            "uscc": codes.get(firm_id) if firm_id else None,
            "grade": graded.get(firm_id) if firm_id else None,
            "task_force": task_force,
        }
    return year, out


def candidates(
    session: Session,
    *,
    unit_id: int,
    today: date,
    principal: Principal,
    lang: str = "zh",
    settings: ZoneSpaceSettings | None = None,
) -> dict[str, Any]:
    """The requirements unit ``unit_id`` fits, ranked (see the module), as rows people read:
    only those of the task forces ``principal`` may read (leads and projects are theirs)."""
    settings = settings or zone_settings()
    _unit(session, unit_id)  # a clear 404 for a unit that does not exist
    scope = scope_of(principal)
    stored = stored_requirements(session)
    units = units_table(session, today=today)
    con = duckdb.connect()
    try:
        con.register("units", units)
        con.register("requirements", requirements_table(stored))
        # ``unit_id`` is a checked int, written into the text as matching writes ``top``.
        fits = dict(con.sql(CANDIDATES_SQL.replace("$unit", str(int(unit_id)))).fetchall())
    finally:
        con.close()
    wanted = [r for r in stored if r["requirement_id"] in fits]
    year, who = holders(session, wanted, today=today)
    rows = []
    for r in wanted:
        h = who.get(r["requirement_id"])
        if h is None or (scope is not None and h["task_force"] not in scope):
            continue
        rows.append(
            {
                "requirement_id": r["requirement_id"],
                "lead": r["lead"],
                "project": r["project"],
                **{k: v for k, v in h.items() if k != "task_force"},
                "use_name": UNIT_USE_NAMES.get(r["use"], (r["use"], r["use"]))[lang == "en"],
                "min_area_sqm": r["min_area_sqm"],
                "max_area_sqm": r["max_area_sqm"],
                "needed_on": r["needed_on"],
                "_key": (
                    grades.priority(h["grade"], grade_first=settings.mu_grade_first),
                    fits[r["requirement_id"]],
                    r["requirement_id"],
                ),
            }
        )
    rows.sort(key=lambda row: row["_key"])
    for rank, row in enumerate(rows, start=1):
        del row["_key"]
        row["rank"] = rank
    return {
        "unit": unit_id,
        "grade_first": settings.mu_grade_first,
        "grade_year": year,
        "total": len(rows),
        "candidates": rows,
    }
