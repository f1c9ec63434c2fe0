"""The JSON API of 亩均效益评价 (/api/v1/mu...): evaluations, results, a firm's own result, and the
graders' steps. Each route parses, authorizes, calls the same view or service as its page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Path, Query, UploadFile
from pydantic import BaseModel
from sqlalchemy.orm import Session

from yuanqu.core.auth import EVERYONE, Principal, allow
from yuanqu.core.deps import get_db
from yuanqu.core.errors import NotFound
from yuanqu.mu import inputs, service, views
from yuanqu.mu.models import OBJECTION_NAMES
from yuanqu.mu.schemas import (
    DecisionBody,
    EvaluationRead,
    FirmView,
    NoticeBody,
    ObjectionBody,
    ObjectionRead,
    ResultPage,
)
from yuanqu.registry.service import visible_enterprise

router = APIRouter(tags=["mu"])
YearPath = Annotated[int, Path(ge=2000, le=2100)]
Lang = Annotated[str, Query(pattern="^(zh|en)$")]


class ImportRead(BaseModel):
    rows: int
    created: int
    replaced: int


@router.get("/mu/{year}", response_model=EvaluationRead)
def evaluation(
    year: YearPath,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.READERS),
) -> EvaluationRead:
    return views.evaluation(session, service.find_evaluation(session, year=year), lang=lang)


@router.get("/mu/{year}/results", response_model=ResultPage)
def results(
    year: YearPath,
    grade: Annotated[str | None, Query(pattern="^[A-D]$")] = None,
    group: Annotated[str | None, Query(max_length=40)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.READERS),
) -> ResultPage:
    ev = service.find_evaluation(session, year=year)
    return views.results_page(
        session, ev, grade=grade, group=group, task_forces=service.scope_of(principal),
        page=page, page_size=page_size, lang=lang,
    )  # fmt: skip


@router.get("/enterprises/{uscc}/mu", response_model=FirmView)
def firm_result(
    uscc: Annotated[str, Path(max_length=40)],
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> FirmView:
    firm = visible_enterprise(session, uscc=uscc, principal=principal)
    view = views.firm_view(session, uscc=firm.uscc, lang=lang)
    if view is None:
        raise NotFound(
            "该企业没有公示或发布的评价结果", "no noticed or published result for this firm"
        )
    return view


@router.post("/mu/{year}/evaluate", response_model=EvaluationRead)
def evaluate(
    year: YearPath,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.GRADERS),
) -> EvaluationRead:
    ev = service.evaluate(session, year=year, actor=principal)
    return views.evaluation(session, ev)


@router.post("/mu/{year}/notice", response_model=EvaluationRead)
def notice(
    year: YearPath,
    body: NoticeBody,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.GRADERS),
) -> EvaluationRead:
    ev = service.find_evaluation(session, year=year)
    service.start_notice(
        session, evaluation_id=ev.id, actor=principal, start=body.start, days=body.days
    )
    return views.evaluation(session, ev)


@router.post("/mu/{year}/publish", response_model=EvaluationRead)
def publish(
    year: YearPath,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.GRADERS),
) -> EvaluationRead:
    ev = service.find_evaluation(session, year=year)
    service.publish(session, evaluation_id=ev.id, actor=principal)
    return views.evaluation(session, ev)


def _objection(o, uscc: str, lang: str) -> ObjectionRead:
    return ObjectionRead(
        id=o.id,
        uscc=uscc,
        text=o.text,
        status=o.status,
        status_name=OBJECTION_NAMES[o.status][1 if lang == "en" else 0],
        decision=o.decision,
    )


@router.post("/mu/{year}/objections", response_model=ObjectionRead, status_code=201)
def object_to(
    year: YearPath,
    body: ObjectionBody,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> ObjectionRead:
    ev = service.find_evaluation(session, year=year)
    firm = visible_enterprise(session, uscc=body.uscc, principal=principal)
    found = service.object_to(
        session, evaluation_id=ev.id, uscc=firm.uscc, text=body.text, actor=principal
    )
    return _objection(found, firm.uscc, "zh")


@router.post("/mu/objections/{objection_id}/decision", response_model=ObjectionRead)
def decide(
    objection_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: DecisionBody,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.GRADERS),
) -> ObjectionRead:
    found = service.decide_objection(
        session, objection_id=objection_id, upheld=body.upheld, decision=body.decision,
        actor=principal,
    )  # fmt: skip
    firm = session.get(service.firms.Enterprise, found.enterprise_id)
    return _objection(found, firm.uscc if firm else "", "zh")


@router.post("/mu/resources", response_model=ImportRead)
def import_resources(
    file: UploadFile = File(),
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(service.GRADERS),
) -> ImportRead:
    result = inputs.import_resources(
        session, source=file.file.read(), filename=file.filename or "resources.xlsx"
    )
    return ImportRead(rows=result.rows, created=result.created, replaced=result.replaced)
