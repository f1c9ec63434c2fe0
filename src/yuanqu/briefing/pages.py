"""The briefing page (/briefing): the period's briefing on screen, with the .docx and PDF."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from yuanqu.briefing import document
from yuanqu.briefing.api import READERS
from yuanqu.briefing.compose import compose
from yuanqu.core.auth import Principal, allow
from yuanqu.core.deps import get_db, request_lang
from yuanqu.stats.views import available_periods
from yuanqu.web.pagecache import render_kept

router = APIRouter(include_in_schema=False)
PeriodQuery = Annotated[str | None, Query(max_length=7)]
MEDIA = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


@router.get("/briefing", response_class=HTMLResponse)
def briefing_page(
    request: Request,
    period: PeriodQuery = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> HTMLResponse:
    lang = request_lang(request)

    def context() -> dict:
        composed = compose(session, period=period, lang=lang)
        return {
            "b": composed,
            "periods": available_periods(session),
            "json_url": f"/api/v1/briefing?period={composed.period}",
        }

    return render_kept(request, "briefing/page.html", session, context)


@router.get("/briefing/{period}.{kind}")
def briefing_file(
    request: Request,
    period: Annotated[str, Path(pattern=r"^\d{4}-\d{2}$")],
    kind: Annotated[str, Path(pattern="^(docx|pdf)$")],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Response:
    lang = request_lang(request)
    composed = compose(session, period=period, lang=lang)
    folder = FilePath(tempfile.mkdtemp(prefix="yuanqu-briefing-"))
    path = document.write(composed, folder / f"briefing.{kind}", lang=lang)
    return FileResponse(
        path,
        media_type=MEDIA[kind],
        filename=f"briefing-{composed.period}.{kind}",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )
