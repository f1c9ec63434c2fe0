"""The pages of investment attraction (招商): the lead pipeline (the funnel by stage, the
conversion over a span) and a lead's signing, which makes it a key project in one step.

Each page calls the same view or service as its JSON twin (``/api/v1/leads``) and links to it.
Leads are imported from the projects' import page, whose lead form posts to ``/leads/import``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from yuanqu.attraction import importer, views
from yuanqu.attraction import service as attraction
from yuanqu.core.auth import Principal, allow
from yuanqu.core.deps import get_db, request_lang
from yuanqu.core.errors import YuanquError
from yuanqu.core.tabular import ImportRejected
from yuanqu.projects import reports
from yuanqu.projects.access import (
    LEAD_EDITORS,
    PROJECT_EDITORS,
    READERS,
    actor_of,
    forbid_task_force,
    readable_task_forces,
    scope_of,
)
from yuanqu.projects.schemas import EARLIEST, LATEST
from yuanqu.web.pagecache import render_kept
from yuanqu.web.templating import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str | None, Query(max_length=100)]


@router.get("/leads", response_class=HTMLResponse)
def leads_page(
    request: Request,
    task_force: Text = None,
    stage: Text = None,
    span: Annotated[str | None, Query(max_length=40)] = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> HTMLResponse:
    lang = request_lang(request)

    def context() -> dict:
        latest = None if span else views.latest_year(session, "leads")
        shown = span or str(latest or date.today().year)
        start, end = reports.parse_span(shown)
        pipeline = views.lead_pipeline(
            session,
            scope=scope_of(principal),
            start=start,
            end=end,
            task_force=task_force,
            stage=stage,
        )
        return {
            "pipeline": pipeline,
            "charts": views.funnel_charts(pipeline.funnel, lang=lang),
            "task_forces": readable_task_forces(session, principal),
            "task_force": task_force,
            "stage": stage,
            "span": shown,
            "opened_on_latest": latest,
            "today": date.today(),
            "editor": principal.role in LEAD_EDITORS,
            "json_url": "/api/v1/leads" + (f"?task_force={task_force}" if task_force else ""),
        }

    return render_kept(request, "projects/leads.html", session, context)


@router.post("/leads/{lead_id}/sign", response_model=None)
def sign_lead(
    request: Request,
    lead_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    signed_on: Annotated[date, Form(ge=EARLIEST, le=LATEST)],
    planned_investment_wan: Annotated[int | None, Form(ge=0, le=100_000_000)] = None,
    project_name: Annotated[str | None, Form(max_length=200)] = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(LEAD_EDITORS),
) -> Response:
    """A lead signs and becomes a key project in one step; the project page opens."""
    lead = attraction.get_lead(session, lead_id=lead_id)
    forbid_task_force(principal, lead.task_force)
    fen = None if planned_investment_wan is None else planned_investment_wan * 1_000_000
    project = attraction.sign_lead(
        session,
        lead,
        actor=actor_of(principal),
        signed_on=signed_on,
        planned_investment_fen=fen,
        project_name=project_name or None,
    )
    session.flush()  # the new project's id, for the redirect
    return RedirectResponse(f"/projects/{project.id}", status_code=303)


@router.post("/leads/import", response_class=HTMLResponse)
def import_leads(
    request: Request,
    file: UploadFile = File(),
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(PROJECT_EDITORS),
) -> HTMLResponse:
    """A lead list as the task forces keep it; shown on the projects' import page."""
    lang = request_lang(request)
    context: dict[str, Any] = {"errors": None, "result": None, "kind": "leads"}
    try:
        context["result"] = importer.import_leads(
            session,
            actor=actor_of(principal),
            source=file.file.read(),
            filename=file.filename or "leads.xlsx",
        )
    except ImportRejected as rejected:
        session.rollback()  # the importer wrote nothing; make the unit of work say so too
        context |= {
            "errors": [error.to_dict(lang) for error in rejected.errors],
            "message": rejected.message(lang),
        }
        return render(request, "projects/import.html", context, status_code=422)
    except YuanquError as error:  # e.g. a task-force member importing another task force's rows
        session.rollback()
        context |= {"error": error.to_dict(lang), "error_status": error.status}
        return render(request, "projects/import.html", context, status_code=error.status)
    return render(request, "projects/import.html", context)
