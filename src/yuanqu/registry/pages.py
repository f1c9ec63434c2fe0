"""The registry's pages: the zone dashboard (首页), the directory, the profile, the import page.

Each page calls the same service function as its JSON twin in ``api.py`` and links to it.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from yuanqu.core.auth import EVERYONE, Principal, Role, allow
from yuanqu.core.deps import get_db, request_lang
from yuanqu.core.industry import industry_catalog
from yuanqu.core.tabular import ImportRejected
from yuanqu.registry import importer, service, views
from yuanqu.registry.api import IMPORTERS, OptionalDate, directory_filter
from yuanqu.registry.export import export_enterprises
from yuanqu.registry.models import LABEL_NAMES
from yuanqu.registry.schemas import EnterpriseFilter, SortKey
from yuanqu.registry.template import column_guide, template_xlsx
from yuanqu.web import charts
from yuanqu.web.pagecache import render_cached, render_kept
from yuanqu.web.templating import render

router = APIRouter(include_in_schema=False)

# Tabs of the profile that later modules fill; each is an empty, labelled slot until then.
# The profile's tabs filled by other domains. Each domain serves its tab as an htmx fragment at
# ``/enterprises/{uscc}/<key>`` from its own pages.py (with its own role check); a tab whose
# domain serves nothing yet says so. ``None`` as the path: no fragment yet.
PROFILE_SLOTS: tuple[tuple[str, str, str | None], ...] = (
    ("statistics", "Statistics", "statistics"),
    ("policies", "Policies and awards", "policies"),
    ("projects", "Projects", "projects"),
    ("insurance", "Tech insurance", "insurance"),
    ("space", "Space and agreements", "space"),
    ("av", "AV test zone", "av"),
    ("chain", "Industry chain", "chain"),
    ("funds", "Zone funds", "funds"),
    ("mu", "Yield-per-mu grading", "mu"),
)


@router.get("/", response_class=HTMLResponse)
def dashboard_page(
    request: Request,
    as_of: OptionalDate = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> Response:
    if principal.role == Role.enterprise:  # a firm's home is its own portal
        return RedirectResponse("/portal", status_code=303)
    return render_cached(
        request,
        "registry/dashboard.html",
        key=service.cache_key(session),
        context=lambda: dashboard_context(
            views.zone_summary(session, as_of=as_of), request_lang(request)
        ),
    )


def dashboard_context(summary: views.ZoneSummary, lang: str) -> dict[str, Any]:
    en = lang == "en"
    labels = {row.code: row.name(lang) for row in summary.labels}
    return {
        "summary": summary,
        "json_url": f"/api/v1/dashboard?as_of={summary.as_of.isoformat()}",
        "sections_chart": charts.bar(
            [f"{s.code} {s.name(lang)}" for s in summary.sections],
            [s.count for s in summary.sections],
            name="enterprises" if en else "企业数",
            unit="firms" if en else "家",
            horizontal=True,
        ),
        "labels_chart": charts.lines(
            [d.isoformat() for d in summary.labels_over_time.dates],
            {labels[k]: v for k, v in summary.labels_over_time.counts.items()},
            unit="firms" if en else "家",
        ),
        "sub_areas_chart": charts.pie(
            [(s.name(lang), s.count) for s in summary.sub_areas],
            name="片区" if not en else "sub-area",
        ),
    }


@router.get("/enterprises", response_class=HTMLResponse)
def directory_page(
    request: Request,
    filters: EnterpriseFilter = Depends(directory_filter),
    sort: SortKey = "name",
    desc: bool = False,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> HTMLResponse:
    partial = request.headers.get("hx-request") == "true"
    template = "registry/_results.html" if partial else "registry/directory.html"
    return render_cached(
        request,
        template,
        key=service.cache_key(session),
        context=lambda: directory_context(
            request, session, filters, principal, sort, desc, page, page_size
        ),
    )


def directory_context(
    request: Request,
    session: Session,
    filters: EnterpriseFilter,
    principal: Principal,
    sort: SortKey,
    desc: bool,
    page: int,
    page_size: int,
) -> dict[str, Any]:
    lang = request_lang(request)
    scoped = service.restrict_to(filters, principal)
    result = service.list_enterprises(
        session, filters=scoped, sort=sort, descending=desc, page=page, page_size=page_size
    )
    query = urlencode(list(request.query_params.multi_items()))
    forces = service.list_task_forces(session)
    named = {f.code: f.name(lang) for f in forces}
    return {
        "result": result,
        "filters": filters,
        "description": service.describe_filter(scoped, lang=lang, task_forces=named),
        "sort": sort,
        "desc": desc,
        "pages": max(1, -(-result.total // page_size)),
        "label_names": {k: v[lang == "en"] for k, v in LABEL_NAMES.items()},
        "sections": industry_catalog().sections(),
        "task_forces": forces,
        "sub_areas": service.sub_areas(session),
        "json_url": "/api/v1/enterprises" + (f"?{query}" if query else ""),
        "export_url": "/enterprises/export.xlsx" + (f"?{query}" if query else ""),
        # The import layout (用于重新导入), for the page's second download link.
        "canonical_export_url": "/enterprises/export.xlsx?"
        + "&".join(part for part in (query, "format=canonical") if part),
    }


@router.get("/enterprises/export.xlsx")
def export_page(
    request: Request,
    filters: EnterpriseFilter = Depends(directory_filter),
    layout: Literal["report", "canonical"] = Query("report", alias="format"),
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> Response:
    """The directory's current filter as an xlsx: a report for people, or with
    ``?format=canonical`` the import layout (用于重新导入)."""
    scoped = service.restrict_to(filters, principal)
    folder = FilePath(tempfile.mkdtemp(prefix="yuanqu-export-"))
    name = folder / "enterprises.xlsx"
    lang = request_lang(request)
    export_enterprises(session, filters=scoped, path=name, fmt="xlsx", layout=layout, lang=lang)
    stamp = (filters.as_of or date.today()).isoformat()
    prefix = "enterprises-import" if layout == "canonical" else "enterprises"
    return FileResponse(
        name,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=f"{prefix}-{stamp}.xlsx",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get("/enterprises/{uscc}", response_class=HTMLResponse)
def profile_page(
    request: Request,
    uscc: Annotated[str, Path(max_length=40)],
    as_of: date | None = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> HTMLResponse:
    lang = request_lang(request)
    firm = service.visible_firm(session, uscc=uscc, principal=principal)
    return render_kept(
        request,
        "registry/profile.html",
        session,
        lambda: {
            "card": service.profile(
                service.get_enterprise(session, uscc=firm.uscc), lang=lang, as_of=as_of
            ),
            "slots": PROFILE_SLOTS,
            "json_url": f"/api/v1/enterprises/{firm.uscc}?lang={lang}",
        },
    )


@router.get("/registry/import", response_class=HTMLResponse)
def import_form(request: Request, principal: Principal = allow(IMPORTERS)) -> HTMLResponse:
    # The form reads no data (its column guide is the language's): kept once per language.
    return render_cached(
        request, "registry/import.html", key="form", context=lambda: _import_context(request)
    )


@router.get("/registry/import/template.xlsx")
def import_template(request: Request, principal: Principal = allow(IMPORTERS)) -> Response:
    """The import template: canonical headers, a sample row and the column guide."""
    lang = request_lang(request)
    return Response(
        template_xlsx(lang),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="registry-import-template.xlsx"'},
    )


def _import_context(request: Request, **values: Any) -> dict[str, Any]:
    lang = request_lang(request)
    return {
        "errors": None,
        "result": None,
        "warnings": None,
        "guide": column_guide(lang),
        "template_url": "/registry/import/template.xlsx",
        **values,
    }


@router.post("/registry/import", response_class=HTMLResponse)
def import_upload(
    request: Request,
    file: UploadFile = File(),
    upsert: bool = Form(False),
    create_sub_area: bool = Form(False),
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(IMPORTERS),
) -> HTMLResponse:
    lang = request_lang(request)
    try:
        result = importer.import_enterprises(
            session,
            source=file.file.read(),
            filename=file.filename or "upload.csv",
            upsert=upsert,
            create_sub_areas=create_sub_area,
        )
    except ImportRejected as rejected:
        session.rollback()  # the importer wrote nothing; make the unit of work say so too
        errors = rejected.listed(lang)
        context = _import_context(
            request, errors=errors, total=rejected.total, message=rejected.message(lang)
        )
        return render(request, "registry/import.html", context, status_code=422)
    warnings = [warning.to_dict(lang) for warning in result.warnings]
    return render(
        request, "registry/import.html", _import_context(request, result=result, warnings=warnings)
    )
