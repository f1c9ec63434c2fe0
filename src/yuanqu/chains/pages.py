"""The chains' pages: the chain map (产业链图谱) with its picker, gaps, targets, leads and
projects; a segment's firms (the htmx fragment a click on the map loads); the xlsx report; the
chain tab of the enterprise profile. Each calls the service of its JSON twin in ``api.py``."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from yuanqu.chains import service, views
from yuanqu.chains.api import READERS, ChainKey, PeriodText, SegmentKey
from yuanqu.chains.charts import GRADE_COLOURS, chain_map_option
from yuanqu.chains.definitions import POSITION_NAMES, get_chain
from yuanqu.chains.report import write_report
from yuanqu.chains.schemas import ACTION_NAMES, GRADE_NAMES
from yuanqu.core.auth import EVERYONE, Principal, allow
from yuanqu.core.deps import OptionalDate, get_db, request_lang
from yuanqu.registry import service as registry
from yuanqu.web.pagecache import render_kept
from yuanqu.web.templating import render

router = APIRouter(include_in_schema=False)


def positions(lang: str) -> dict[str, str]:
    return {str(k): v[lang == "en"] for k, v in POSITION_NAMES.items()}


@router.get("/chains")
def chains_index(principal: Principal = allow(READERS)) -> RedirectResponse:
    """The first shipped chain's map (the picker on it leads to the others)."""
    first = views.list_chains()[0]
    return RedirectResponse(f"/chains/{first.key}", status_code=303)


@router.get("/chains/{chain}", response_class=HTMLResponse)
def chain_page(
    request: Request,
    chain: ChainKey,
    as_of: OptionalDate = None,
    period: PeriodText = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> HTMLResponse:
    lang = request_lang(request)
    day = as_of or date.today()

    def context() -> dict:
        found = views.chain_overview(
            session,
            chain=chain,
            as_of=day,
            period=period,
            lang=lang,
            task_forces=views.followed_by(principal),
        )
        query = f"as_of={day.isoformat()}"
        if found.coverage.period:
            query += f"&period={found.coverage.period}"
        return {
            "view": found,
            "chain_key": found.coverage.chain,
            "option": chain_map_option(found.coverage, found.gaps, lang=lang),
            "grade_names": {k: v[lang == "en"] for k, v in GRADE_NAMES.items()},
            "position_names": positions(lang),
            "grade_colours": GRADE_COLOURS,
            "action_names": {k: v[lang == "en"] for k, v in ACTION_NAMES.items()},
            "json_url": f"/api/v1/chains/{found.coverage.chain}?{query}&lang={lang}",
            "report_url": f"/chains/{found.coverage.chain}/report.xlsx?{query}",
        }

    return render_kept(request, "chains/map.html", session, context)


@router.get("/chains/{chain}/segments/{segment}", response_class=HTMLResponse)
def segment_page(
    request: Request,
    chain: ChainKey,
    segment: SegmentKey,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> HTMLResponse:
    """The firms on a segment: an htmx fragment under the map, or a page of its own."""
    run = service.cached_placements(session)
    firms = service.segment_firms(
        run, chain=chain, segment=segment, task_forces=views.followed_by(principal)
    )
    definition = get_chain(chain)
    context = {
        "chain": definition,
        "segment": definition.segment(segment),
        "firms": firms,
        "scoped": views.followed_by(principal) is not None,
        "json_url": f"/api/v1/chains/{chain}/segments/{segment}/firms",
    }
    partial = request.headers.get("hx-request") == "true"
    return render(request, "chains/_segment.html" if partial else "chains/segment.html", context)


@router.get("/chains/{chain}/report.xlsx")
def report_download(
    request: Request,
    chain: ChainKey,
    as_of: OptionalDate = None,
    period: PeriodText = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Response:
    """The chain report (coverage, gaps with targets, firms per segment, review list) as xlsx."""
    definition = get_chain(chain)
    day = as_of or date.today()
    folder = FilePath(tempfile.mkdtemp(prefix="yuanqu-chain-"))
    path = folder / "chain.xlsx"
    write_report(
        session,
        path,
        chains=[definition],
        as_of=day,
        lang=request_lang(request),
        run=service.cached_placements(session),
        period=views.statistics_period(session, period),
        task_forces=views.followed_by(principal),
    )
    return FileResponse(
        path,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=f"chain-{definition.key}-{day.isoformat()}.xlsx",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get("/enterprises/{uscc}/chain", response_class=HTMLResponse)
def profile_chain_tab(
    request: Request,
    uscc: Annotated[str, Path(max_length=40)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> HTMLResponse:
    """The chain tab of the profile: where this firm sits and whom it supplies (htmx fragment)."""
    firm = registry.visible_firm(session, uscc=uscc, principal=principal)
    lang = request_lang(request)
    # Kept per data version, reader scope and language.
    return render_kept(
        request,
        "chains/_firm_chain.html",
        session,
        lambda: {
            "position_names": positions(lang),
            "places": service.firm_segments(session, uscc=firm.uscc, lang=lang),
            "uscc": firm.uscc,
            "map_links": not principal.is_enterprise,
            "json_url": f"/api/v1/chains/firms/{firm.uscc}",
        },
    )
