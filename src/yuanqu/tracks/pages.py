"""The track pages (赛道): every track, and one page per track tying its plan, chain, policies,
projects, fund, platform and spaces together; JSON twin /api/v1/tracks/{key}."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from yuanqu.core.auth import Principal, Role, allow
from yuanqu.core.deps import get_db, request_lang
from yuanqu.tracks.definitions import shipped_tracks
from yuanqu.tracks.schemas import TrackRead
from yuanqu.tracks.service import track_view
from yuanqu.web.templating import render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/tracks", tags=["tracks"])
READERS = (Role.admin, Role.analyst, Role.task_force)
TrackKey = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{1,59}$")]


@api.get("/{key}", response_model=TrackRead)
def get_track(
    key: TrackKey,
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Any:
    """A track with its plans' progress, chain, policies, projects, funds, platform, spaces."""
    return track_view(session, key=key, lang=lang)


@router.get("/tracks", response_class=HTMLResponse)
def tracks_page(request: Request, principal: Principal = allow(READERS)) -> HTMLResponse:
    lang = request_lang(request)
    items = [{"key": t.key, "name": t.name(lang)} for t in shipped_tracks()]
    return render(request, "tracks/list.html", {"tracks": items})


@router.get("/tracks/{key}", response_class=HTMLResponse)
def track_page(
    request: Request,
    key: TrackKey,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> HTMLResponse:
    view = track_view(session, key=key, lang=request_lang(request))
    return render(request, "tracks/track.html", {"t": view, "json_url": f"/api/v1/tracks/{key}"})
