"""The grants JSON API (/api/v1/grants): cases, transitions, notice, budgets, batches, payouts."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import (
    APIRouter,
    Depends,
    File,
    Form,
    Header,
    Path,
    Query,
    Request,
    Response,
    UploadFile,
)
from sqlalchemy.orm import Session

from yuanqu.core.auth import EVERYONE, Principal, Role, allow
from yuanqu.core.deps import get_db, request_lang
from yuanqu.core.errors import ValidationError
from yuanqu.core.holidays import work_calendar
from yuanqu.core.money import INT64_MAX
from yuanqu.grants import batches as payment_batches
from yuanqu.grants import cases, evidence, ledger, payments, queries, reports, transitions
from yuanqu.grants.privacy import present_case
from yuanqu.grants.schemas import (
    BatchBody,
    BatchConfirmed,
    BatchRead,
    BatchRun,
    BudgetBody,
    BudgetRead,
    CaseDetail,
    CaseListRow,
    CaseRead,
    HistoryRecord,
    MatchBody,
    MatchResult,
    NoticeRow,
    ObjectionBody,
    ObjectionCreated,
    ObjectionResolved,
    PaymentRead,
    PayoutReport,
    ResolveBody,
    TransitionBody,
)

router = APIRouter(prefix="/grants", tags=["grants"])

READERS = (Role.admin, Role.policy_officer, Role.task_force, Role.enterprise)
ACTORS = READERS
OFFICE = (Role.policy_officer,)
MONEY_READERS = (Role.admin, Role.policy_officer)


def take(session: Session, case_id: int, action: str, actor: Principal, body: TransitionBody):
    """One transition by name: the API's and the pages' single entry to the workflow."""
    common: dict[str, Any] = {"case_id": case_id, "actor": actor}
    if action == "confirm":
        return transitions.confirm(
            session, **common, bank_account=body.bank_account or "", bank_name=body.bank_name or ""
        )
    if action == "pass_preliminary":
        return transitions.pass_preliminary(session, **common, note=body.reason)
    if action == "pass_office":
        return transitions.pass_office(
            session, **common, amount_fen=body.amount_fen, reason=body.reason
        )
    if action == "approve":
        return transitions.approve(
            session, **common, amount_fen=body.amount_fen, reason=body.reason
        )
    if action in ("reject", "appeal", "reopen"):
        return getattr(transitions, action)(session, **common, reason=body.reason or "")
    if action == "withdraw":
        return transitions.withdraw(session, **common, reason=body.reason)
    raise ValidationError(
        f"未知操作 {action}",
        f"unknown action {action}",
        details={"field": "action", "value": action},
    )


@router.get("/cases", response_model=list[CaseListRow])
def list_cases(
    request: Request,
    response: Response,
    status: Annotated[str | None, Query(max_length=30)] = None,
    policy: Annotated[str | None, Query(max_length=60)] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    overdue: bool = False,
    limit: Annotated[int, Query(ge=1, le=2000)] = 200,
    offset: Annotated[int, Query(ge=0)] = 0,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> list[dict[str, Any]]:
    """The cases this account may see (a firm: its own; a task force: its industries), newest
    first: ``limit`` from ``offset``; the header ``X-Total-Count`` says how many in all."""
    filters = {
        "status": status or None,
        "policy_id": policy or None,
        "year": year,
        "q": q or None,
        "overdue": overdue,
    }
    response.headers["X-Total-Count"] = str(
        queries.count_cases(session, principal=principal, **filters)
    )
    cases = queries.list_cases(session, principal=principal, limit=limit, offset=offset, **filters)
    calendar = work_calendar(session)
    return [queries.case_dict(c, request_lang(request), calendar=calendar) for c in cases]


def case_detail(session: Session, case_id: int, principal: Principal, lang: str) -> dict[str, Any]:
    case = transitions.get_case(session, case_id=case_id, principal=principal)
    data = present_case(
        queries.case_dict(case, lang, full=True, calendar=work_calendar(session)), principal
    )
    data["evidence"] = [
        {"kind": e.kind, "filename": e.filename, "size": e.size, "sha256": e.sha256}
        for e in queries.case_evidence(session, case_id)
    ]
    data["objections"] = [
        {"id": o.id, "text": o.text, "status": o.status, "resolution": o.resolution}
        for o in queries.case_objections(session, case_id)
    ]
    return data


@router.get("/cases/{case_id}", response_model=CaseDetail)
def get_case(
    request: Request,
    case_id: Annotated[int, Path(ge=1, le=INT64_MAX)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> dict[str, Any]:
    """One case: the decision, the engine's inputs, the evidence, the objections."""
    return case_detail(session, case_id, principal, request_lang(request))


@router.get("/cases/{case_id}/history", response_model=list[HistoryRecord])
def case_history(
    request: Request,
    case_id: Annotated[int, Path(ge=1, le=INT64_MAX)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> list[dict[str, Any]]:
    """The case's audit trail, oldest first (a firm reads the other parties' roles)."""
    history = queries.case_history(
        session, case_id=case_id, principal=principal, lang=request_lang(request)
    )
    return [r.to_dict() for r in history]


@router.post("/cases", status_code=201, response_model=CaseRead)
async def apply(
    request: Request,
    policy: Annotated[str, Form(max_length=60)],
    year: Annotated[int, Form(ge=2000, le=2100)],
    bank_account: Annotated[str, Form(max_length=40)],
    bank_name: Annotated[str, Form(max_length=100)],
    kinds: Annotated[list[str], Form(description="the evidence kind of each file, in order")] = [],  # noqa: B006  # FastAPI copies defaults
    files: Annotated[list[UploadFile], File()] = [],  # noqa: B006  # FastAPI copies defaults
    uscc: Annotated[str | None, Form(max_length=18)] = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(Role.enterprise, Role.policy_officer),
) -> dict[str, Any]:
    """Apply under a policy with its evidence (multipart: kinds[i] names files[i])."""
    uploads = await read_uploads(kinds, files)
    case = cases.apply(
        session,
        actor=principal,
        policy_id=policy,
        year=year,
        bank_account=bank_account,
        bank_name=bank_name,
        uploads=uploads,
        uscc=uscc,
    )
    return queries.case_dict(case, request_lang(request))


async def read_uploads(kinds: list[str], files: list[UploadFile]) -> list[evidence.Upload]:
    if len(kinds) != len(files):
        raise ValidationError(
            "每个文件都要注明材料类别",
            "name the evidence kind of every file",
            details={"field": "kinds", "files": len(files), "kinds": len(kinds)},
        )
    uploads = []
    for kind, upload in zip(kinds, files, strict=True):
        content = await upload.read(evidence.MAX_BYTES + 1)
        uploads.append(evidence.Upload(kind, upload.filename or "", content))
    return uploads


@router.post("/cases/{case_id}/transitions/{action}", response_model=CaseRead)
def transition(
    request: Request,
    case_id: Annotated[int, Path(ge=1, le=INT64_MAX)],
    action: Annotated[str, Path(max_length=30)],
    body: TransitionBody | None = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(ACTORS),
) -> dict[str, Any]:
    """Take one workflow transition (the service checks the role, the firm and the state)."""
    case = take(session, case_id, action, principal, body or TransitionBody())
    return queries.case_dict(case, request_lang(request))


@router.post("/cases/{case_id}/payment", response_model=PaymentRead)
def request_payment(
    case_id: Annotated[int, Path(ge=1, le=INT64_MAX)],
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=8, max_length=100)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(OFFICE),
) -> dict[str, Any]:
    """Schedule the case's payment; a retry with the same Idempotency-Key returns the first."""
    payment, replayed = payments.request_payment(
        session,
        case_id=case_id,
        idempotency_key=idempotency_key,
        actor=principal,
        today=date.today(),
    )
    return ledger.payment_dict(payment, replayed=replayed)


@router.post("/cases/{case_id}/objections", status_code=201, response_model=ObjectionCreated)
def object_to(
    case_id: Annotated[int, Path(ge=1, le=INT64_MAX)],
    body: ObjectionBody,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> dict[str, Any]:
    """Object to a case on public notice (anyone with an account)."""
    objection = transitions.object_to(session, case_id=case_id, actor=principal, text=body.text)
    return {"id": objection.id, "case": case_id, "status": objection.status}


@router.post("/objections/{objection_id}/resolve", response_model=ObjectionResolved)
def resolve_objection(
    objection_id: Annotated[int, Path(ge=1, le=INT64_MAX)],
    body: ResolveBody,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(OFFICE),
) -> dict[str, Any]:
    objection = transitions.resolve_objection(
        session, objection_id=objection_id, actor=principal, upheld=body.upheld, reason=body.reason
    )
    return {"id": objection.id, "status": objection.status}


@router.get("/notice", response_model=list[NoticeRow])
def public_notice(
    request: Request,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> list[dict[str, Any]]:
    """Cases on public notice (公示); other firms are masked for a firm's account."""
    return queries.public_notice(session, principal=principal, lang=request_lang(request))


@router.post("/match", response_model=MatchResult)
def match(
    body: MatchBody,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(OFFICE),
) -> dict[str, Any]:
    """免申即享: create the year's auto-entitlement cases."""
    return cases.match(session, year=body.year, actor=principal, policy_ids=body.policies)


@router.get("/budgets", response_model=list[BudgetRead])
def budgets(
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(MONEY_READERS),
) -> list[dict[str, Any]]:
    return ledger.list_budgets(session)


@router.put("/budgets/{policy}/{year}", response_model=BudgetRead)
def set_budget(
    policy: Annotated[str, Path(max_length=60)],
    year: Annotated[int, Path(ge=2000, le=2100)],
    body: BudgetBody,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(OFFICE),
) -> dict[str, Any]:
    """Set a policy's budget for a year (never below its commitments)."""
    row = ledger.set_budget(
        session, policy_id=policy, year=year, budget_fen=body.budget_fen, actor=principal
    )
    return ledger.budget_dict(row)


@router.get("/batches", response_model=list[BatchRead])
def batches(
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(MONEY_READERS),
) -> list[dict[str, Any]]:
    return payment_batches.list_batches(session)


@router.post("/batches", status_code=201, response_model=BatchRun)
def run_batch(
    body: BatchBody,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(OFFICE),
) -> dict[str, Any]:
    """Put every payable case into the batch of this key (running it again adds nothing twice)."""
    return payment_batches.schedule_batch(
        session,
        key=body.key,
        actor=principal,
        today=date.today(),
        policy_id=body.policy,
        year=body.year,
    )


@router.post("/batches/{batch_id}/confirm", response_model=BatchConfirmed)
def confirm_batch(
    batch_id: Annotated[int, Path(ge=1, le=INT64_MAX)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(OFFICE),
) -> dict[str, Any]:
    """The finance bureau paid: mark the batch's payments and cases paid (idempotent)."""
    batch, replayed = payment_batches.confirm_batch(session, batch_id=batch_id, actor=principal)
    return payment_batches.batch_dict(session, batch) | {"replayed": replayed}


@router.get("/report", response_model=PayoutReport)
def payouts(
    year: Annotated[int, Query(ge=2000, le=2100)] = 2023,
    by: Annotated[str, Query(max_length=20)] = "policy",
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(MONEY_READERS),
) -> dict[str, Any]:
    """Money paid for an award year by policy, industry, task force or firm: ``limit`` groups
    from ``offset``, with the count of every group (``groups``) and the true total."""
    return reports.payouts(session, year=year, by=by, limit=limit, offset=offset)
