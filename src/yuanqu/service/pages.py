"""The service desk's pages: the request list (true total, paging, xlsx), filing a request, a
request with its timeline and moves, overdue by unit, the yearly report with charts, visits, and
the enterprise portal. Each calls the service its JSON twin in ``api.py`` calls."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date, datetime
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from yuanqu.core.auth import STAFF, Principal, Role, allow
from yuanqu.core.deps import get_db, request_lang
from yuanqu.core.money import INT64_MAX
from yuanqu.service import attachments, catalogue, charts, export, report, transitions, units
from yuanqu.service import visits as visit_log
from yuanqu.service.api import FILERS, MOVERS, READERS, VISITORS, detail, filters_of, visit_dict
from yuanqu.service.models import (
    Channel,
    RequestStatus,
    RequestType,
    ServiceRequest,
    Urgency,
)
from yuanqu.service.queries import RequestFilter, assists_of, list_requests, request_dict
from yuanqu.service.requests import NewRequest, local_now, receive
from yuanqu.service.schemas import IssueToRequest, MoveBody, VisitCreate
from yuanqu.service.workflow import TRANSITIONS
from yuanqu.web.pagecache import render_kept
from yuanqu.web.templating import render

router = APIRouter(include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RequestId = Annotated[int, Path(ge=1, le=INT64_MAX)]


def choices(lang: str) -> dict[str, list[tuple[str, str]]]:
    return {
        "statuses": catalogue.options(RequestStatus, lang),
        "types": catalogue.options(RequestType, lang),
        "urgencies": catalogue.options(Urgency, lang),
        "channels": catalogue.options(Channel, lang),
        "satisfactions": catalogue.options(catalogue.Satisfaction, lang),
    }


def unit_choices(session: Session, lang: str) -> list[tuple[str, str]]:
    return [(u.code, u.name(lang)) for u in units.all_units(session).values() if u.active]


def _local(value: str | None) -> datetime | None:
    """A form's ``datetime-local`` value (empty: now)."""
    return datetime.fromisoformat(value) if value and value.strip() else None


@router.get("/service", response_class=HTMLResponse)
def list_page(
    request: Request,
    filters: RequestFilter = Depends(filters_of),
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> HTMLResponse:
    lang = request_lang(request)
    now = local_now()
    firm = principal.role == Role.enterprise
    query = request.url.query

    def context() -> dict:
        result = list_requests(
            session, principal=principal, filters=filters, page=page, page_size=page_size
        )
        helpers = assists_of(session, [r.id for r in result.items])
        rows = [
            request_dict(session, r, lang, now=now, assists=helpers.get(r.id, []), for_firm=firm)
            for r in result.items
        ]
        return {
            "rows": rows,
            "result": result,
            "first": (page - 1) * page_size + 1 if result.total else 0,
            "last": (page - 1) * page_size + len(rows),
            "filters": filters,
            "units": unit_choices(session, lang),
            "may_file": principal.role in FILERS,
            "is_firm": firm,
            "json_url": "/api/v1/service/requests" + (f"?{query}" if query else ""),
            "export_url": "/service/export.xlsx" + (f"?{query}" if query else ""),
            **choices(lang),
        }

    # The list is the account's own (its units) and its time limits count down: kept per
    # account and per minute of the clock, besides the data.
    minute = now.replace(second=0, microsecond=0)
    return render_kept(
        request, "service/list.html", session, context, also=(principal.username, minute)
    )


@router.get("/service/export.xlsx")
def export_list(
    request: Request,
    filters: RequestFilter = Depends(filters_of),
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> FileResponse:
    """The list as the reader may see it, every matching row, as a spreadsheet for people."""
    lang = request_lang(request)
    result = list_requests(session, principal=principal, filters=filters, page_size=200_000)
    firm = principal.role == Role.enterprise
    now = local_now()
    rows = [request_dict(session, r, lang, now=now, for_firm=firm) for r in result.items]
    folder = FilePath(tempfile.mkdtemp(prefix="yuanqu-service-"))
    path = export.write_list(rows, folder / "requests.xlsx", lang=lang)
    return FileResponse(
        path,
        media_type=XLSX,
        filename=f"service-requests-{date.today().isoformat()}.xlsx",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get("/service/new", response_class=HTMLResponse)
def new_page(
    request: Request,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(FILERS),
) -> HTMLResponse:
    lang = request_lang(request)
    return render(
        request,
        "service/new.html",
        {"is_firm": principal.role == Role.enterprise, **choices(lang)},
    )


@router.post("/service/new")
async def new_form(
    type: Annotated[str, Form(max_length=30)],
    content: Annotated[str, Form(max_length=4000)],
    urgency: Annotated[str, Form(max_length=30)] = "general",
    channel: Annotated[str, Form(max_length=30)] = "portal",
    uscc: Annotated[str | None, Form(max_length=30)] = None,
    firm_name: Annotated[str | None, Form(max_length=200)] = None,
    contact_name: Annotated[str | None, Form(max_length=100)] = None,
    contact_phone: Annotated[str | None, Form(max_length=40)] = None,
    files: Annotated[list[UploadFile] | None, File()] = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(FILERS),
) -> RedirectResponse:
    """File a request (with attachments); the firm lands on its request's page."""
    uploads = await attachments.read_upload(files or [])
    data = NewRequest(
        channel=channel,
        type=type,
        urgency=urgency,
        content=content,
        uscc=uscc,
        firm_name=firm_name,
        contact_name=contact_name,
        contact_phone=contact_phone,
    )
    req = receive(session, actor=principal, data=data)
    attachments.attach(session, request_id=req.id, actor=principal, uploads=uploads)
    return RedirectResponse(f"/service/requests/{req.id}?filed=1", status_code=303)


@router.get("/service/requests/{request_id}", response_class=HTMLResponse)
def request_page(
    request: Request,
    request_id: RequestId,
    filed: bool = False,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> HTMLResponse:
    lang = request_lang(request)
    data = detail(session, request_id, principal, lang)
    moves = [(name, TRANSITIONS[name].label(lang)) for name in data["moves"]]
    return render(
        request,
        "service/request.html",
        {
            "req": data,
            "moves": moves,
            "filed": filed,
            "is_firm": principal.role == Role.enterprise,
            "units": unit_choices(session, lang),
            "json_url": f"/api/v1/service/requests/{request_id}",
            **choices(lang),
        },
    )


@router.post("/service/requests/{request_id}/move")
def move_form(
    request_id: RequestId,
    action: Annotated[str, Form(max_length=30)],
    unit: Annotated[str | None, Form(max_length=40)] = None,
    assist_units: Annotated[list[str] | None, Form()] = None,
    reason: Annotated[str | None, Form(max_length=4000)] = None,
    text: Annotated[str | None, Form(max_length=4000)] = None,
    result: Annotated[str | None, Form(max_length=4000)] = None,
    solved: Annotated[str | None, Form(max_length=5)] = None,
    satisfaction: Annotated[str | None, Form(max_length=20)] = None,
    at: Annotated[str | None, Form(max_length=20)] = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(MOVERS),
) -> RedirectResponse:
    body = MoveBody(
        unit=unit or None,
        assist_units=[u for u in assist_units or [] if u],
        reason=reason,
        text=text,
        result=result,
        solved=None if not solved else solved == "yes",
        satisfaction=satisfaction,
        at=_local(at),
    )
    transitions.take(session, request_id=request_id, action=action, actor=principal, body=body)
    return RedirectResponse(f"/service/requests/{request_id}", status_code=303)


@router.post("/service/requests/{request_id}/attach")
async def attach_form(
    request_id: RequestId,
    files: Annotated[list[UploadFile], File()],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(MOVERS),
) -> RedirectResponse:
    uploads = await attachments.read_upload(files)
    attachments.attach(session, request_id=request_id, actor=principal, uploads=uploads)
    return RedirectResponse(f"/service/requests/{request_id}", status_code=303)


@router.get("/service/overdue", response_class=HTMLResponse)
def overdue_page(
    request: Request,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(STAFF),
) -> HTMLResponse:
    lang = request_lang(request)
    rows = transitions.overdue_by_unit(session, principal=principal, lang=lang)
    return render(
        request,
        "service/overdue.html",
        {
            "rows": rows,
            "total": sum(r["overdue"] for r in rows),
            "now": local_now(),
            "json_url": "/api/v1/service/overdue",
        },
    )


def latest_year(session: Session) -> int:
    """The latest year with requests (the report opens on data), else this year."""
    newest = session.scalar(select(func.max(ServiceRequest.received_at)))
    if isinstance(newest, str):  # SQLite hands back text for an aggregate
        newest = datetime.fromisoformat(newest)
    return newest.year if newest else local_now().year


@router.get("/service/report", response_class=HTMLResponse)
def report_page(
    request: Request,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(STAFF),
) -> HTMLResponse:
    lang = request_lang(request)
    year = year or latest_year(session)
    data = report.yearly_report(session, year=year, lang=lang)
    return render(
        request,
        "service/report.html",
        {
            "report": data,
            "charts": charts.report_charts(data, lang),
            "json_url": f"/api/v1/service/report?year={year}",
            "xlsx_url": f"/service/report.xlsx?year={year}",
        },
    )


@router.get("/service/report.xlsx")
def report_xlsx(
    request: Request,
    year: Annotated[int, Query(ge=2000, le=2100)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(STAFF),
) -> FileResponse:
    lang = request_lang(request)
    data = report.yearly_report(session, year=year, lang=lang)
    folder = FilePath(tempfile.mkdtemp(prefix="yuanqu-service-"))
    path = export.write_report(data, folder / "report.xlsx", lang=lang)
    return FileResponse(
        path,
        media_type=XLSX,
        filename=f"service-report-{year}.xlsx",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get("/service/visits", response_class=HTMLResponse)
def visits_page(
    request: Request,
    uscc: Annotated[str | None, Query(max_length=30)] = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(STAFF),
) -> HTMLResponse:
    lang = request_lang(request)
    rows, total = visit_log.list_visits(session, principal=principal, uscc=uscc)
    mine = units.units_of(session, principal)
    return render(
        request,
        "service/visits.html",
        {
            "rows": [visit_dict(session, v, lang) for v in rows],
            "total": total,
            "may_record": principal.role in VISITORS,
            "units": [
                (c, n)
                for c, n in unit_choices(session, lang)
                if principal.role == Role.admin or c in mine
            ],
            "today": date.today().isoformat(),
            "json_url": "/api/v1/service/visits",
            **choices(lang),
        },
    )


@router.post("/service/visits")
def visit_form(
    uscc: Annotated[str, Form(max_length=30)],
    visited_on: Annotated[date, Form()],
    unit: Annotated[str, Form(max_length=40)],
    people_met: Annotated[str, Form(max_length=300)],
    topics: Annotated[str, Form(max_length=4000)],
    issues: Annotated[str | None, Form(max_length=4000)] = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(VISITORS),
) -> RedirectResponse:
    data = VisitCreate(
        uscc=uscc,
        visited_on=visited_on,
        unit=unit,
        people_met=people_met,
        topics=topics,
        issues=issues,
    )
    visit_log.record_visit(session, actor=principal, data=data)
    return RedirectResponse("/service/visits", status_code=303)


@router.post("/service/visits/{visit_id}/raise")
def raise_form(
    visit_id: Annotated[int, Path(ge=1, le=INT64_MAX)],
    issue: Annotated[str, Form(max_length=4000)],
    type: Annotated[str, Form(max_length=30)],
    urgency: Annotated[str, Form(max_length=30)] = "general",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(VISITORS),
) -> RedirectResponse:
    """One step: the issue found on the visit is a request owned by the visiting unit."""
    req = visit_log.raise_request(
        session,
        actor=principal,
        visit_id=visit_id,
        data=IssueToRequest(issue=issue, type=type, urgency=urgency),
    )
    return RedirectResponse(f"/service/requests/{req.id}", status_code=303)


@router.get("/portal", response_class=HTMLResponse)
def portal_page(
    request: Request,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(Role.enterprise),
) -> HTMLResponse:
    """The firm's own portal: its firm, its entitlements and grant cases, its requests."""
    from yuanqu.service.portal import portal_context

    lang = request_lang(request)
    # Kept like the service desk's list: per account and per minute (time limits count down).
    minute = local_now().replace(second=0, microsecond=0)
    return render_kept(
        request,
        "service/portal.html",
        session,
        lambda: portal_context(session, principal, lang),
        also=(principal.username, minute),
    )
