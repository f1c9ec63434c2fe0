"""The watch-list page (/watch): flagged firms with their signals, a visit or request opened from
a row, the cases and their outcomes, and the rules' precision; the JSON twin is /api/v1/watch."""

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

from yuanqu.core.auth import Principal, allow
from yuanqu.core.deps import get_db, request_lang
from yuanqu.watch import export, service
from yuanqu.watch.api import READERS, scope
from yuanqu.web.pagecache import render_kept

router = APIRouter(include_in_schema=False)
PAGE = 50
AsOf = Annotated[str | None, Query(max_length=7)]


@router.get("/watch", response_class=HTMLResponse)
def watch_page(
    request: Request,
    as_of: AsOf = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> HTMLResponse:
    lang = request_lang(request)
    tf = scope(principal)

    def context() -> dict:
        listing = service.watch_list(
            session, as_of=as_of, task_forces=tf, offset=(page - 1) * PAGE, limit=PAGE, lang=lang
        )
        return {
            "listing": listing,
            "page": page,
            "pages": max(1, -(-listing.total // PAGE)),
            "cases": service.list_cases(session, task_forces=tf, limit=20, lang=lang),
            "precision": service.precision(session, task_forces=tf, lang=lang),
            "today": date.today(),
            "json_url": f"/api/v1/watch?as_of={listing.as_of}",
        }

    return render_kept(request, "watch/list.html", session, context)


@router.get("/watch/export.xlsx")
def watch_xlsx(
    request: Request,
    as_of: AsOf = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Response:
    """The whole watch list as an xlsx report."""
    lang = request_lang(request)
    listing = service.watch_list(session, as_of=as_of, task_forces=scope(principal), lang=lang)
    folder = FilePath(tempfile.mkdtemp(prefix="yuanqu-watch-"))
    path = export.write_xlsx(listing, folder / "watch.xlsx", lang=lang)
    return FileResponse(
        path,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=f"watch-{listing.as_of}.xlsx",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.post("/watch/cases", response_model=None)
def open_case(
    uscc: Annotated[str, Form(max_length=18)],
    as_of: Annotated[str, Form(max_length=7)],
    follow_up: Annotated[str, Form(pattern="^(visit|request)$")],
    follow_up_on: Annotated[date, Form()],
    note: Annotated[str | None, Form(max_length=2000)] = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Response:
    service.open_case(
        session,
        uscc=uscc,
        as_of=as_of,
        follow_up=follow_up,
        follow_up_on=follow_up_on,
        note=note,
        opened_by=principal.username,
        task_forces=scope(principal),
    )
    return RedirectResponse(f"/watch?as_of={as_of}#cases", status_code=303)


@router.post("/watch/cases/{case_id}/outcome", response_model=None)
def close_case(
    case_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    outcome: Annotated[str, Form(pattern="^(resolved|false_alarm|lost)$")],
    note: Annotated[str | None, Form(max_length=2000)] = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Response:
    service.record_outcome(
        session,
        case_id=case_id,
        outcome=outcome,
        note=note,
        decided_by=principal.username,
        task_forces=scope(principal),
    )
    return RedirectResponse("/watch#cases", status_code=303)
