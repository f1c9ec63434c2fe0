"""The JSON API of investment attraction (/api/v1/leads...): the lead list, the funnel of a span
and a lead's signing into a key project. Each route parses, authorizes (the role with ``allow``,
the task force with the projects' access rules), calls the same view or service as its page and
returns its schema."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from yuanqu.attraction import service as attraction
from yuanqu.attraction import views
from yuanqu.attraction.schemas import FunnelRow, LeadRead, LeadSign
from yuanqu.core.auth import Principal, allow
from yuanqu.core.deps import get_db
from yuanqu.projects import reports
from yuanqu.projects import service as projects
from yuanqu.projects.access import LEAD_EDITORS, READERS, actor_of, forbid_task_force, scope_of
from yuanqu.projects.schemas import ProjectRead

router = APIRouter(tags=["attraction"])
Span = Annotated[str, Query(max_length=40, description="2023, 2023-06, 2023Q2 or 2023-01..2023-06")]
Lang = Annotated[Literal["zh", "en"], Query()]


@router.get("/leads", response_model=list[LeadRead])
def list_leads(
    task_force: Annotated[str | None, Query(max_length=40)] = None,
    stage: Annotated[str | None, Query(max_length=40)] = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> list[LeadRead]:
    scope = scope_of(principal)
    leads = attraction.list_leads(session, task_force=task_force, stage=stage)
    return [lead for lead in leads if scope is None or lead.task_force in scope]


@router.get("/leads/funnel", response_model=list[FunnelRow])
def lead_funnel(
    span: Span = str(date.today().year),
    task_force: Annotated[str | None, Query(max_length=40)] = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> list[FunnelRow]:
    start, end = reports.parse_span(span)
    found = views.lead_pipeline(
        session, scope=scope_of(principal), start=start, end=end, task_force=task_force
    )
    return found.funnel


@router.post("/leads/{lead_id}/sign", response_model=ProjectRead, status_code=201)
def sign_lead(
    body: LeadSign,
    lead_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(LEAD_EDITORS),
) -> ProjectRead:
    lead = attraction.get_lead(session, lead_id=lead_id)
    forbid_task_force(principal, lead.task_force)
    signed = attraction.sign_lead(session, lead, actor=actor_of(principal), **body.model_dump())
    session.flush()  # the new project's id, to read it back
    return projects.project_detail(session, project_id=signed.id, lang=lang)
