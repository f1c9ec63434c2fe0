"""The space JSON API (/api/v1/space): vacancy, supply, the map, units, reservations, matching,
imports, and a firm's space."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Query, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from yuanqu.core.auth import EVERYONE, STAFF, Principal, Role, allow
from yuanqu.core.deps import get_db
from yuanqu.registry.service import visible_enterprise
from yuanqu.space import candidates as space_candidates
from yuanqu.space import economy, matching, service
from yuanqu.space import holds as space_holds
from yuanqu.space.importer import SpaceImportKind, import_space
from yuanqu.stats import firms as stats_firms

router = APIRouter(tags=["space"])
IMPORTERS = (Role.admin, Role.analyst, Role.project_officer)
READERS = STAFF
Lang = Annotated[str, Query(pattern="^(zh|en)$")]
UnitId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/space/vacancy")
def get_vacancy(
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> dict[str, Any]:
    """Units and m², vacant and reserved, by sub-area, building kind and size band."""
    return service.vacancy(session, lang=lang)


@router.get("/space/supply")
def get_supply(
    kind: str = "standard_factory",
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> list[dict[str, Any]]:
    """m² of a building kind delivered per year against the plan."""
    return service.supply(session, kind=kind, lang=lang)


@router.get("/space/map")
def get_map(
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> list[dict[str, Any]]:
    """Per sub-area: parcels (亩) and space (m²) occupied, reserved and vacant."""
    return service.space_map(session)


@router.get("/space/buildings")
def get_buildings(
    year: Annotated[
        int | None, Query(ge=1990, le=2100, description="default: latest full year")
    ] = None,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> dict[str, Any]:
    """Tax and output of each building's firms in the year, and per m² (楼宇经济, 亿元楼)."""
    year = year or stats_firms.latest_complete_year(session) or date.today().year - 1
    return {"year": year, "buildings": economy.building_economy(session, year=year, lang=lang)}


@router.get("/space/units")
def get_units(
    sub_area: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    band: str | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> dict[str, Any]:
    """Units matching the filters: the true total and one page."""
    return service.list_units(
        session,
        sub_area=sub_area,
        kind=kind,
        status=status,
        band=band,
        page=page,
        page_size=page_size,
        lang=lang,
    )


@router.get("/space/units/{unit_id}")
def get_unit(
    unit_id: UnitId,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> dict[str, Any]:
    """A unit with its occupancy, reservations and audited changes."""
    return service.unit_history(session, unit_id=unit_id, lang=lang)


@router.get("/space/units/{unit_id}/candidates")
def get_unit_candidates(
    unit_id: UnitId,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(space_candidates.CANDIDATE_READERS),
) -> dict[str, Any]:
    """The leads' and projects' requirements the unit fits, ranked, each with the firm's grade
    in the latest published 亩均效益评价 (class A, then B, first where the zone says so)."""
    return space_candidates.candidates(
        session, unit_id=unit_id, today=date.today(), principal=principal, lang=lang
    )


class HoldBody(BaseModel):
    holder: str = Field(min_length=1, max_length=200)
    until: date
    lead_id: int | None = Field(default=None, ge=1)
    project_id: int | None = Field(default=None, ge=1)


@router.post("/space/units/{unit_id}/reserve")
def post_reserve(
    unit_id: UnitId,
    body: HoldBody,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.SPACE_OFFICERS),
) -> dict[str, Any]:
    """Hold a vacant unit for a lead or a project until a date (it lapses after that)."""
    row = space_holds.reserve(
        session,
        unit_id=unit_id,
        holder=body.holder,
        until=body.until,
        lead_id=body.lead_id,
        project_id=body.project_id,
        actor=principal,
        today=date.today(),
    )
    return service.reservation_dict(row)


class RequirementBody(BaseModel):
    min_area_sqm: int = Field(gt=0, le=10_000_000)
    max_area_sqm: int = Field(gt=0, le=10_000_000)
    min_height_m: float | None = Field(default=None, gt=0, le=100)
    min_load_t_sqm: float | None = Field(default=None, gt=0, le=100)
    use: str = "production"
    sub_area: str | None = Field(default=None, max_length=60)
    needed_on: date | None = None


@router.post("/space/match")
def post_match(
    body: list[RequirementBody],
    top: Annotated[int, Query(ge=1, le=100)] = 5,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> list[dict[str, Any]]:
    """The units that fit each requirement, ranked (nothing is written)."""
    requirements = [
        {
            "requirement_id": i + 1,
            "min_area_sqm": r.min_area_sqm,
            "max_area_sqm": r.max_area_sqm,
            "min_height_cm": None if r.min_height_m is None else round(r.min_height_m * 100),
            "min_load_kg_sqm": None if r.min_load_t_sqm is None else round(r.min_load_t_sqm * 1000),
            "use": r.use,
            "sub_area": r.sub_area,
            "needed_on": r.needed_on,
        }
        for i, r in enumerate(body[:1000])
    ]
    return matching.match(
        session, requirements=requirements, today=date.today(), top=top, lang=lang
    )


class StoredRequirement(RequirementBody):
    lead_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    project_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    note: str | None = Field(default=None, max_length=2000)


@router.post("/space/requirements")
def post_requirement(
    body: StoredRequirement,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.SPACE_OFFICERS),
) -> dict[str, Any]:
    """Record a lead's or a project's space requirement; returns it with the units that fit."""
    row = space_holds.add_requirement(
        session,
        actor=principal,
        min_area_sqm=body.min_area_sqm,
        max_area_sqm=body.max_area_sqm,
        use=body.use,
        lead_id=body.lead_id,
        project_id=body.project_id,
        min_height_cm=None if body.min_height_m is None else round(body.min_height_m * 100),
        min_load_kg_sqm=None if body.min_load_t_sqm is None else round(body.min_load_t_sqm * 1000),
        sub_area=body.sub_area,
        needed_on=body.needed_on,
        note=body.note,
    )
    stored = [r for r in matching.stored_requirements(session) if r["requirement_id"] == row.id]
    [result] = matching.match(session, requirements=stored, today=date.today())
    return result


@router.get("/space/projects/{project_id}")
def get_project_space(
    project_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> dict[str, Any]:
    """A project's parcels and units (its space as records, not free text)."""
    return service.project_space(session, project_id=project_id, lang=lang)


@router.post("/space/import")
def post_import(
    file: UploadFile = File(),
    kind: SpaceImportKind = Form(SpaceImportKind.units),
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(IMPORTERS),
) -> dict[str, Any]:
    """Import parcels, space or occupancy: all rows or none (422 lists every error)."""
    result = import_space(
        session,
        source=file.file.read(),
        kind=kind,
        filename=file.filename,
        actor=principal.username,
    )
    return result.__dict__


@router.get("/enterprises/{uscc}/space")
def get_firm_space(
    uscc: Annotated[str, Path(max_length=40)],
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> dict[str, Any]:
    """One firm's parcels and units (a firm user: its own only)."""
    firm = visible_enterprise(session, uscc=uscc, principal=principal)
    return {"uscc": firm.uscc, **service.firm_space(session, enterprise_id=firm.id, lang=lang)}
