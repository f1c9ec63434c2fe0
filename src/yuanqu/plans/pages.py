"""The plans pages: every plan with its targets' status (/plans), one plan with each target's
progress and a chart (/plans/{key}), and the administrators' editor (/plans/{key}/edit)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from yuanqu.core.auth import Principal, Role, allow
from yuanqu.core.deps import get_db, request_lang
from yuanqu.core.errors import ValidationError
from yuanqu.plans import export, service, views
from yuanqu.plans.api import EDITORS, READERS, PlanKey, scope
from yuanqu.web.pagecache import render_kept
from yuanqu.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/plans", response_class=HTMLResponse)
def plans_page(
    request: Request,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> HTMLResponse:
    lang = request_lang(request)
    return render_kept(
        request,
        "plans/list.html",
        session,
        lambda: {
            "plans": service.list_plans(session, task_forces=scope(principal), lang=lang),
            "json_url": "/api/v1/plans",
        },
    )


@router.get("/plans/{key}.xlsx")
def plan_xlsx(
    request: Request,
    key: PlanKey,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Response:
    """The plan's progress as an xlsx report."""
    lang = request_lang(request)
    plan = service.plan_progress(session, key=key, task_forces=scope(principal), lang=lang)
    folder = FilePath(tempfile.mkdtemp(prefix="yuanqu-plan-"))
    path = export.write_xlsx([plan], folder / "plan.xlsx", lang=lang)
    return FileResponse(
        path,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=f"plan-{key}.xlsx",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get("/plans/{key}", response_class=HTMLResponse)
def plan_page(
    request: Request,
    key: PlanKey,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> HTMLResponse:
    lang = request_lang(request)

    def context() -> dict:
        plan = service.plan_progress(session, key=key, task_forces=scope(principal), lang=lang)
        return {
            "plan": plan,
            "charts": views.target_charts(plan, lang=lang),
            "units": {key: names[lang == "en"] for key, names in views.UNITS.items()},
            "editor": principal.role == Role.admin,
            "json_url": f"/api/v1/plans/{key}",
        }

    return render_kept(request, "plans/plan.html", session, context)


@router.get("/plans/{key}/edit", response_class=HTMLResponse)
def edit_page(
    request: Request,
    key: PlanKey,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EDITORS),
) -> HTMLResponse:
    text = service.plan_text(session, key=key)
    return render(request, "plans/edit.html", {"key": key, "text": text, "error": None})


@router.post("/plans/{key}/edit", response_model=None)
def save_edit(
    request: Request,
    key: PlanKey,
    source: Annotated[str, Form(max_length=200_000)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EDITORS),
) -> Response:
    try:
        service.save_plan(session, text=source, file=f"{key}.yaml", by=principal.username, key=key)
    except ValidationError as error:
        context = {"key": key, "text": source, "error": error.message(request_lang(request))}
        return render(request, "plans/edit.html", context, status_code=422)
    return RedirectResponse(f"/plans/{key}", status_code=303)
