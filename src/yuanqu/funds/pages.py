"""The fund register pages: the register (/funds), the administrators' forms to create and edit a
fund or sub-fund, record an investment and an exit (the same service calls and roles as the API;
a mistake is shown beside its field and changes nothing), and a firm profile's funds tab."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session

from yuanqu.core.auth import EVERYONE, Principal, allow
from yuanqu.core.deps import get_db, request_lang
from yuanqu.core.errors import NotFound, YuanquError
from yuanqu.funds import service
from yuanqu.funds.api import EDITORS, READERS, WAN
from yuanqu.funds.models import Fund, FundInvestment
from yuanqu.funds.schemas import ExitCreate, FundCreate, InvestmentCreate
from yuanqu.registry.service import visible_firm
from yuanqu.web.forms import form_errors
from yuanqu.web.pagecache import render_kept
from yuanqu.web.templating import render

router = APIRouter(include_in_schema=False)
FundId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Text = Annotated[str, Form(max_length=200)]


@router.get("/funds", response_class=HTMLResponse)
def funds_page(
    request: Request,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> HTMLResponse:
    return render_kept(
        request,
        "funds/register.html",
        session,
        lambda: {
            "register": service.register(session),
            "track_names": service.track_names(request_lang(request)),
            "editor": principal.role in EDITORS,
            "json_url": "/api/v1/funds",
        },
    )


def _fund_form(
    request: Request,
    session: Session,
    *,
    values: dict[str, str],
    fund_id: int | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The fund form, blank, filled from a fund, or sent back with its errors."""
    parents = [f.name for f in service.register(session).funds if f.id != fund_id]
    context = {
        "values": values,
        "fund_id": fund_id,
        "parents": parents,
        "track_names": service.track_names(request_lang(request)),
        "errors": errors or {},
    }
    return render(request, "funds/fund_form.html", context, status_code=status)


def _fund_values(fund: Fund, parent: str | None) -> dict[str, str]:
    return {
        "name": fund.name,
        "parent": parent or "",
        "size_wan": str(fund.size_fen // WAN),
        "zone_share_wan": str(fund.zone_share_fen // WAN),
        "manager": fund.manager,
        "start_year": str(fund.start_year),
        "end_year": str(fund.end_year),
        "track": fund.track or "",
    }


@router.get("/funds/new", response_class=HTMLResponse)
def new_fund_page(
    request: Request,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EDITORS),
) -> HTMLResponse:
    return _fund_form(request, session, values={})


@router.get("/funds/{fund_id}/edit", response_class=HTMLResponse)
def edit_fund_page(
    request: Request,
    fund_id: FundId,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EDITORS),
) -> HTMLResponse:
    fund = service.get_fund(session, fund_id=fund_id)
    parent = service.get_fund(session, fund_id=fund.parent_id).name if fund.parent_id else None
    values = _fund_values(fund, parent)
    return _fund_form(request, session, values=values, fund_id=fund_id)


def _save_fund(
    request: Request, session: Session, values: dict[str, str], fund_id: int | None
) -> Response:
    """Create (no ``fund_id``) or change a fund; every check as the API's."""
    try:
        body = FundCreate.model_validate(_given(values))
        terms = body.model_dump(exclude={"size_wan", "zone_share_wan"})
        terms |= {"size_fen": body.size_wan * WAN, "zone_share_fen": body.zone_share_wan * WAN}
        if fund_id is None:
            service.create_fund(session, **terms)
        else:
            service.update_fund(session, fund_id=fund_id, **terms)
    except (PydanticValidationError, YuanquError) as error:
        session.rollback()
        errors = form_errors(error, request_lang(request))
        return _fund_form(
            request, session, values=values, fund_id=fund_id, errors=errors, status=_status(error)
        )
    return RedirectResponse(f"/funds?lang={request_lang(request)}", status_code=303)


def _status(error: Exception) -> int:
    """422 for a bad field, the domain error's own status otherwise (409 for a duplicate)."""
    return error.status if isinstance(error, YuanquError) else 422


def _given(values: dict[str, str]) -> dict[str, str]:
    """The fields filled in (an empty one is missing, so a required field says so)."""
    return {key: value for key, value in values.items() if value}


class FundFields:
    """The fund form's fields as sent, trimmed."""

    def __init__(
        self,
        name: Text = "",
        parent: Text = "",
        size_wan: Text = "",
        zone_share_wan: Text = "",
        manager: Text = "",
        start_year: Text = "",
        end_year: Text = "",
        track: Text = "",
    ) -> None:
        self.values = {
            "name": name.strip(),
            "parent": parent,
            "size_wan": size_wan.strip(),
            "zone_share_wan": zone_share_wan.strip(),
            "manager": manager.strip(),
            "start_year": start_year.strip(),
            "end_year": end_year.strip(),
            "track": track,
        }


@router.post("/funds/new", response_model=None)
def create_fund_form(
    request: Request,
    fields: FundFields = Depends(),
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EDITORS),
) -> Response:
    return _save_fund(request, session, fields.values, None)


@router.post("/funds/{fund_id}/edit", response_model=None)
def edit_fund_form(
    request: Request,
    fund_id: FundId,
    fields: FundFields = Depends(),
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EDITORS),
) -> Response:
    service.get_fund(session, fund_id=fund_id)  # 404 for a fund that is not there
    return _save_fund(request, session, fields.values, fund_id)


class InvestmentFields:
    """The investment form's fields as sent, trimmed (a credit code in capitals)."""

    def __init__(
        self,
        uscc: Text = "",
        investee_name: Text = "",
        invested_on: Text = "",
        amount_wan: Text = "",
        round: Text = "",
        stake_pct: Text = "",
    ) -> None:
        self.values = {
            "uscc": uscc.strip().upper(),
            "investee_name": investee_name.strip(),
            "invested_on": invested_on.strip(),
            "amount_wan": amount_wan.strip(),
            "round": round.strip(),
            "stake_pct": stake_pct.strip(),
        }


def _investment_form(
    request: Request,
    fund: Fund,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    context = {"fund": fund.name, "fund_id": fund.id, "values": values, "errors": errors or {}}
    return render(request, "funds/investment_form.html", context, status_code=status)


@router.get("/funds/{fund_id}/invest", response_class=HTMLResponse)
def invest_page(
    request: Request,
    fund_id: FundId,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EDITORS),
) -> HTMLResponse:
    return _investment_form(request, service.get_fund(session, fund_id=fund_id), values={})


@router.post("/funds/{fund_id}/invest", response_model=None)
def invest_form(
    request: Request,
    fund_id: FundId,
    fields: InvestmentFields = Depends(),
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EDITORS),
) -> Response:
    """Record an investment of a fund: in a registry firm by its credit code, else by name."""
    fund = service.get_fund(session, fund_id=fund_id)
    values, lang = fields.values, request_lang(request)
    try:
        body = InvestmentCreate.model_validate(_given(values))
        service.invest(
            session,
            fund=fund.name,
            uscc=body.uscc,
            investee_name=body.investee_name,
            invested_on=body.invested_on,
            amount_fen=body.amount_wan * WAN,
            round=body.round,
            stake_bp=int(body.stake_pct * 100 + 0.5),
        )
    except (PydanticValidationError, YuanquError) as error:
        session.rollback()
        errors, status = form_errors(error, lang), _status(error)
        if isinstance(error, NotFound) and values["uscc"]:
            # the credit code names no registry firm: a mistake in that field
            errors, status = {"uscc": error.message(lang)}, 422
        return _investment_form(request, fund, values, errors, status)
    return RedirectResponse(f"/funds?lang={lang}#investments", status_code=303)


def _exit_form(
    request: Request,
    row: FundInvestment,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    context = {"investment": row, "values": values, "errors": errors or {}}
    return render(request, "funds/exit_form.html", context, status_code=status)


@router.get("/funds/investments/{investment_id}/exit", response_class=HTMLResponse)
def exit_page(
    request: Request,
    investment_id: FundId,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EDITORS),
) -> HTMLResponse:
    row = service.get_investment(session, investment_id=investment_id)
    return _exit_form(request, row, values={})


@router.post("/funds/investments/{investment_id}/exit", response_model=None)
def exit_form(
    request: Request,
    investment_id: FundId,
    exited_on: Text = "",
    exit_amount_wan: Text = "",
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EDITORS),
) -> Response:
    """Record the exit of an investment (its date and what the fund got back)."""
    row = service.get_investment(session, investment_id=investment_id)
    values = {"exited_on": exited_on.strip(), "exit_amount_wan": exit_amount_wan.strip()}
    lang = request_lang(request)
    try:
        body = ExitCreate.model_validate(_given(values))
        service.record_exit(
            session,
            investment_id=investment_id,
            exited_on=body.exited_on,
            exit_amount_fen=body.exit_amount_wan * WAN,
        )
    except (PydanticValidationError, YuanquError) as error:
        session.rollback()
        row = service.get_investment(session, investment_id=investment_id)
        return _exit_form(request, row, values, form_errors(error, lang), _status(error))
    return RedirectResponse(f"/funds?lang={lang}#investments", status_code=303)


@router.get("/enterprises/{uscc}/funds", response_class=HTMLResponse)
def firm_funds_tab(
    request: Request,
    uscc: Annotated[str, Path(max_length=40)],
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EVERYONE),
) -> HTMLResponse:
    """The zone's funds in this firm (htmx fragment of the profile)."""
    firm = visible_firm(session, uscc=uscc, principal=principal)
    return render_kept(
        request,
        "funds/_firm_funds.html",
        session,
        lambda: {"items": service.firm_funds(session, uscc=firm.uscc)},
    )
