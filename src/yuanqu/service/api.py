"""The service desk's JSON API (/api/v1/service): requests, moves, attachments, the report,
overdue by unit, units, visits and advisers. A firm files and reads its own requests."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Path, Query, Request, UploadFile
from sqlalchemy.orm import Session

from yuanqu.core.auth import EVERYONE, STAFF, Principal, Role, allow
from yuanqu.core.deps import get_db, request_lang
from yuanqu.core.money import INT64_MAX
from yuanqu.service import attachments, report, transitions, units, visits
from yuanqu.service.queries import (
    RequestFilter,
    assists_of,
    attachments_of,
    list_requests,
    request_dict,
    timeline,
)
from yuanqu.service.requests import NewRequest, get_request, local_now, receive
from yuanqu.service.schemas import (
    AdviserAssign,
    IssueToRequest,
    MoveBody,
    RequestCreate,
    VisitCreate,
)
from yuanqu.service.workflow import UNIT_ROLES

router = APIRouter(prefix="/service", tags=["service"])

READERS = EVERYONE
FILERS = frozenset({Role.enterprise, *UNIT_ROLES})
MOVERS = frozenset({Role.enterprise, *UNIT_ROLES})
VISITORS = UNIT_ROLES
RequestId = Annotated[int, Path(ge=1, le=INT64_MAX)]


def filters_of(
    status: Annotated[str | None, Query(max_length=30)] = None,
    unit: Annotated[str | None, Query(max_length=100)] = None,
    type: Annotated[str | None, Query(max_length=30)] = None,
    urgency: Annotated[str | None, Query(max_length=30)] = None,
    channel: Annotated[str | None, Query(max_length=30)] = None,
    uscc: Annotated[str | None, Query(max_length=30)] = None,
    year: Annotated[str | None, Query(max_length=4, pattern=r"^(\d{4})?$")] = None,
    overdue: bool = False,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> RequestFilter:
    """The list's filters; an empty field of the page's form means no filter."""
    return RequestFilter(
        status=status or None,
        unit=unit or None,
        type=type or None,
        urgency=urgency or None,
        channel=channel or None,
        uscc=uscc or None,
        year=int(year) if year else None,
        overdue=overdue,
        q=q or None,
    )


def detail(session: Session, request_id: int, principal: Principal, lang: str) -> dict[str, Any]:
    """A request with its assisting units, files, timeline and the moves open to the reader."""
    req = get_request(session, request_id=request_id, principal=principal)
    firm = principal.role == Role.enterprise
    data = request_dict(
        session, req, lang, assists=assists_of(session, [req.id]).get(req.id, []), for_firm=firm
    )
    data["attachments"] = [
        {"id": a.id, "filename": a.filename, "size": a.size, "sha256": a.sha256}
        for a in attachments_of(session, req.id)
    ]
    data["timeline"] = timeline(session, req, lang, for_firm=firm)
    data["moves"] = transitions.possible_moves(session, req, principal)
    return data


@router.get("/requests")
def list_all(
    request: Request,
    filters: RequestFilter = Depends(filters_of),
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> dict[str, Any]:
    """The requests this account may see (a firm: its own; a unit: what it owns or assists)."""
    lang = request_lang(request)
    result = list_requests(
        session, principal=principal, filters=filters, page=page, page_size=page_size
    )
    helpers = assists_of(session, [r.id for r in result.items])
    now = local_now()
    firm = principal.role == Role.enterprise
    return {
        "total": result.total,
        "page": result.page,
        "page_size": result.page_size,
        "items": [
            request_dict(session, r, lang, now=now, assists=helpers.get(r.id, []), for_firm=firm)
            for r in result.items
        ],
    }


@router.post("/requests", status_code=201)
def create(
    request: Request,
    body: RequestCreate,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(FILERS),
) -> dict[str, Any]:
    """Receive a request (a firm's account files for its own firm, through the portal)."""
    req = receive(session, actor=principal, data=NewRequest(**body.model_dump()))
    return detail(session, req.id, principal, request_lang(request))


@router.get("/requests/{request_id}")
def read(
    request: Request,
    request_id: RequestId,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> dict[str, Any]:
    return detail(session, request_id, principal, request_lang(request))


@router.post("/requests/{request_id}/moves/{action}")
def move(
    request: Request,
    request_id: RequestId,
    action: Annotated[str, Path(max_length=30)],
    body: MoveBody | None = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(MOVERS),
) -> dict[str, Any]:
    """One move of the workflow (the service checks the account, its unit and the state)."""
    transitions.take(
        session, request_id=request_id, action=action, actor=principal, body=body or MoveBody()
    )
    return detail(session, request_id, principal, request_lang(request))


@router.post("/requests/{request_id}/attachments", status_code=201)
async def upload(
    request: Request,
    request_id: RequestId,
    files: Annotated[list[UploadFile], File()],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(MOVERS),
) -> dict[str, Any]:
    """Attach files (pdf, images, office files; 10 MiB each), stored by their SHA-256."""
    uploads = await attachments.read_upload(files)
    attachments.attach(session, request_id=request_id, actor=principal, uploads=uploads)
    return detail(session, request_id, principal, request_lang(request))


@router.get("/report")
def yearly(
    request: Request,
    year: Annotated[int, Query(ge=2000, le=2100)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(STAFF),
) -> dict[str, Any]:
    """The year's three rates, closed share, overdue, hours to close; by unit, type, task force,
    channel and month; top types; firms that came back."""
    return report.yearly_report(session, year=year, lang=request_lang(request))


@router.get("/overdue")
def overdue(
    request: Request,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(STAFF),
) -> list[dict[str, Any]]:
    """Open requests past their deadline by owning unit (of the units this account sees)."""
    return transitions.overdue_by_unit(session, principal=principal, lang=request_lang(request))


@router.get("/units")
def unit_list(
    request: Request,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(STAFF),
) -> list[dict[str, Any]]:
    lang = request_lang(request)
    return [
        {"code": u.code, "name": u.name(lang), "kind": u.kind, "head": u.head}
        for u in units.all_units(session).values()
    ]


def visit_dict(session: Session, visit: Any, lang: str) -> dict[str, Any]:
    return {
        "id": visit.id,
        "uscc": visit.uscc,
        "firm_name": visit.firm_name,
        "visited_on": visit.visited_on.isoformat(),
        "unit": visit.unit_code,
        "unit_name": units.unit_name(session, visit.unit_code, lang),
        "visitor": visit.visitor,
        "people_met": visit.people_met,
        "topics": visit.topics,
        "issues": visit.issues,
    }


@router.get("/visits")
def visit_list(
    request: Request,
    uscc: Annotated[str | None, Query(max_length=30)] = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(STAFF),
) -> dict[str, Any]:
    rows, total = visits.list_visits(session, principal=principal, uscc=uscc)
    lang = request_lang(request)
    return {"total": total, "items": [visit_dict(session, v, lang) for v in rows]}


@router.post("/visits", status_code=201)
def visit_create(
    request: Request,
    body: VisitCreate,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(VISITORS),
) -> dict[str, Any]:
    visit = visits.record_visit(session, actor=principal, data=body)
    return visit_dict(session, visit, request_lang(request))


@router.post("/visits/{visit_id}/requests", status_code=201)
def visit_raise(
    request: Request,
    visit_id: Annotated[int, Path(ge=1, le=INT64_MAX)],
    body: IssueToRequest,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(VISITORS),
) -> dict[str, Any]:
    """An issue found on the visit becomes a request owned by the visiting unit, in one step."""
    req = visits.raise_request(session, actor=principal, visit_id=visit_id, data=body)
    return detail(session, req.id, principal, request_lang(request))


@router.post("/advisers", status_code=201)
def adviser_assign(
    body: AdviserAssign,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow({Role.admin, Role.task_force}),
) -> dict[str, Any]:
    adviser = visits.assign_adviser(session, actor=principal, data=body)
    return {
        "uscc": adviser.uscc,
        "username": adviser.username,
        "display_name": adviser.display_name,
        "unit": adviser.unit_code,
        "since": adviser.since.isoformat(),
    }
