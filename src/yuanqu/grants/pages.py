"""The grants pages: case lists and review queues, a case with its history, applying, the public
notice, payment batches and the payouts report. Each calls the service its JSON twin calls."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from yuanqu.core.auth import EVERYONE, Principal, Role, allow
from yuanqu.core.deps import get_db, request_lang
from yuanqu.core.errors import YuanquError
from yuanqu.core.holidays import work_calendar
from yuanqu.core.money import INT64_MAX, Money
from yuanqu.grants import batches, cases, ledger, queries, reports, transitions
from yuanqu.grants.api import (
    ACTORS,
    MONEY_READERS,
    OFFICE,
    READERS,
    TransitionBody,
    case_detail,
    read_uploads,
    take,
)
from yuanqu.grants.models import CaseStatus
from yuanqu.grants.workflow import TRANSITIONS, status_name
from yuanqu.policies.service import shipped_policies
from yuanqu.web import charts
from yuanqu.web.pagecache import render_kept
from yuanqu.web.templating import render, unknown_years

router = APIRouter(include_in_schema=False)

REVIEWERS = (Role.task_force, Role.policy_officer, Role.admin)
BULK_ACTIONS = ("pass_preliminary", "pass_office", "approve", "reject")
#: Cases on one page of the case list (the caption says how many there are in all).
CASES_PAGE = 100


def _fen(yuan: str | None) -> int | None:
    return Money.from_yuan(yuan.strip()).fen if yuan and yuan.strip() else None


@router.get("/grants", response_class=HTMLResponse)
def cases_page(
    request: Request,
    status: Annotated[str | None, Query(max_length=30)] = None,
    policy: Annotated[str | None, Query(max_length=60)] = None,
    year: Annotated[str | None, Query(max_length=4)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    overdue: bool = False,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    size: Annotated[int, Query(ge=10, le=500)] = CASES_PAGE,
    done: int | None = None,
    refused: int | None = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> HTMLResponse:
    lang = request_lang(request)

    def context() -> dict:
        queue = queries.queue_for(principal)
        filters = {
            "status": status or None,
            "policy_id": policy or None,
            "year": int(year) if year and year.isdigit() else None,
            "q": q or None,
            "overdue": overdue,
        }
        total = queries.count_cases(session, principal=principal, **filters)
        cases = queries.list_cases(
            session,
            principal=principal,
            limit=size,
            offset=(page - 1) * size,
            **filters,
        )
        actions = [a for a in BULK_ACTIONS if principal.role in TRANSITIONS[a].roles]
        calendar = work_calendar(session)
        rows = [queries.case_dict(c, lang, calendar=calendar) for c in cases]
        return {
            "cases": rows,
            "total": total,
            "page": page,
            "page_size": size,
            "offset": (page - 1) * size,
            "policies": [(p.id, p.title(lang)) for p in shipped_policies()],
            "unknown_years": unknown_years(rows),
            "filters": {
                "status": status or "",
                "policy": policy or "",
                "year": year or "",
                "q": q or "",
                "overdue": overdue,
            },
            "statuses": [(s.value, status_name(s, lang)) for s in CaseStatus],
            "queue": [(s, status_name(s, lang)) for s in queue],
            "actions": [
                (a, TRANSITIONS[a].en if lang == "en" else TRANSITIONS[a].zh) for a in actions
            ],
            "bulk_result": None if done is None else {"done": done, "refused": refused or 0},
            "overdue_count": queries.overdue_count(session) if principal.role in REVIEWERS else 0,
            "json_url": str(request.url.replace(path="/api/v1/grants/cases")),
        }

    return render_kept(request, "grants/cases.html", session, context)


@router.post("/grants/bulk")
def bulk_action(
    case_id: Annotated[list[int], Form()],
    action: Annotated[str, Form(max_length=30)],
    reason: Annotated[str | None, Form(max_length=2000)] = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(REVIEWERS),
) -> RedirectResponse:
    """The same transition on every ticked case; each succeeds or is refused on its own."""
    done = refused = 0
    body = TransitionBody(reason=reason or None)
    for ident in case_id[:500]:
        try:
            with session.begin_nested():
                take(session, ident, action if action in BULK_ACTIONS else "?", principal, body)
            done += 1
        except YuanquError:
            refused += 1
    return RedirectResponse(f"/grants?done={done}&refused={refused}", status_code=303)


@router.get("/grants/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request,
    case_id: Annotated[int, Path(ge=1, le=INT64_MAX)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> HTMLResponse:
    lang = request_lang(request)
    data = case_detail(session, case_id, principal, lang)
    history = queries.case_history(session, case_id=case_id, principal=principal, lang=lang)
    possible = [
        (name, t.en if lang == "en" else t.zh)
        for name, t in TRANSITIONS.items()
        if data["status"] in t.sources
        and principal.role in t.roles
        and name not in ("schedule", "mark_paid", "uphold_objection")
    ]
    return render(
        request,
        "grants/case.html",
        {
            "case": data,
            "unknown_years": data["unknown_years"],
            "history": history,
            "possible": possible,
            "json_url": f"/api/v1/grants/cases/{case_id}",
        },
    )


@router.post("/grants/cases/{case_id}/action")
def case_action(
    case_id: Annotated[int, Path(ge=1, le=INT64_MAX)],
    action: Annotated[str, Form(max_length=30)],
    reason: Annotated[str | None, Form(max_length=2000)] = None,
    amount_yuan: Annotated[str | None, Form(max_length=20)] = None,
    bank_account: Annotated[str | None, Form(max_length=40)] = None,
    bank_name: Annotated[str | None, Form(max_length=100)] = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(ACTORS),
) -> RedirectResponse:
    body = TransitionBody(
        reason=reason or None,
        amount_fen=_fen(amount_yuan),
        bank_account=bank_account,
        bank_name=bank_name,
    )
    take(session, case_id, action, principal, body)
    return RedirectResponse(f"/grants/cases/{case_id}", status_code=303)


@router.post("/grants/cases/{case_id}/object")
def object_form(
    case_id: Annotated[int, Path(ge=1, le=INT64_MAX)],
    text: Annotated[str, Form(max_length=2000)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> RedirectResponse:
    transitions.object_to(session, case_id=case_id, actor=principal, text=text)
    return RedirectResponse("/grants/notice?objected=1", status_code=303)


@router.get("/grants/apply", response_class=HTMLResponse)
def apply_page(request: Request, principal: Principal = allow(Role.enterprise)) -> HTMLResponse:
    lang = request_lang(request)
    policies = [p for p in shipped_policies() if not p.auto_entitlement]
    return render(
        request,
        "grants/apply.html",
        {
            "policies": [(p.id, p.title(lang), list(p.evidence)) for p in policies],
            "year": date.today().year - 1,
        },
    )


@router.post("/grants/apply")
async def apply_form(
    policy: Annotated[str, Form(max_length=60)],
    year: Annotated[int, Form(ge=2000, le=2100)],
    bank_account: Annotated[str, Form(max_length=40)],
    bank_name: Annotated[str, Form(max_length=100)],
    kinds: Annotated[list[str], Form()] = [],  # noqa: B006  # FastAPI copies defaults
    files: Annotated[list[UploadFile], File()] = [],  # noqa: B006  # FastAPI copies defaults
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(Role.enterprise),
) -> RedirectResponse:
    # A browser sends an empty part for a file input left empty: not a file.
    pairs = [(k, f) for k, f in zip(kinds, files, strict=False) if f.filename]
    uploads = await read_uploads([k for k, _ in pairs], [f for _, f in pairs])
    case = cases.apply(
        session,
        actor=principal,
        policy_id=policy,
        year=year,
        bank_account=bank_account,
        bank_name=bank_name,
        uploads=uploads,
    )
    return RedirectResponse(f"/grants/cases/{case.id}", status_code=303)


@router.get("/grants/notice", response_class=HTMLResponse)
def notice_page(
    request: Request,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> HTMLResponse:
    def context() -> dict:
        rows = queries.public_notice(session, principal=principal, lang=request_lang(request))
        return {
            "rows": rows,
            "unknown_years": unknown_years(rows),
            "json_url": "/api/v1/grants/notice",
        }

    return render_kept(request, "grants/notice.html", session, context)


@router.get("/grants/batches", response_class=HTMLResponse)
def batches_page(
    request: Request,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(MONEY_READERS),
) -> HTMLResponse:
    return render(
        request,
        "grants/batches.html",
        {
            "batches": batches.list_batches(session),
            "budgets": ledger.list_budgets(session),
            "payable": len(batches.batch_candidates(session, today=date.today())),
            "can_pay": principal.role in OFFICE,
            "json_url": "/api/v1/grants/batches",
        },
    )


@router.post("/grants/batches")
def batch_form(
    key: Annotated[str, Form(max_length=100)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(OFFICE),
) -> RedirectResponse:
    batches.schedule_batch(session, key=key, actor=principal, today=date.today())
    return RedirectResponse("/grants/batches", status_code=303)


@router.post("/grants/batches/{batch_id}/confirm")
def confirm_form(
    batch_id: Annotated[int, Path(ge=1, le=INT64_MAX)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(OFFICE),
) -> RedirectResponse:
    batches.confirm_batch(session, batch_id=batch_id, actor=principal)
    return RedirectResponse("/grants/batches", status_code=303)


@router.get("/grants/batches/{batch_id}/export.xlsx")
def batch_export(
    batch_id: Annotated[int, Path(ge=1, le=INT64_MAX)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(MONEY_READERS),
) -> FileResponse:
    folder = FilePath(tempfile.mkdtemp(prefix="yuanqu-batch-"))
    path = reports.export_batch(
        session, batch_id=batch_id, path=folder / f"batch-{batch_id}.xlsx", principal=principal
    )
    return FileResponse(
        path,
        filename=path.name,
        background=BackgroundTask(_cleanup, folder),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _cleanup(folder: FilePath) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


REPORT_PAGE = 500
GROUP_NAMES = {
    "policy": ("按政策", "by policy"),
    "industry": ("按行业门类", "by industry section"),
    "task_force": ("按产业专班", "by task force"),
    "firm": ("按企业", "by firm"),
}
GROUP_HEADERS = {
    "policy": ("政策", "Policy"),
    "industry": ("行业门类", "Industry section"),
    "task_force": ("产业专班", "Task force"),
    "firm": ("企业", "Enterprise"),
}


@router.get("/grants/report", response_class=HTMLResponse)
def report_page(
    request: Request,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    by: Annotated[str, Query(max_length=20)] = "policy",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    over_100m: bool = False,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(MONEY_READERS),
) -> HTMLResponse:
    lang = request_lang(request)
    latest = reports.latest_paid_year(session)
    shown = year or latest or date.today().year
    if over_100m:
        by = "firm"  # the headline's firms, each a link to its profile
    data = reports.payouts(
        session,
        year=shown,
        by=by,
        lang=lang,
        limit=REPORT_PAGE,
        offset=(page - 1) * REPORT_PAGE,
        over_fen=reports.YI_FEN if over_100m else None,
    )
    if over_100m:  # the card's total stays the year's, not the listed firms'
        data["listed_fen"] = data["total_fen"]
        data["total_fen"] = reports.payouts(session, year=shown, by="policy", limit=1)["total_fen"]
    from yuanqu.registry.service import list_task_forces

    forces = {f.code: f.name(lang) for f in list_task_forces(session)} if by == "task_force" else {}
    top = data["rows"][:20]
    chart = charts.bar(
        [_group_label(r, by, lang, forces) for r in top],
        [r["amount_fen"] // 1_000_000 for r in top],
        name="paid" if lang == "en" else "兑现金额",
        unit="CNY 10k" if lang == "en" else "万元",
        horizontal=True,
    )
    en = lang == "en"
    return render(
        request,
        "grants/report.html",
        {
            "report": data,
            "chart": chart,
            "page": page,
            "page_size": REPORT_PAGE,
            "latest_year": latest,
            "asked_year": year,
            "over_100m": over_100m,
            "group_header": GROUP_HEADERS[data["by"]][en],
            "group_label": lambda r: _group_label(r, data["by"], lang, forces),
            "groupings": [(g, GROUP_NAMES[g][en]) for g in reports.GROUPS],
            "json_url": f"/api/v1/grants/report?year={shown}&by={by}",
        },
    )


def _group_label(row: dict, by: str, lang: str, forces: dict[str, str]) -> str:
    """What a person reads for a group: a title, a section's name, a task force's name."""
    from yuanqu.core.industry import industry_catalog

    if by == "industry" and row["group"]:
        found = industry_catalog().find(row["group"])
        return f"{row['group']} {found.label(lang)}" if found else row["group"]
    if by == "task_force":
        if not row["group"]:
            return "No task force" if lang == "en" else "无专班"
        return forces.get(row["group"], row["group"])
    return row["name"] or row["group"] or "—"
