"""The pages of key projects: the board by stage, a project with its timeline and list, the
seven batches, overdue lists, the profile tab, import (of projects; the page's lead form posts to
``/leads/import``) and export. The
lead pipeline's pages are in :mod:`yuanqu.attraction.pages`.

Each page calls the same view or service as its JSON twin in ``api.py`` and links to it. The
forms post with htmx (the CSRF token travels in the ``X-CSRF-Token`` header set on <body>, or in
the form); a refused change re-renders its fragment with the message, and the request's unit of
work is rolled back, so a failed request changes nothing.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from yuanqu.core.auth import EVERYONE, Principal, allow
from yuanqu.core.deps import get_db, request_lang
from yuanqu.core.errors import ValidationError, YuanquError
from yuanqu.core.tabular import ImportRejected
from yuanqu.projects import export, importer, ledger, service, stages, views
from yuanqu.projects.access import (
    PROJECT_EDITORS,
    READERS,
    actor_of,
    forbid_task_force,
    readable_task_forces,
    scope_of,
)
from yuanqu.projects.schemas import EARLIEST, LATEST
from yuanqu.registry import service as registry
from yuanqu.web.pagecache import render_kept
from yuanqu.web.templating import error_page, render

router = APIRouter(include_in_schema=False)
Text = Annotated[str | None, Query(max_length=100)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _refused(request: Request, session: Session, error: YuanquError) -> dict[str, Any]:
    """A refused change: undo the unit of work and say why on the fragment."""
    session.rollback()
    return {"error": error.to_dict(request_lang(request)), "error_status": error.status}


# --- the board -----------------------------------------------------------------------------------


def _board_context(
    request: Request, session: Session, principal: Principal, task_force: str | None, q: str | None
) -> dict[str, Any]:
    lang = request_lang(request)
    board = views.board(session, scope=scope_of(principal), task_force=task_force, q=q, lang=lang)
    query = "&".join(f"{k}={v}" for k, v in (("task_force", task_force), ("q", q)) if v)
    return {
        "board": board,
        "task_forces": readable_task_forces(session, principal),
        "task_force": task_force,
        "q": q or "",
        "today": date.today(),
        "editor": principal.role in PROJECT_EDITORS,
        "error": None,
        "json_url": "/api/v1/projects/board" + (f"?{query}" if query else ""),
    }


@router.get("/projects", response_class=HTMLResponse)
def board_page(
    request: Request,
    task_force: Text = None,
    q: Text = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> HTMLResponse:
    template = "projects/_board.html" if _is_htmx(request) else "projects/board.html"
    return render_kept(
        request,
        template,
        session,
        lambda: _board_context(request, session, principal, task_force, q),
    )


@router.post("/projects/{project_id}/stage", response_model=None)
def move_stage(
    request: Request,
    project_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    to: Annotated[str, Form(min_length=1, max_length=40)],
    on: Annotated[date, Form(ge=EARLIEST, le=LATEST)],
    reason: Annotated[str | None, Form(max_length=500)] = None,
    waiver: Annotated[str | None, Form(max_length=500)] = None,
    task_force: Annotated[str | None, Form(max_length=40)] = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(PROJECT_EDITORS),
) -> Response:
    """Move a project (the board's back button asks for the reason, see fragments.js)."""
    extra: dict[str, Any] = {"error": None}
    try:
        project = service.get_project(session, project_id=project_id)
        forbid_task_force(principal, project.task_force)
        stages.move_stage(
            session, project, actor=actor_of(principal), to=to, on=on, reason=reason, waiver=waiver
        )
        session.flush()
    except YuanquError as error:
        extra = _refused(request, session, error)
    if not _is_htmx(request):
        if extra["error"]:
            return error_page(request, extra["error"], extra["error_status"])
        return RedirectResponse(f"/projects/{project_id}", status_code=303)
    context = _board_context(request, session, principal, task_force or None, None) | extra
    context["moved"] = project_id
    return render(
        request, "projects/_board.html", context, status_code=extra.get("error_status", 200)
    )


# --- reports -------------------------------------------------------------------------------------


@router.get("/projects/batches", response_class=HTMLResponse)
def batches_page(
    request: Request,
    span: Annotated[str | None, Query(max_length=40)] = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> HTMLResponse:
    lang = request_lang(request)
    latest = None if span else views.latest_year(session, "batches")
    span = span or str(latest or date.today().year)
    report = views.seven_batches(session, span=span, lang=lang)
    context = {
        "report": report,
        "span": span,
        "opened_on_latest": latest,
        "charts": views.batches_charts(report, lang=lang),
        "json_url": f"/api/v1/projects/batches?span={span}",
    }
    return render(request, "projects/batches.html", context)


@router.get("/projects/overdue", response_class=HTMLResponse)
def overdue_page(
    request: Request,
    by: Literal["owner", "task_force"] = "owner",
    as_of: Annotated[date | None, Query(ge=EARLIEST, le=LATEST)] = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> HTMLResponse:
    as_of = as_of or date.today()
    groups = views.overdue(session, scope=scope_of(principal), by=by, as_of=as_of)
    stages = views.late_stages(
        session, scope=scope_of(principal), as_of=as_of, lang=request_lang(request)
    )
    context = {
        "groups": groups,
        "late_stages": stages,
        "by": by,
        "as_of": as_of,
        "json_url": f"/api/v1/projects/overdue?by={by}&as_of={as_of}",
    }
    return render(request, "projects/overdue.html", context)


@router.get("/projects/import", response_class=HTMLResponse)
def import_form(request: Request, principal: Principal = allow(PROJECT_EDITORS)) -> HTMLResponse:
    return render(request, "projects/import.html", {"errors": None, "result": None, "kind": None})


@router.post("/projects/import", response_class=HTMLResponse)
def import_upload(
    request: Request,
    file: UploadFile = File(),
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(PROJECT_EDITORS),
) -> HTMLResponse:
    lang = request_lang(request)
    name = file.filename or "upload.xlsx"
    try:
        result = importer.import_projects(
            session, actor=actor_of(principal), source=file.file.read(), filename=name
        )
    except ImportRejected as rejected:
        session.rollback()  # the importer wrote nothing; make the unit of work say so too
        errors = rejected.listed(lang)
        context = {
            "errors": errors,
            "result": None,
            "kind": "projects",
            "message": rejected.message(lang),
        }
        return render(request, "projects/import.html", context, status_code=422)
    except YuanquError as error:  # e.g. a task-force member importing another task force's rows
        context = {"errors": None, "result": None, "kind": "projects"} | _refused(
            request, session, error
        )
        return render(request, "projects/import.html", context, status_code=error.status)
    return render(
        request, "projects/import.html", {"errors": None, "result": result, "kind": "projects"}
    )


def _xlsx(build: Any, filename: str) -> FileResponse:
    folder = FilePath(tempfile.mkdtemp(prefix="yuanqu-projects-"))
    path = folder / filename
    build(path)
    return FileResponse(
        path,
        media_type=XLSX,
        filename=filename,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get("/projects/export.xlsx")
def export_list(
    request: Request,
    layout: Literal["report", "canonical"] = Query("report", alias="format"),
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Response:
    """The project list: a report for people, or with ``?format=canonical`` the import layout
    (用于重新导入). A task-force member gets its own task forces only."""
    scope = scope_of(principal)
    forces = None if scope is None else sorted(scope)
    lang = request_lang(request)
    return _xlsx(
        lambda path: export.export_projects(
            session, path=path, task_forces=forces, layout=layout, lang=lang
        ),
        "projects-import.xlsx" if layout == "canonical" else "projects.xlsx",
    )


@router.get("/projects/weekly.xlsx")
def export_weekly(
    week_end: Annotated[date | None, Query(ge=EARLIEST, le=LATEST)] = None,
    task_force: Text = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Response:
    end = week_end or date.today()
    scope = scope_of(principal)
    if scope is not None:  # a member's report covers one of its own task forces
        task_force = task_force or min(scope, default=None)
        forbid_task_force(principal, task_force)
    return _xlsx(
        lambda path: export.export_weekly(session, path=path, week_end=end, task_force=task_force),
        f"weekly-{end.isoformat()}.xlsx",
    )


# --- one project ---------------------------------------------------------------------------------


@router.post("/projects/items/{item_id}/close", response_class=HTMLResponse)
def close_item(
    request: Request,
    item_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    resolution: Annotated[str, Form(max_length=500)] = "",
    closed_on: Annotated[date | None, Form(ge=EARLIEST, le=LATEST)] = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(PROJECT_EDITORS),
) -> HTMLResponse:
    item, project = ledger.get_item(session, item_id=item_id)
    forbid_task_force(principal, project.task_force)
    extra: dict[str, Any] = {"error": None}
    try:
        if closed_on is None:
            raise ValidationError(
                "销号须填写办结日期", "closing an item needs its date", code="date_required"
            )
        ledger.close_item(
            session,
            item,
            project,
            actor=actor_of(principal),
            resolution=resolution,
            closed_on=closed_on,
        )
        session.flush()
    except YuanquError as error:
        extra = _refused(request, session, error) | {"failed_item": item_id}
    return _items_fragment(request, session, principal, project.id, extra)


@router.post("/projects/{project_id}/items", response_class=HTMLResponse)
def open_item(
    request: Request,
    project_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    kind: Annotated[str, Form(max_length=20)],
    title: Annotated[str, Form(min_length=1, max_length=200)],
    owner: Annotated[str, Form(min_length=1, max_length=100)],
    opened_on: Annotated[date, Form(ge=EARLIEST, le=LATEST)],
    workdays: Annotated[int, Form(ge=1, le=250)],
    category: Annotated[str, Form(max_length=40)] = "other",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(PROJECT_EDITORS),
) -> HTMLResponse:
    project = service.get_project(session, project_id=project_id)
    forbid_task_force(principal, project.task_force)
    extra: dict[str, Any] = {"error": None}
    try:
        ledger.open_item(
            session,
            project,
            actor=actor_of(principal),
            kind=kind,
            title=title,
            owner=owner,
            opened_on=opened_on,
            workdays=workdays,
            category=category,
        )
        session.flush()
    except YuanquError as error:
        extra = _refused(request, session, error)
    return _items_fragment(request, session, principal, project_id, extra)


def _items_fragment(
    request: Request, session: Session, principal: Principal, project_id: int, extra: dict
) -> HTMLResponse:
    context = {
        "items": ledger.list_items(session, project_id=project_id, as_of=date.today()),
        "project_id": project_id,
        "editor": principal.role in PROJECT_EDITORS,
        "today": date.today(),
        "failed_item": None,
    } | extra
    return render(
        request, "projects/_items.html", context, status_code=extra.get("error_status", 200)
    )


@router.get("/projects/{project_id}", response_class=HTMLResponse)
def project_page(
    request: Request,
    project_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> HTMLResponse:
    lang = request_lang(request)
    forbid_task_force(principal, service.get_project(session, project_id=project_id).task_force)
    view = views.project_view(session, project_id=project_id, lang=lang)
    context = {
        "p": view.project,
        "items": view.items,
        "project_id": project_id,
        "stages": service.active_pipeline(session).stages,
        "timeline": views.timeline_chart(view.project, lang=lang),
        "history": service.project_history(session, project_id=project_id),
        "editor": principal.role in PROJECT_EDITORS,
        "today": date.today(),
        "error": None,
        "failed_item": None,
        "json_url": f"/api/v1/projects/{project_id}?lang={lang}",
    }
    return render(request, "projects/project.html", context)


# --- the enterprise profile's tab ----------------------------------------------------------------


@router.get("/enterprises/{uscc}/projects", response_class=HTMLResponse)
def enterprise_projects(
    request: Request,
    uscc: Annotated[str, Path(max_length=40)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> HTMLResponse:
    firm = registry.visible_firm(session, uscc=uscc, principal=principal)
    return render_kept(
        request,
        "projects/_enterprise_projects.html",
        session,
        lambda: {
            "page": service.list_projects(
                session, enterprise_id=firm.id, lang=request_lang(request)
            ),
            "links": principal.role in READERS,
            "uscc": firm.uscc,
        },
    )
