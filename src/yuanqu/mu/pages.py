"""The pages of 亩均效益评价: the year's grading (benchmarks, grade counts, distribution, the
class D firms with their weakest indicator, the zone's yield per 亩 over the years, every result),
the graders' steps, and the profile tab where a firm sees its own result, what would raise it, and
objects while the result is on notice. Each page calls the same views as its twin under /api/v1/mu.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from yuanqu.core.auth import EVERYONE, Principal, Role, allow
from yuanqu.core.deps import get_db, request_lang
from yuanqu.core.errors import YuanquError
from yuanqu.mu import export, results, service, views
from yuanqu.mu.models import OBJECTION_NAMES, EvaluationStatus
from yuanqu.registry.service import visible_firm
from yuanqu.web.pagecache import render_kept, render_tab

router = APIRouter(include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50


@router.get("/mu", response_class=HTMLResponse)
def mu_page(
    request: Request,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    grade: Annotated[str | None, Query(pattern="^[A-D]?$")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.READERS),
) -> HTMLResponse:
    lang = request_lang(request)

    def context() -> dict:
        latest = service.latest_year(session)
        chosen = year or latest
        found: dict = {"year": chosen, "latest": latest, "grader": service.can_grade(principal)}
        ev = None
        if chosen is not None:
            try:
                ev = service.find_evaluation(session, year=chosen)
            except YuanquError:
                ev = None
        if ev is None:
            found |= {"ev": None, "this_year": date.today().year - 1}
            return found
        scope = service.scope_of(principal)
        read = views.evaluation(session, ev, lang=lang)
        trend = views.zone_trend(session)
        shown = views.results_page(
            session, ev, grade=grade or None, task_forces=scope, page=page, page_size=PAGE_SIZE,
            lang=lang,
        )  # fmt: skip
        found |= {
            "ev": read,
            "results": shown,
            "grade": grade or "",
            "pages": max(1, -(-shown.total // PAGE_SIZE)),
            "by_industry": views.distribution(
                session, ev, by="industry", task_forces=scope, lang=lang
            ),
            "by_sub_area": views.distribution(
                session, ev, by="sub_area", task_forces=scope, lang=lang
            ),
            "by_task_force": views.distribution(
                session, ev, by="task_force", task_forces=scope, lang=lang
            ),
            "class_d": views.class_d(session, ev, task_forces=scope, lang=lang),
            "objections": [
                (o, OBJECTION_NAMES[o.status][1 if lang == "en" else 0])
                for o in results.objections(session, ev)
            ],
            "charts": views.charts_for(read, trend, lang),
            "json_url": f"/api/v1/mu/{ev.year}?lang={lang}",
            "today": date.today(),
        }
        return found

    return render_kept(request, "mu/index.html", session, context)


@router.get("/mu/{year}/results.xlsx")
def results_xlsx(
    request: Request,
    year: Annotated[int, Path(ge=2000, le=2100)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.READERS),
) -> Response:
    ev = service.find_evaluation(session, year=year)
    folder = FilePath(tempfile.mkdtemp(prefix="yuanqu-mu-"))
    name = f"mu-{year}.xlsx"
    export.write_results(
        session, ev, folder / name, lang=request_lang(request),
        task_forces=service.scope_of(principal),
    )  # fmt: skip
    return FileResponse(
        folder / name,
        media_type=XLSX,
        filename=name,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


def _back(year: int) -> RedirectResponse:
    return RedirectResponse(f"/mu?year={year}", status_code=303)


@router.post("/mu/evaluate")
def evaluate_form(
    year: Annotated[int, Form(ge=2000, le=2100)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.GRADERS),
) -> Response:
    service.evaluate(session, year=year, actor=principal)
    return _back(year)


@router.post("/mu/notice")
def notice_form(
    year: Annotated[int, Form(ge=2000, le=2100)],
    days: Annotated[int, Form(ge=1, le=30)] = 5,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.GRADERS),
) -> Response:
    ev = service.find_evaluation(session, year=year)
    service.start_notice(session, evaluation_id=ev.id, actor=principal, days=days)
    return _back(year)


@router.post("/mu/publish")
def publish_form(
    year: Annotated[int, Form(ge=2000, le=2100)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.GRADERS),
) -> Response:
    ev = service.find_evaluation(session, year=year)
    service.publish(session, evaluation_id=ev.id, actor=principal)
    return _back(year)


@router.post("/mu/objections/{objection_id}/decision")
def decide_form(
    objection_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    year: Annotated[int, Form(ge=2000, le=2100)],
    upheld: Annotated[bool, Form()] = False,
    decision: Annotated[str, Form(min_length=1, max_length=2000)] = "",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.GRADERS),
) -> Response:
    service.decide_objection(
        session, objection_id=objection_id, upheld=upheld, decision=decision, actor=principal
    )
    return _back(year)


@router.get("/enterprises/{uscc}/mu", response_class=HTMLResponse)
def firm_tab(
    request: Request,
    uscc: Annotated[str, Path(max_length=40)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> HTMLResponse:
    """The profile's 亩均 tab (an htmx fragment; a full page when opened directly)."""
    lang = request_lang(request)
    firm = visible_firm(session, uscc=uscc, principal=principal)

    def context() -> dict:
        view = views.firm_view(session, uscc=firm.uscc, lang=lang)
        method = None
        if view is not None:
            ev = service.find_evaluation(session, year=view.year)
            method = views.method_of(ev)
            on_notice = ev.status == EvaluationStatus.notice and (
                ev.notice_to is None or date.today() <= ev.notice_to
            )
        else:
            on_notice = False
        return {
            "view": view,
            "method": method,
            "can_object": on_notice
            and (principal.role != Role.enterprise or principal.uscc == firm.uscc),
        }

    return render_tab(
        request,
        session,
        "mu/firm.html",
        firm,
        f"/api/v1/enterprises/{firm.uscc}/mu?lang={lang}",
        context,
    )


@router.post("/enterprises/{uscc}/mu/objection")
def object_form(
    uscc: Annotated[str, Path(max_length=40)],
    year: Annotated[int, Form(ge=2000, le=2100)],
    text: Annotated[str, Form(min_length=1, max_length=2000)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> Response:
    firm = visible_firm(session, uscc=uscc, principal=principal)
    ev = service.find_evaluation(session, year=year)
    service.object_to(session, evaluation_id=ev.id, uscc=firm.uscc, text=text, actor=principal)
    return RedirectResponse(f"/enterprises/{firm.uscc}/mu", status_code=303)
