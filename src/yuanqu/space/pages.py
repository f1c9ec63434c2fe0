"""The space pages: vacancy with the space map, the units list, a unit's history, the vacancy
spreadsheet (the profile's space and agreements tab is the agreements domain's, which reads both).
Each calls the same service as its JSON twin in ``api.py``; charts are built here, passed with
``|tojson``."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from yuanqu.core.auth import Principal, allow
from yuanqu.core.deps import get_db, request_lang
from yuanqu.space import candidates as space_candidates
from yuanqu.space import economy, service
from yuanqu.space.api import READERS, UnitId
from yuanqu.space.export import vacancy_sheets, write_report
from yuanqu.space.models import BUILDING_KIND_NAMES, UNIT_STATUS_NAMES
from yuanqu.stats import firms as stats_firms
from yuanqu.web.charts import PALETTE
from yuanqu.web.pagecache import render_kept
from yuanqu.web.templating import render

router = APIRouter(include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def map_chart(rows: list[dict[str, Any]], en: bool) -> dict[str, Any]:
    """Stacked bars per sub-area (occupied, reserved, vacant, in 万 m²) and parcels (亩) as a line
    on the second axis: both axes name their unit."""
    names = [r["sub_area"] for r in rows]
    wan = 10_000

    def series(key: str, zh: str, en_name: str) -> dict[str, Any]:
        return {
            "type": "bar",
            "stack": "space",
            "name": en_name if en else zh,
            "data": [round(r[key] / wan, 2) for r in rows],
        }

    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 8, "top": 40, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": names},
        "yAxis": [
            {"type": "value", "name": "10k m²" if en else "万平方米"},
            {"type": "value", "name": "mu" if en else "亩", "splitLine": {"show": False}},
        ],
        "series": [
            series("occupied_sqm", "已使用", "occupied"),
            series("reserved_sqm", "已预留", "reserved"),
            series("vacant_sqm", "空置", "vacant"),
            {
                "type": "line",
                "name": "parcels (mu)" if en else "供地（亩）",
                "yAxisIndex": 1,
                "data": [r["parcel_mu"] for r in rows],
            },
        ],
        "aria": {"enabled": True},
    }


def supply_chart(rows: list[dict[str, Any]], en: bool) -> dict[str, Any]:
    years = [str(r["year"]) for r in rows]
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 8, "top": 40, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": years},
        "yAxis": {"type": "value", "name": "10k m²" if en else "万平方米"},
        "series": [
            {
                "type": "bar",
                "name": "delivered" if en else "交付",
                "data": [round(r["delivered_sqm"] / 10_000, 2) for r in rows],
            },
            {
                "type": "bar",
                "name": "planned" if en else "计划",
                "data": [
                    None if r["planned_sqm"] is None else round(r["planned_sqm"] / 10_000, 2)
                    for r in rows
                ],
            },
        ],
        "aria": {"enabled": True},
    }


@router.get("/space", response_class=HTMLResponse)
def vacancy_page(
    request: Request,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> HTMLResponse:
    lang = request_lang(request)
    en = lang == "en"

    def context() -> dict:
        rows = service.space_map(session, lang=lang)
        supply = service.supply(session, lang=lang)
        year = stats_firms.latest_complete_year(session) or date.today().year - 1
        buildings = economy.building_economy(session, year=year, lang=lang)
        return {
            "economy_year": year,
            "buildings": buildings[:20],
            "buildings_total": len(buildings),
            "yi_yuan": sum(1 for b in buildings if b["yi_yuan"]),
            "vacancy": service.vacancy(session, lang=lang),
            "supply": supply,
            "map_chart": map_chart(rows, en),
            "supply_chart": supply_chart(supply, en),
            "json_url": f"/api/v1/space/vacancy?lang={lang}",
        }

    return render_kept(request, "space/vacancy.html", session, context)


@router.get("/space/vacancy.xlsx")
def vacancy_xlsx(
    request: Request,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Response:
    lang = request_lang(request)
    folder = FilePath(tempfile.mkdtemp(prefix="yuanqu-space-"))
    path = write_report(
        folder / "vacancy.xlsx", vacancy_sheets(service.vacancy(session, lang=lang), lang == "en")
    )
    return FileResponse(
        path,
        media_type=XLSX,
        filename=f"space-vacancy-{date.today()}.xlsx",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get("/space/units", response_class=HTMLResponse)
def units_page(
    request: Request,
    sub_area: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    band: str | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> HTMLResponse:
    lang = request_lang(request)
    result = service.list_units(
        session,
        sub_area=sub_area,
        kind=kind,
        status=status,
        band=band,
        page=page,
        page_size=50,
        lang=lang,
    )
    context = {
        "result": result,
        "filters": {"sub_area": sub_area, "kind": kind, "status": status, "band": band},
        "kinds": {k: v[lang == "en"] for k, v in BUILDING_KIND_NAMES.items()},
        "statuses": {k: v[lang == "en"] for k, v in UNIT_STATUS_NAMES.items()},
        "bands": {b: service.band_name(b, lang) for _l, b, _z, _e in service.SIZE_BANDS},
        "sub_areas": [r["key"] for r in service.vacancy(session, lang=lang)["by_sub_area"]],
        "json_url": str(request.url).replace(str(request.base_url), "/api/v1/", 1),
    }
    return render(request, "space/units.html", context)


@router.get("/space/units/{unit_id}", response_class=HTMLResponse)
def unit_page(
    request: Request,
    unit_id: UnitId,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> HTMLResponse:
    lang = request_lang(request)
    card = service.unit_history(session, unit_id=unit_id, lang=lang)
    found = (
        space_candidates.candidates(
            session, unit_id=unit_id, today=date.today(), principal=principal, lang=lang
        )
        if principal.role in space_candidates.CANDIDATE_READERS
        else None
    )
    context = {
        "card": card,
        "candidates": found,
        "json_url": f"/api/v1/space/units/{unit_id}?lang={lang}",
    }
    return render(request, "space/unit.html", context)
