"""The agreement pages: the list within the reader's scope (a task force sees its firms'
commitments), one agreement with its commitments, assessment and change log, the assessment
spreadsheet, and the profile's space and agreements tab."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from yuanqu.agreements import views
from yuanqu.agreements.api import Ref
from yuanqu.agreements.assessment import STATUS_NAMES
from yuanqu.core.auth import EVERYONE, Principal, allow
from yuanqu.core.deps import get_db, request_lang
from yuanqu.registry.service import visible_firm
from yuanqu.space import service as space_service
from yuanqu.space.export import write_report
from yuanqu.web.pagecache import render_kept, render_tab
from yuanqu.web.templating import render

router = APIRouter(include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/agreements", response_class=HTMLResponse)
def list_page(
    request: Request,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    as_of: date | None = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> HTMLResponse:
    lang = request_lang(request)
    day = as_of or date.today()
    return render_kept(
        request,
        "agreements/list.html",
        session,
        lambda: {
            "result": views.agreement_list(
                session, principal=principal, page=page, page_size=50, as_of=day, lang=lang
            ),
            "status_names": {k: v[lang == "en"] for k, v in STATUS_NAMES.items()},
            "json_url": f"/api/v1/agreements?page={page}&as_of={day}&lang={lang}",
        },
    )


@router.get("/agreements/assessment.xlsx")
def assessment_xlsx(
    request: Request,
    as_of: date | None = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> Response:
    """Every commitment the reader may see, judged, as a spreadsheet for people."""
    lang = request_lang(request)
    en = lang == "en"
    day = as_of or date.today()
    rows = [
        r.to_row(lang) for r in views.scoped_assessment(session, principal=principal, as_of=day)
    ]
    heads = (
        [
            "agreement",
            "firm",
            "credit code",
            "item",
            "indicator",
            "unit",
            "target",
            "actual",
            "status",
            "shortfall",
            "shortfall unit",
            "test date",
            "year assessed",
            "source",
        ]
        if en
        else [
            "协议编号",
            "企业名称",
            "统一社会信用代码",
            "承诺编号",
            "考核指标",
            "单位",
            "目标值",
            "实际值",
            "考核结果",
            "差额",
            "差额单位",
            "考核日期",
            "考核年度",
            "数据来源",
        ]
    )
    body = [
        [
            r["agreement"],
            r["firm"],
            r["uscc"],
            r["commitment"],
            r["indicator_name"],
            r["unit"],
            r["target"],
            r["actual"],
            r["status_name"],
            r["shortfall"],
            r["shortfall_unit"],
            r["test_on"].isoformat(),
            r["period_year"],
            r["source"],
        ]
        for r in rows
    ]
    folder = FilePath(tempfile.mkdtemp(prefix="yuanqu-agreements-"))
    title = f"assessment {day}" if en else f"履约考核 {day}"
    path = write_report(folder / "assessment.xlsx", [(title, heads, body)])
    return FileResponse(
        path,
        media_type=XLSX,
        filename=f"agreements-assessment-{day}.xlsx",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get("/agreements/{ref}", response_class=HTMLResponse)
def agreement_page(
    request: Request,
    ref: Ref,
    as_of: date | None = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> HTMLResponse:
    lang = request_lang(request)
    detail = views.agreement_detail(
        session, ref=ref, principal=principal, as_of=as_of or date.today(), lang=lang
    )
    context = {
        "a": detail,
        "status_names": {k: v[lang == "en"] for k, v in STATUS_NAMES.items()},
        "json_url": f"/api/v1/agreements/{detail['number']}?as_of={detail['as_of']}&lang={lang}",
    }
    return render(request, "agreements/agreement.html", context)


@router.get("/enterprises/{uscc}/space", response_class=HTMLResponse)
def firm_tab(
    request: Request,
    uscc: Annotated[str, Path(max_length=40)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> HTMLResponse:
    """The profile's space and agreements tab (an htmx fragment; a full page when opened)."""
    lang = request_lang(request)
    firm = visible_firm(session, uscc=uscc, principal=principal)
    return render_tab(
        request,
        session,
        "space/firm.html",
        firm,
        f"/api/v1/enterprises/{firm.uscc}/space?lang={lang}",
        lambda: {
            "space": space_service.firm_space(session, enterprise_id=firm.id, lang=lang),
            "agreements": views.firm_agreements(
                session, enterprise_id=firm.id, principal=principal, as_of=date.today(), lang=lang
            ),
        },
    )
