"""The statistics pages: the economy dashboard (经济运行) with its period and scope picker, the
drill-down from a group to its firms, the xlsx export of what is shown, and the statistics tab of
the enterprise profile. Each calls the same service as its JSON twin in ``api.py``."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from yuanqu.core.auth import Principal, allow
from yuanqu.core.deps import get_db, request_lang
from yuanqu.core.periods import bulletin_label
from yuanqu.registry.service import visible_firm
from yuanqu.stats import service, views
from yuanqu.stats.api import (
    FIRM_READERS,
    READERS,
    IndicatorQuery,
    PeriodQuery,
    ScopeQuery,
)
from yuanqu.stats.export import write_xlsx
from yuanqu.stats.indicators import get_indicator
from yuanqu.web import charts
from yuanqu.web.pagecache import render_kept
from yuanqu.web.templating import render

router = APIRouter(include_in_schema=False)

YI = 10_000_000_000  # fen in 亿元
WAN = 1_000_000  # fen in 万元
#: The breakdowns of the exported workbook: what the dashboard shows, by industry too.
EXPORT_BREAKDOWNS = ("leading_industry", "section", "division")


def _yi(fen: float | int | None) -> float | None:
    return None if fen is None else round(fen / YI, 2)


def wan(fen: float | int | None) -> float | None:
    """Fen in 万元, the unit of a statistics table."""
    return None if fen is None else fen / WAN


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def drill_url(period: str, scope: str, by: str, group: str, indicator: str = "gross_output") -> str:
    query = urlencode(
        {"period": period, "scope": scope, "by": by, "group": group, "indicator": indicator}
    )
    return f"/stats/economy/firms?{query}"


def _tree(node: Any, view: views.EconomyDashboard) -> dict[str, Any]:
    by = views.industry_level(node.code)
    return {
        "name": node.name,
        "value": _yi(node.value),
        "link": drill_url(view.period, view.scope, by, node.code),
        "children": [_tree(child, view) for child in node.children],
    }


def economy_context(view: views.EconomyDashboard, lang: str) -> dict[str, Any]:
    """The dashboard's chart options (built here, passed with |tojson) and its links."""
    en = lang == "en"
    unit = "CNY 100m" if en else "亿元"
    series = {key: view.trend[key] for key in views.TRENDS}
    points = series["gross_output"]
    names = {key: get_indicator(key).name(lang) for key in views.TRENDS}
    growth = " YoY %" if en else "同比%"
    leading = [r for r in view.leading_industries if r.indicator == "gross_output"]
    query = urlencode({"period": view.period, "scope": view.scope, "rank": view.ranking_by})
    return {
        "view": view,
        "yi": _yi,
        "wan": wan,
        "drill_url": drill_url,
        "trend_chart": charts.lines_and_bars(
            [p.label for p in points],
            {names[k]: [_yi(p.value) for p in series[k]] for k in series},
            {names[k] + growth: [_pct(p.yoy_pct) for p in series[k]] for k in series},
            line_unit=unit,
        ),
        "leading_chart": charts.bar(
            [r.group_name for r in leading],
            [_yi(r.cumulative) or 0 for r in leading],
            name=f"{names['gross_output']} ({view.cumulative_label})",
            unit=unit,
            horizontal=True,
        ),
        "treemap_chart": charts.treemap(
            [_tree(child, view) for child in view.treemap.children],
            name=f"{names['gross_output']} ({unit})",
        ),
        "json_url": f"/api/v1/stats/economy?{query}&lang={lang}",
        "export_url": f"/stats/economy/export.xlsx?{query}",
    }


@router.get("/stats/economy", response_class=HTMLResponse)
def economy_page(
    request: Request,
    period: PeriodQuery = None,
    scope: ScopeQuery = None,
    rank: views.Ranked = "value",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> HTMLResponse:
    lang = request_lang(request)

    def context() -> dict:
        view = views.economy_dashboard(
            session, principal=principal, period=period, scope=scope, ranking_by=rank, lang=lang
        )
        return economy_context(view, lang) | {"opened_on_latest": period is None}

    partial = request.headers.get("hx-request") == "true"
    template = "stats/_economy.html" if partial else "stats/economy.html"
    return render_kept(request, template, session, context)


#: Firms on one page of a drill-down (the caption says how many there are in all).
DRILL_PAGE = 500


@router.get("/stats/economy/firms", response_class=HTMLResponse)
def drill_down_page(
    request: Request,
    period: PeriodQuery = None,
    by: Annotated[str, Query(max_length=40)] = "total",
    group: Annotated[str, Query(max_length=100)] = "",
    indicator: IndicatorQuery = "gross_output",
    scope: ScopeQuery = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    size: Annotated[int, Query(ge=10, le=2000)] = DRILL_PAGE,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> HTMLResponse:
    lang = request_lang(request)
    p = views.checked_period(session, period)
    chosen = views.reader_scope(principal, scope)
    # every firm of the group (a zone's reporting firms: thousands, not millions), one page shown
    every = service.drill_down(
        session, period=p, by=by, group=group, indicator=indicator, scope=chosen
    )
    offset = (page - 1) * size
    firms = every[offset : offset + size]
    query = urlencode(
        {"period": str(p), "scope": chosen, "by": by, "group": group, "indicator": indicator}
    )
    context = {
        "firms": firms,
        "total": len(every),
        "offset": offset,
        "page": page,
        "page_size": size,
        "wan": wan,
        "period": str(p),
        "scope": chosen,
        "scope_name": views.scope_name(session, chosen, lang),
        "group_name": views.group_name(session, by=by, group=group, lang=lang),
        "indicator": get_indicator(indicator),
        "label": bulletin_label(p, "en" if lang == "en" else "zh"),
        "cumulative_label": bulletin_label(p, "en" if lang == "en" else "zh", cumulative=True),
        "back_url": "/stats/economy?" + urlencode({"period": str(p), "scope": chosen}),
        "json_url": f"/api/v1/stats/drill-down?{query}",
    }
    return render(request, "stats/firms.html", context)


@router.get("/stats/economy/export.xlsx")
def export_page(
    request: Request,
    period: PeriodQuery = None,
    scope: ScopeQuery = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Response:
    """What the dashboard shows, as the statistics office's workbook (one sheet per breakdown)."""
    lang = request_lang(request)
    p = views.checked_period(session, period)
    bulletin = service.bulletin(
        session,
        period=p,
        scope=views.reader_scope(principal, scope),
        by=EXPORT_BREAKDOWNS,
        indicators=views.HEADLINE,
        lang=lang,
    )
    folder = FilePath(tempfile.mkdtemp(prefix="yuanqu-stats-"))
    name = write_xlsx(bulletin, folder / "bulletin.xlsx", lang=lang)
    return FileResponse(
        name,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=f"economy-{p}.xlsx",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


def firm_context(view: views.FirmStatistics, lang: str) -> dict[str, Any]:
    """The last two years of a firm's output, with its growth, for the tab's small chart."""
    en = lang == "en"
    recent = view.months[-24:]
    return {
        "view": view,
        "wan": wan,
        "months": list(reversed(view.months)),
        "firm_chart": charts.lines_and_bars(
            [m.period for m in recent],
            {
                ("Gross output (CNY 10k)" if en else "工业总产值（万元）"): [
                    None if m.gross_output_fen is None else round(m.gross_output_fen / WAN, 1)
                    for m in recent
                ]
            },
            {("YoY %" if en else "同比%"): [_pct(m.gross_output_yoy_pct) for m in recent]},
            line_unit="CNY 10k" if en else "万元",
        ),
    }


@router.get("/enterprises/{uscc}/statistics", response_class=HTMLResponse)
def enterprise_tab(
    request: Request,
    uscc: Annotated[str, Path(max_length=40)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(FIRM_READERS),
) -> HTMLResponse:
    """The profile's statistics tab (an htmx fragment): only a firm its reader may see."""
    lang = request_lang(request)
    firm = visible_firm(session, uscc=uscc, principal=principal)
    return render_kept(
        request,
        "stats/_enterprise.html",
        session,
        lambda: (
            firm_context(views.firm_statistics(session, uscc=firm.uscc, lang=lang), lang)
            | {"json_url": f"/api/v1/stats/enterprises/{firm.uscc}?lang={lang}"}
        ),
    )
