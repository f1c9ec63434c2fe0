"""The fund register over JSON (/api/v1/funds...): read by staff, written by administrators."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from yuanqu.core.auth import Principal, Role, allow
from yuanqu.core.deps import get_db
from yuanqu.funds import service
from yuanqu.funds.schemas import (
    ExitCreate,
    FundCreate,
    InvestmentCreate,
    InvestmentRead,
    Register,
)

router = APIRouter(prefix="/funds", tags=["funds"])

READERS = (Role.admin, Role.analyst, Role.task_force)
EDITORS = (Role.admin,)
WAN = service.WAN


@router.get("", response_model=Register)
def get_register(
    track: Annotated[str | None, Query(max_length=60)] = None,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(READERS),
) -> Any:
    """Every fund and sub-fund with its investments, the share in the zone and per track."""
    return service.register(session, track=track)


@router.post("", response_model=Register, status_code=201)
def post_fund(
    body: FundCreate,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EDITORS),
) -> Any:
    service.create_fund(
        session,
        name=body.name,
        parent=body.parent,
        size_fen=body.size_wan * WAN,
        zone_share_fen=body.zone_share_wan * WAN,
        manager=body.manager,
        start_year=body.start_year,
        end_year=body.end_year,
        track=body.track,
    )
    return service.register(session)


@router.post("/{name}/investments", response_model=InvestmentRead, status_code=201)
def post_investment(
    name: Annotated[str, Path(max_length=200)],
    body: InvestmentCreate,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EDITORS),
) -> Any:
    row = service.invest(
        session,
        fund=name,
        uscc=body.uscc,
        investee_name=body.investee_name,
        invested_on=body.invested_on,
        amount_fen=body.amount_wan * WAN,
        round=body.round,
        stake_bp=round(body.stake_pct * 100),
    )
    return next(i for f in service.register(session).funds for i in f.investments if i.id == row.id)


@router.post("/investments/{investment_id}/exit", response_model=InvestmentRead)
def post_exit(
    investment_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: ExitCreate,
    session: Session = Depends(get_db, scope="function"),
    principal: Principal = allow(EDITORS),
) -> Any:
    service.record_exit(
        session,
        investment_id=investment_id,
        exited_on=body.exited_on,
        exit_amount_fen=body.exit_amount_wan * WAN,
    )
    return next(
        i for f in service.register(session).funds for i in f.investments if i.id == investment_id
    )
