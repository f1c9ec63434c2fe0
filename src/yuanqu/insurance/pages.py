"""The insurance pages: the coverage dashboard, claim cycle times, the profile's insurance tab.

Each page calls the same service function as its JSON twin in ``api.py`` and links to it; chart
options are built here in Python (:mod:`yuanqu.insurance.charts`) and passed with ``|tojson``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from yuanqu.core.auth import EVERYONE, STAFF, Principal, allow
from yuanqu.core.deps import get_db, request_lang
from yuanqu.insurance import charts, service
from yuanqu.registry.service import visible_firm
from yuanqu.web.pagecache import render_kept, render_tab
from yuanqu.web.templating import render

router = APIRouter(include_in_schema=False)
Year = Annotated[int | None, Query(ge=1990, le=2100)]


@router.get("/insurance", response_class=HTMLResponse)
def coverage_page(
    request: Request,
    year: Year = None,
    as_of: date | None = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(STAFF),
) -> HTMLResponse:
    lang = request_lang(request)

    def context() -> dict:
        chosen = year or service.latest_year(session)
        report = service.report_dict(
            service.coverage_report(session, year=chosen, as_of=as_of), lang=lang
        )
        return {
            "report": report,
            **charts.coverage_charts(report, lang),
            "json_url": f"/api/v1/insurance/coverage?year={chosen}&lang={lang}",
        }

    return render_kept(request, "insurance/coverage.html", session, context)


@router.get("/insurance/claims", response_class=HTMLResponse)
def claims_page(
    request: Request,
    year: Year = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(STAFF),
) -> HTMLResponse:
    lang = request_lang(request)
    year = year or service.latest_year(session)
    report = service.report_dict(service.coverage_report(session, year=year), lang=lang)
    context = {"report": report, **charts.claim_charts(report, lang)}
    context["json_url"] = f"/api/v1/insurance/coverage?year={year}&lang={lang}"
    return render(request, "insurance/claims.html", context)


@router.get("/enterprises/{uscc}/insurance", response_class=HTMLResponse)
def firm_tab(
    request: Request,
    uscc: Annotated[str, Path(max_length=40)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> HTMLResponse:
    """The profile's insurance tab (an htmx fragment; a full page when opened directly)."""
    lang = request_lang(request)
    firm = visible_firm(session, uscc=uscc, principal=principal)
    return render_tab(
        request,
        session,
        "insurance/firm.html",
        firm,
        f"/api/v1/enterprises/{firm.uscc}/insurance?lang={lang}",
        lambda: {
            "cover": service.firm_insurance(session, enterprise_id=firm.id, lang=lang),
        },
    )
