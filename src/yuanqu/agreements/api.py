"""The agreements JSON API (/api/v1/agreements): lists within the reader's scope, one agreement
with its commitments, assessment and change log, the assessment of all, imports, recoveries."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Path, Query, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from yuanqu.agreements import views
from yuanqu.agreements.importer import import_agreements
from yuanqu.core.auth import EVERYONE, Principal, Role, allow
from yuanqu.core.deps import get_db
from yuanqu.grants import recoveries

router = APIRouter(tags=["agreements"])
IMPORTERS = (Role.admin, Role.project_officer)
RECOVERY_OFFICERS = (Role.admin, Role.policy_officer)
Lang = Annotated[str, Query(pattern="^(zh|en)$")]
Ref = Annotated[str, Path(max_length=40)]


@router.get("/agreements")
def get_agreements(
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
    as_of: date | None = None,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> dict[str, Any]:
    """Agreements the reader may see (a firm its own, a task force its firms'), one page, with
    each one's assessment counts on ``as_of`` (default today)."""
    return views.agreement_list(
        session,
        principal=principal,
        page=page,
        page_size=page_size,
        as_of=as_of or date.today(),
        lang=lang,
    )


@router.get("/agreements/assessment")
def get_assessment(
    as_of: date | None = None,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> list[dict[str, Any]]:
    """Every commitment in force the reader may see, judged on ``as_of``: the rows of
    ``yuanqu agreements assess --format json``."""
    rows = views.scoped_assessment(session, principal=principal, as_of=as_of or date.today())
    return [r.to_json(lang) for r in rows]


@router.get("/agreements/{ref}")
def get_agreement(
    ref: Ref,
    as_of: date | None = None,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> dict[str, Any]:
    """One agreement: parties, commitments with their assessment, remedies, versions."""
    return views.agreement_detail(
        session, ref=ref, principal=principal, as_of=as_of or date.today(), lang=lang
    )


class TermBody(BaseModel):
    indicator: str = Field(max_length=40)
    target: str = Field(max_length=40, description="in the indicator's unit, or a date")
    test_on: date
    period_year: int | None = Field(default=None, ge=1990, le=2100)


class AmendBody(BaseModel):
    made_on: date
    reason: str = Field(min_length=1, max_length=4000)
    changes: dict[str, TermBody | None] = Field(
        min_length=1, max_length=50, description="commitment key -> new terms, or null to withdraw"
    )


@router.post("/agreements/{ref}/amend")
def post_amend(
    ref: Ref,
    body: AmendBody,
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(IMPORTERS),
) -> dict[str, Any]:
    """An amendment (补充协议): the next version; the old terms stay and the change is audited."""
    changes = {
        key: None
        if t is None
        else views.term_input(key, t.indicator, t.target, t.test_on, t.period_year)
        for key, t in body.changes.items()
    }
    return views.amend(
        session,
        ref=ref,
        made_on=body.made_on,
        reason=body.reason,
        changes=changes,
        actor=principal,
        lang=lang,
    )


@router.post("/agreements/import")
def post_import(
    file: UploadFile = File(),
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(IMPORTERS),
) -> dict[str, Any]:
    """Import agreements (one row per commitment): all rows or none (422 lists every error)."""
    return import_agreements(
        session, source=file.file.read(), filename=file.filename, actor=principal
    ).__dict__


@router.get("/recoveries")
def get_recoveries(
    lang: Lang = "zh",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(RECOVERY_OFFICERS),
) -> list[dict[str, Any]]:
    """Awards being clawed back (追回), each with where its workflow stands."""
    return recoveries.list_recoveries(session, lang=lang)


class RecoveryOpen(BaseModel):
    case_id: int = Field(ge=1, le=2**63 - 1)
    amount_fen: int | None = Field(default=None, gt=0)
    source: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=4000)


@router.post("/recoveries")
def post_recovery(
    body: RecoveryOpen,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(RECOVERY_OFFICERS),
) -> dict[str, Any]:
    """Open the recovery of a paid award; the payment itself is never changed."""
    row = recoveries.open_recovery(
        session,
        case_id=body.case_id,
        amount_fen=body.amount_fen,
        source=body.source,
        reason=body.reason,
        actor=principal,
        today=date.today(),
    )
    return recoveries.recovery_dict(row)


class RecoveryStep(BaseModel):
    action: str = Field(pattern="^(notify|object|decide|receive)$")
    text: str = Field(default="", max_length=4000)
    amount_fen: int | None = Field(default=None, ge=0)


@router.post("/recoveries/{recovery_id}")
def post_recovery_step(
    recovery_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    body: RecoveryStep,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> dict[str, Any]:
    """One step of a recovery: notify, object (the firm itself, or an officer), decide, receive."""
    row = views.recovery_step(
        session,
        recovery_id=recovery_id,
        action=body.action,
        text=body.text,
        amount_fen=body.amount_fen,
        actor=principal,
        today=date.today(),
    )
    return recoveries.recovery_dict(row)
