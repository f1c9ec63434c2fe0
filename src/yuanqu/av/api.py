"""The test zone's JSON API (/api/v1/av): the report, permits and their moves, vehicles, imports.

A test subject's account (role enterprise) reads its own vehicles, permits and figures only.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Path, Query, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from yuanqu.av import exports, service, views
from yuanqu.av import permits as workflow
from yuanqu.av import report as reports
from yuanqu.av.importer import ImportKind, import_records
from yuanqu.av.schemas import (
    ImportResult,
    IncidentClose,
    IncidentCreate,
    IncidentRead,
    PermitIssue,
    PermitMove,
    PermitPage,
    PermitRead,
    PermitRenew,
    RoadCreate,
    RoadRead,
    VehicleCreate,
    VehiclePage,
    VehicleRead,
)
from yuanqu.core.auth import EVERYONE, Principal, allow
from yuanqu.core.deps import get_db
from yuanqu.core.errors import ValidationError
from yuanqu.registry.service import visible_enterprise

router = APIRouter(tags=["av"])
OFFICE = service.OFFICE
Year = Annotated[int | None, Query(ge=2000, le=2100, description="default: the latest year")]
Lang = Annotated[str, Query(pattern="^(zh|en)$")]
Vin = Annotated[str, Path(min_length=17, max_length=17)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(session: Session, year: int | None) -> int:
    return year or reports.latest_year(session) or date.today().year


def _permit(session: Session, number: str, lang: str) -> PermitRead:
    _total, rows = service.list_permits(session, today=date.today(), number=number)
    return PermitRead(**views.permit_item(rows[0], lang, views.firm_names(session, [rows[0].uscc])))


@router.get("/av/report")
def get_report(
    year: Year = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.READERS),
) -> dict[str, Any]:
    """The annual road-test report (a test subject: its own part)."""
    scope = service.scope_of(session, principal)
    return reports.annual_report(session, year=_year(session, year), enterprise_id=scope)


@router.get("/av/report.xlsx")
def get_report_xlsx(
    year: Year = None,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.READERS),
) -> Response:
    """The report as a workbook for people: headers with units, frozen and filtered."""
    scope = service.scope_of(session, principal)
    year = _year(session, year)
    body = exports.report_xlsx(reports.annual_report(session, year=year, enterprise_id=scope), lang)
    name = f"av-report-{year}.xlsx"
    return Response(
        body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/av/permits")
def get_permits(
    expiring: Annotated[int | None, Query(description="30, 60 or 90 days")] = None,
    status: Annotated[Literal["active", "suspended", "revoked", "expired"] | None, Query()] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=1000)] = 50,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.READERS),
) -> PermitPage:
    """Permits, soonest end first, with the true total (``expiring``: within 30/60/90 days)."""
    total, rows = _permit_rows(session, principal, expiring, status, page, page_size)
    names = views.firm_names(session, {r.uscc for r in rows})
    items = [PermitRead(**views.permit_item(r, lang, names)) for r in rows]
    return PermitPage(total=total, page=page, page_size=page_size, items=items)


def _permit_rows(
    session: Session,
    principal: Principal,
    expiring: int | None,
    status: str | None,
    page: int,
    page_size: int,
) -> tuple[int, list[service.PermitRow]]:
    scope = service.scope_of(session, principal)
    if expiring is not None and expiring not in views.WINDOWS:
        raise ValidationError(
            "expiring 只能是 30、60 或 90（天）",
            "expiring is 30, 60 or 90 (days)",
            code="bad_window",
        )
    if expiring is not None:
        return service.expiring_permits(
            session,
            today=date.today(),
            within_days=expiring,
            enterprise_id=scope,
            page=page,
            page_size=page_size,
        )
    return service.list_permits(
        session,
        today=date.today(),
        status=status,
        enterprise_id=scope,
        page=page,
        page_size=page_size,
    )


@router.get("/av/permits.xlsx")
def get_permits_xlsx(
    expiring: Annotated[int | None, Query(description="30, 60 or 90 days")] = None,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.READERS),
) -> Response:
    """Every permit of the list (all pages) as a workbook for people."""
    _total, rows = _permit_rows(session, principal, expiring, None, 1, 100_000)
    names = views.firm_names(session, {r.uscc for r in rows})
    body = exports.permits_xlsx([views.permit_item(r, lang, names) for r in rows], lang)
    name = f"av-permits-{expiring or 'all'}.xlsx"
    return Response(
        body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.post("/av/permits", status_code=201)
def post_permit(
    body: PermitIssue,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(OFFICE),
) -> PermitRead:
    """Grant a stage; 409 naming every prerequisite that does not hold."""
    permit = workflow.issue(
        session,
        vin=body.vin,
        stage=body.stage,
        on=body.on or date.today(),
        actor=principal.username,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        permit_no=body.permit_no,
        scenario=body.scenario,
    )
    return _permit(session, permit.permit_no, lang)


@router.post("/av/permits/{permit_no}/renew")
def post_renew(
    permit_no: Annotated[str, Path(max_length=40)],
    body: PermitRenew,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(OFFICE),
) -> PermitRead:
    workflow.renew(
        session,
        permit_no=permit_no,
        on=body.on or date.today(),
        actor=principal.username,
        valid_until=body.valid_until,
    )
    return _permit(session, permit_no, lang)


@router.post("/av/permits/{permit_no}/{move}")
def post_move(
    permit_no: Annotated[str, Path(max_length=40)],
    move: Literal["suspend", "reinstate", "revoke"],
    body: PermitMove,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(OFFICE),
) -> PermitRead:
    """Suspend, reinstate or revoke a permit, with its reason (audited)."""
    getattr(workflow, move)(
        session,
        permit_no=permit_no,
        on=body.on or date.today(),
        actor=principal.username,
        reason=body.reason,
    )
    return _permit(session, permit_no, lang)


@router.get("/av/vehicles")
def get_vehicles(
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=1000)] = 50,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.READERS),
) -> VehiclePage:
    scope = service.scope_of(session, principal)
    total, rows = service.list_vehicles(
        session, enterprise_id=scope, page=page, page_size=page_size
    )
    codes = service.owners(session, rows)
    items = [
        VehicleRead(
            vin=v.vin,
            uscc=codes[v.enterprise_id],
            plate=v.plate,
            model=v.model,
            automation_level=v.automation_level,
            scenarios=v.scenarios,
            supervision=v.supervision,
            cover_fen=v.cover_fen,
        )
        for v in rows
    ]
    return VehiclePage(total=total, page=page, page_size=page_size, items=items)


@router.get("/av/vehicles/{vin}")
def get_vehicle(
    vin: Vin,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.READERS),
) -> dict[str, Any]:
    """A vehicle's permits with every move, its kilometres, disengagements and incidents."""
    scope = service.scope_of(session, principal)
    history = service.vehicle_history(session, vin=vin, enterprise_id=scope)
    return views.vehicle_json(history, lang, date.today())


@router.post("/av/import")
def post_import(
    file: UploadFile = File(),
    kind: ImportKind = Form(),
    replace: bool = Form(False),
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(OFFICE),
) -> ImportResult:
    """Import kilometres or disengagements: all rows or none (422 lists every bad cell)."""
    result = import_records(
        session,
        source=file.file.read(),
        kind=kind,
        filename=file.filename,
        replace=replace,
        today=date.today(),
    )
    return ImportResult(**result.__dict__)


@router.get("/enterprises/{uscc}/av")
def get_firm_av(
    uscc: Annotated[str, Path(max_length=40)],
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> dict[str, Any]:
    """One test subject's vehicles and permits (a firm user: its own only)."""
    firm = visible_enterprise(session, uscc=uscc, principal=principal)
    return {"uscc": firm.uscc, **views.firm_tab(session, enterprise_id=firm.id, lang=lang)}


@router.post("/av/vehicles", status_code=201)
def post_vehicle(
    body: VehicleCreate,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(OFFICE),
) -> VehicleRead:
    """Register a test subject's vehicle (the firm must be in the registry)."""
    data = body.model_dump(exclude={"on"})
    vehicle = service.register_vehicle(
        session, **data, on=body.on or date.today(), actor=principal.username
    )
    return VehicleRead(
        vin=vehicle.vin,
        uscc=service.owners(session, [vehicle])[vehicle.enterprise_id],
        plate=vehicle.plate,
        model=vehicle.model,
        automation_level=vehicle.automation_level,
        scenarios=vehicle.scenarios,
        supervision=vehicle.supervision,
        cover_fen=vehicle.cover_fen,
    )


@router.post("/av/incidents", status_code=201)
def post_incident(
    body: IncidentCreate,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(OFFICE),
) -> IncidentRead:
    """Report an incident: it blocks the vehicle's later stages until it is closed."""
    incident = service.report_incident(
        session,
        vin=body.vin,
        occurred_on=body.occurred_on,
        description=body.description,
        actor=principal.username,
    )
    return IncidentRead(**views.incident_item(session, incident, lang))


@router.post("/av/incidents/{incident_id}/investigate")
def post_investigate(
    incident_id: int,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(OFFICE),
) -> IncidentRead:
    incident = service.investigate_incident(
        session, incident_id=incident_id, actor=principal.username
    )
    return IncidentRead(**views.incident_item(session, incident, lang))


@router.post("/av/incidents/{incident_id}/close")
def post_close(
    incident_id: int,
    body: IncidentClose,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(OFFICE),
) -> IncidentRead:
    """Close an investigation with its finding: was the vehicle responsible?"""
    incident = service.close_incident(
        session,
        incident_id=incident_id,
        on=body.on or date.today(),
        responsible=body.responsible,
        finding=body.finding,
        actor=principal.username,
    )
    return IncidentRead(**views.incident_item(session, incident, lang))


@router.get("/av/roads")
def get_roads(
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.READERS),
) -> list[RoadRead]:
    """The open road segments, oldest first, with the scenarios allowed on each."""
    return [RoadRead(**views.road_item(road, lang)) for road in service.list_roads(session)]


@router.post("/av/roads", status_code=201)
def post_road(
    body: RoadCreate,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(OFFICE),
) -> RoadRead:
    """Open a road segment to testing."""
    road = service.open_road(session, **body.model_dump(), actor=principal.username)
    return RoadRead(**views.road_item(road, lang))
