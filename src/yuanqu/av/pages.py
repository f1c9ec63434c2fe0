"""The test zone's pages: the annual report (charts, print, xlsx), permits expiring in 30/60/90
days, a vehicle's history and the profile tab. Each calls the same service as its JSON twin."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from yuanqu.av import permits as workflow
from yuanqu.av import report as reports
from yuanqu.av import service, views
from yuanqu.core.auth import EVERYONE, Principal, allow
from yuanqu.core.deps import get_db, request_lang
from yuanqu.core.errors import ValidationError
from yuanqu.registry.service import visible_firm
from yuanqu.web.pagecache import render_kept, render_tab
from yuanqu.web.templating import render

router = APIRouter(include_in_schema=False)
Year = Annotated[int | None, Query(ge=2000, le=2100)]


def _report_context(request: Request, session: Session, principal: Principal, year: int | None):
    lang = request_lang(request)
    scope = service.scope_of(session, principal)
    latest = reports.latest_year(session)
    year = year or latest or date.today().year
    result = reports.annual_report(session, year=year, enterprise_id=scope)
    return {
        **views.report_context(result, lang),
        "latest": latest,
        "scoped": scope is not None,
        "json_url": f"/api/v1/av/report?year={year}",
        "xlsx_url": f"/api/v1/av/report.xlsx?year={year}&lang={lang}",
    }


@router.get("/av", response_class=HTMLResponse)
def report_page(
    request: Request,
    year: Year = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.READERS),
) -> HTMLResponse:
    return render_kept(
        request,
        "av/report.html",
        session,
        lambda: _report_context(request, session, principal, year),
    )


@router.get("/av/print", response_class=HTMLResponse)
def print_page(
    request: Request,
    year: Year = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.READERS),
) -> HTMLResponse:
    return render(request, "av/print.html", _report_context(request, session, principal, year))


@router.get("/av/permits", response_class=HTMLResponse)
def permits_page(
    request: Request,
    within: Annotated[int, Query()] = 30,
    page: Annotated[int, Query(ge=1)] = 1,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.READERS),
) -> HTMLResponse:
    lang = request_lang(request)
    within = within if within in views.WINDOWS else 30
    page_size = 50
    total, rows = service.expiring_permits(
        session,
        today=date.today(),
        within_days=within,
        enterprise_id=service.scope_of(session, principal),
        page=page,
        page_size=page_size,
    )
    names = views.firm_names(session, {r.uscc for r in rows})
    context = {
        "within": within,
        "windows": views.WINDOWS,
        "total": total,
        "page": page,
        "pages": max((total + page_size - 1) // page_size, 1),
        "items": [views.permit_item(r, lang, names) for r in rows],
        "json_url": f"/api/v1/av/permits?expiring={within}&page={page}&lang={lang}",
        "xlsx_url": f"/api/v1/av/permits.xlsx?expiring={within}&lang={lang}",
    }
    return render(request, "av/permits.html", context)


@router.get("/av/vehicles/{vin}", response_class=HTMLResponse)
def vehicle_page(
    request: Request,
    vin: Annotated[str, Path(min_length=17, max_length=17)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.READERS),
) -> HTMLResponse:
    lang = request_lang(request)
    history = service.vehicle_history(
        session, vin=vin, enterprise_id=service.scope_of(session, principal)
    )
    names = views.firm_names(session, [history.uscc])
    context = views.vehicle_context(history, names.get(history.uscc, ""), lang, date.today())
    context["json_url"] = f"/api/v1/av/vehicles/{history.vehicle.vin}?lang={lang}"
    context["can_move"] = principal.role in service.OFFICE
    return render(request, "av/vehicle.html", context)


@router.post("/av/permits/{permit_no}/move")
def move_permit(
    permit_no: Annotated[str, Path(max_length=40)],
    move: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.OFFICE),
) -> RedirectResponse:
    """The office's form on a vehicle's page: renew, suspend, reinstate or revoke a permit."""
    if move not in ("renew", "suspend", "reinstate", "revoke"):
        raise ValidationError(f"未知的操作：{move}", f"unknown move: {move}", code="bad_move")
    today = date.today()
    if move == "renew":
        permit = workflow.renew(session, permit_no=permit_no, on=today, actor=principal.username)
    else:
        permit = getattr(workflow, move)(
            session, permit_no=permit_no, on=today, actor=principal.username, reason=reason
        )
    vin = service.vehicle_vin(session, vehicle_id=permit.vehicle_id)
    return RedirectResponse(f"/av/vehicles/{vin}#permits-title", status_code=303)


@router.get("/enterprises/{uscc}/av", response_class=HTMLResponse)
def firm_tab(
    request: Request,
    uscc: Annotated[str, Path(max_length=40)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> HTMLResponse:
    """The profile's test-zone tab (an htmx fragment; a full page when opened directly)."""
    lang = request_lang(request)
    firm = visible_firm(session, uscc=uscc, principal=principal)
    return render_tab(
        request,
        session,
        "av/firm.html",
        firm,
        f"/api/v1/enterprises/{firm.uscc}/av?lang={lang}",
        lambda: {
            "tab": views.firm_tab(session, enterprise_id=firm.id, lang=lang),
        },
    )
