"""The chains' JSON API (/api/v1/chains): the chains, a chain's map data (coverage with the
statistics, gaps, targets, leads and projects), a segment's firms, the gaps of every chain, and
where one firm sits. Each page of ``pages.py`` is the HTML twin of one of these."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from yuanqu.chains import analysis, service, views
from yuanqu.chains.schemas import FirmOnSegment, FirmSegment, Gap
from yuanqu.core.auth import EVERYONE, Principal, Role, allow
from yuanqu.core.deps import OptionalDate, get_db
from yuanqu.registry import service as registry

router = APIRouter(prefix="/chains", tags=["chains"])

#: Who reads the chain maps; task-force members see only the firms of their task forces.
READERS = (Role.admin, Role.analyst, Role.task_force)
Lang = Annotated[str, Query(pattern="^(zh|en)$")]
ChainKey = Annotated[str, Path(max_length=40, description="chain key, e.g. hydrogen")]
SegmentKey = Annotated[str, Path(max_length=40, description="segment key, e.g. refuelling")]
PeriodText = Annotated[
    str | None, Query(max_length=10, description="statistics month, e.g. 2023-12")
]


@router.get("")
def list_chains(
    lang: Lang = "zh", principal: Principal = allow(READERS)
) -> list[views.ChainSummary]:
    """The shipped chains (产业链) and their segment counts."""
    return views.list_chains(lang=lang)


@router.get("/gaps")
def all_gaps(
    as_of: OptionalDate = None,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> list[Gap]:
    """The gaps of every chain, highest priority first, with targets, leads and projects."""
    return analysis.chain_gaps(session, as_of=as_of or date.today(), lang=lang)


@router.get("/firms/{uscc}")
def firm_chain(
    uscc: Annotated[str, Path(max_length=40)],
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> list[FirmSegment]:
    """Where one firm sits and whom its segments supply (an enterprise user: its own firm)."""
    firm = registry.visible_enterprise(session, uscc=uscc, principal=principal)
    return service.firm_segments(session, uscc=firm.uscc, lang=lang)


@router.get("/{chain}")
def chain_map(
    chain: ChainKey,
    as_of: OptionalDate = None,
    period: PeriodText = None,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> views.ChainOverview:
    """A chain's map data: every segment's coverage, strength, output, value added and growth,
    the ranked gaps with their candidate targets and open leads and projects."""
    return views.chain_overview(
        session,
        chain=chain,
        as_of=as_of or date.today(),
        period=period,
        lang=lang,
        task_forces=views.followed_by(principal),
    )


@router.get("/{chain}/segments/{segment}/firms")
def segment_firms(
    chain: ChainKey,
    segment: SegmentKey,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> list[FirmOnSegment]:
    """The firms on one segment, largest first, with why each sits there."""
    run = service.cached_placements(session)
    return service.segment_firms(
        run, chain=chain, segment=segment, task_forces=views.followed_by(principal)
    )
