"""The watch list's JSON API (/api/v1/watch...): the same service calls as the page.

Analysts and administrators read the whole zone; a task-force member reads, opens and closes
cases only on the firms of its task forces; enterprise users have no access.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from yuanqu.core.auth import Principal, Role, allow
from yuanqu.core.deps import get_db
from yuanqu.watch import service
from yuanqu.watch.schemas import CaseOpen, CaseOutcome, CasePage, CaseRead, Precision, WatchList

router = APIRouter(prefix="/watch", tags=["early warning"])

#: Who reads the watch list and works its cases (a task force: its own firms only).
READERS = (Role.admin, Role.analyst, Role.task_force)

AsOfQuery = Annotated[
    str | None, Query(max_length=7, description="YYYY-MM; default: the latest month reported")
]
LangQuery = Annotated[str, Query(pattern="^(zh|en)$")]


def scope(principal: Principal) -> list[str] | None:
    """The task forces a reader is limited to (None: the whole zone)."""
    return list(principal.task_forces) if principal.role == Role.task_force else None


@router.get("", response_model=WatchList)
def get_watch_list(
    as_of: AsOfQuery = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    lang: LangQuery = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Any:
    """The watch list of a period: flagged firms, highest score first, with the true total."""
    return service.watch_list(
        session, as_of=as_of, task_forces=scope(principal), offset=offset, limit=limit, lang=lang
    )


@router.get("/cases", response_model=CasePage)
def get_cases(
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    lang: LangQuery = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Any:
    """The cases opened from the watch list, newest first."""
    return service.list_cases(
        session, task_forces=scope(principal), offset=offset, limit=limit, lang=lang
    )


@router.post("/cases", response_model=CaseRead, status_code=201)
def post_case(
    body: CaseOpen,
    lang: LangQuery = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Any:
    """Open a visit or request on a firm of the watch list."""
    case = service.open_case(
        session,
        uscc=body.uscc,
        as_of=body.as_of,
        follow_up=body.follow_up,
        follow_up_on=body.follow_up_on,
        note=body.note,
        opened_by=principal.username,
        task_forces=scope(principal),
    )
    return service.case_read(session, case, lang=lang)


@router.post("/cases/{case_id}/outcome", response_model=CaseRead)
def post_outcome(
    body: CaseOutcome,
    case_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    lang: LangQuery = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Any:
    """Record how a case ended (resolved, false alarm, lost)."""
    case = service.record_outcome(
        session,
        case_id=case_id,
        outcome=body.outcome,
        note=body.note,
        decided_by=principal.username,
        task_forces=scope(principal),
    )
    return service.case_read(session, case, lang=lang)


@router.get("/precision", response_model=list[Precision])
def get_precision(
    lang: LangQuery = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Any:
    """Precision of the watch list and of each rule over the decided cases."""
    return service.precision(session, task_forces=scope(principal), lang=lang)
