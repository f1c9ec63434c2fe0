"""The JSON API of key projects (/api/v1/projects...); leads are in :mod:`yuanqu.attraction.api`.

Each route parses, authorizes (``allow`` for the role, the services for the task force), calls
the same view or service function as its page, and returns its schema.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from yuanqu.core.auth import EVERYONE, Principal, allow
from yuanqu.core.deps import get_db
from yuanqu.projects import ledger, service, stages, views
from yuanqu.projects.access import (
    PROJECT_EDITORS,
    READERS,
    actor_of,
    forbid_task_force,
    scope_of,
)
from yuanqu.projects.schemas import (
    EARLIEST,
    LATEST,
    BatchReport,
    ItemClose,
    ItemCreate,
    ItemRead,
    ProjectPage,
    ProjectRead,
    StageMove,
)
from yuanqu.registry import service as registry

router = APIRouter(tags=["projects"])
Span = Annotated[str, Query(max_length=40, description="2023, 2023-06, 2023Q2 or 2023-01..2023-06")]
Lang = Annotated[Literal["zh", "en"], Query()]


@router.get("/projects", response_model=ProjectPage)
def list_projects(
    stage: Annotated[str | None, Query(max_length=40)] = None,
    task_force: Annotated[str | None, Query(max_length=40)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    below_threshold: bool | None = None,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> ProjectPage:
    page = service.list_projects(
        session, stage=stage, task_force=task_force, q=q, below_threshold=below_threshold, lang=lang
    )
    scope = scope_of(principal)
    items = [p for p in page.items if scope is None or p.task_force in scope]
    return ProjectPage(total=len(items), items=items)


@router.get("/projects/board", response_model=views.Board)
def board(
    task_force: Annotated[str | None, Query(max_length=40)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> views.Board:
    return views.board(session, scope=scope_of(principal), task_force=task_force, q=q, lang=lang)


@router.get("/projects/batches", response_model=BatchReport)
def batches(
    span: Span = str(date.today().year),
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> BatchReport:
    return views.seven_batches(session, span=span, lang=lang)


@router.get("/projects/overdue", response_model=dict[str, list[ItemRead]])
def overdue(
    by: Literal["owner", "task_force"] = "owner",
    as_of: Annotated[date | None, Query(ge=EARLIEST, le=LATEST)] = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> dict[str, list[ItemRead]]:
    return views.overdue(session, scope=scope_of(principal), by=by, as_of=as_of or date.today())


@router.post("/projects/items/{item_id}/close", response_model=ItemRead)
def close_item(
    body: ItemClose,
    item_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(PROJECT_EDITORS),
) -> ItemRead:
    item, project = ledger.get_item(session, item_id=item_id)
    forbid_task_force(principal, project.task_force)
    ledger.close_item(
        session,
        item,
        project,
        actor=actor_of(principal),
        resolution=body.resolution,
        closed_on=body.closed_on,
    )
    return next(i for i in ledger.list_items(session, project_id=project.id) if i.id == item_id)


@router.get("/projects/{project_id}", response_model=views.ProjectView)
def project(
    project_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> views.ProjectView:
    forbid_task_force(principal, service.get_project(session, project_id=project_id).task_force)
    return views.project_view(session, project_id=project_id, lang=lang)


@router.post("/projects/{project_id}/stage", response_model=ProjectRead)
def move_stage(
    body: StageMove,
    project_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(PROJECT_EDITORS),
) -> ProjectRead:
    found = service.get_project(session, project_id=project_id)
    forbid_task_force(principal, found.task_force)
    stages.move_stage(
        session,
        found,
        actor=actor_of(principal),
        to=body.to,
        on=body.on,
        reason=body.reason,
        waiver=body.waiver,
    )
    return service.project_detail(session, project_id=project_id, lang=lang)


@router.post("/projects/{project_id}/items", response_model=ItemRead, status_code=201)
def open_item(
    body: ItemCreate,
    project_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(PROJECT_EDITORS),
) -> ItemRead:
    found = service.get_project(session, project_id=project_id)
    forbid_task_force(principal, found.task_force)
    item = ledger.open_item(session, found, actor=actor_of(principal), **body.model_dump())
    session.flush()  # the new item's id, to read it back
    return next(i for i in ledger.list_items(session, project_id=project_id) if i.id == item.id)


@router.get("/enterprises/{uscc}/projects", response_model=ProjectPage)
def enterprise_projects(
    uscc: Annotated[str, Path(max_length=40)],
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> ProjectPage:
    firm = registry.visible_enterprise(session, uscc=uscc, principal=principal)
    return service.list_projects(session, enterprise_id=firm.id, lang=lang)
